import XCTest
@testable import InfraSightClickHouse

final class RowBinaryWriterTests: XCTestCase {
    private func bytes(_ build: (inout RowBinaryWriter) -> Void) -> [UInt8] {
        var w = RowBinaryWriter()
        build(&w)
        return w.bytes
    }

    func testVarintEdges() {
        XCTAssertEqual(bytes { $0.varint(0) }, [0x00])
        XCTAssertEqual(bytes { $0.varint(1) }, [0x01])
        XCTAssertEqual(bytes { $0.varint(127) }, [0x7F])
        XCTAssertEqual(bytes { $0.varint(128) }, [0x80, 0x01])
        XCTAssertEqual(bytes { $0.varint(300) }, [0xAC, 0x02])
        XCTAssertEqual(bytes { $0.varint(16_383) }, [0xFF, 0x7F])
        XCTAssertEqual(bytes { $0.varint(16_384) }, [0x80, 0x80, 0x01])
        XCTAssertEqual(bytes { $0.varint(UInt64(UInt32.max)) }, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        XCTAssertEqual(bytes { $0.varint(UInt64.max) },
                       [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }

    func testFixedWidthIntegersAreLittleEndian() {
        XCTAssertEqual(bytes { $0.uint8(0xAB) }, [0xAB])
        XCTAssertEqual(bytes { $0.uint16(0x0102) }, [0x02, 0x01])
        XCTAssertEqual(bytes { $0.uint32(0x0102_0304) }, [0x04, 0x03, 0x02, 0x01])
        XCTAssertEqual(bytes { $0.uint64(0x0102_0304_0506_0708) }, [8, 7, 6, 5, 4, 3, 2, 1])
        XCTAssertEqual(bytes { $0.int8(-1) }, [0xFF])
        XCTAssertEqual(bytes { $0.int16(-2) }, [0xFE, 0xFF])
        XCTAssertEqual(bytes { $0.int32(-2) }, [0xFE, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(bytes { $0.int64(Int64.min) }, [0, 0, 0, 0, 0, 0, 0, 0x80])
        XCTAssertEqual(bytes { $0.bool(true); $0.bool(false) }, [1, 0])
    }

    func testFloats() {
        XCTAssertEqual(bytes { $0.float64(1.0) }, [0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        XCTAssertEqual(bytes { $0.float64(-2.5) }, [0, 0, 0, 0, 0, 0, 0x04, 0xC0])
        XCTAssertEqual(bytes { $0.float32(1.0) }, [0, 0, 0x80, 0x3F])
    }

    func testStrings() {
        XCTAssertEqual(bytes { $0.string("") }, [0])
        XCTAssertEqual(bytes { $0.string("abc") }, [3, 0x61, 0x62, 0x63])
        // "é" is 2 bytes, "✓" 3, "😀" 4: the length prefix counts UTF-8 bytes, not characters.
        XCTAssertEqual(bytes { $0.string("é✓😀") },
                       [9, 0xC3, 0xA9, 0xE2, 0x9C, 0x93, 0xF0, 0x9F, 0x98, 0x80])
        let long = String(repeating: "x", count: 200)
        XCTAssertEqual(bytes { $0.string(long) }, [0xC8, 0x01] + Array(repeating: 0x78, count: 200))
        XCTAssertEqual(bytes { $0.string(bytes: [0xFF, 0x00, 0x80]) }, [3, 0xFF, 0x00, 0x80])
        XCTAssertEqual(bytes { $0.string(bytes: "hi".utf8) }, [2, 0x68, 0x69])
        XCTAssertEqual(bytes { $0.fixedString(bytes: [1, 2], length: 4) }, [1, 2, 0, 0])
        XCTAssertEqual(bytes { $0.fixedString(bytes: [1, 2, 3], length: 2) }, [1, 2])
        // A string built from a substring still encodes correctly.
        let source = "xxé✓"
        let sub = source[source.index(source.startIndex, offsetBy: 2)...]
        XCTAssertEqual(bytes { $0.string(String(sub)) }, [5, 0xC3, 0xA9, 0xE2, 0x9C, 0x93])
    }

    func testArraysAndNullable() {
        XCTAssertEqual(bytes { $0.stringArray([]) }, [0])
        XCTAssertEqual(bytes { $0.stringArray(["a", "", "é"]) }, [3, 1, 0x61, 0, 2, 0xC3, 0xA9])
        XCTAssertEqual(bytes { $0.arrayCount(2); $0.uint32(1); $0.uint32(2) }, [2, 1, 0, 0, 0, 2, 0, 0, 0])
        XCTAssertEqual(bytes { $0.nullFlag(isNull: true); $0.nullFlag(isNull: false); $0.uint8(7) }, [1, 0, 7])
    }

    func testDates() {
        XCTAssertEqual(bytes { $0.dateTime(epochSeconds: 1_700_000_000) }, [0x00, 0xF1, 0x53, 0x65])
        // 2023-11-14 22:13:20.123456789 UTC in nanoseconds = 0x17979CFE_3D85CD15
        XCTAssertEqual(bytes { $0.dateTime64(epochNanos: 1_700_000_000_123_456_789) },
                       [0x15, 0xCD, 0x85, 0x3D, 0xFE, 0x9C, 0x97, 0x17])
        XCTAssertEqual(bytes { $0.dateTime64(epochNanos: -1) }, Array(repeating: 0xFF, count: 8))
        XCTAssertEqual(bytes { $0.date(daysSinceEpoch: 19_724) }, [0x0C, 0x4D])
    }

    func testRowsConcatenateAndResetKeepsCapacity() {
        var w = RowBinaryWriter(reservingCapacity: 1024)
        w.uint32(1); w.string("a")
        w.uint32(2); w.string("bc")
        XCTAssertEqual(w.bytes, [1, 0, 0, 0, 1, 0x61, 2, 0, 0, 0, 2, 0x62, 0x63])
        XCTAssertEqual(w.count, 13)
        let capacity = w.capacity
        XCTAssertGreaterThanOrEqual(capacity, 1024)
        w.reset()
        XCTAssertTrue(w.isEmpty)
        XCTAssertEqual(w.capacity, capacity)
    }
}
