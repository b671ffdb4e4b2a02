import Foundation
import XCTest
import InfraSightClickHouse
import InfraSightTestSupport

/// RowBinary rows regrouped into a Native block (`NativeBlockStream`): byte for byte what ClickHouse
/// 18.16 itself writes as Native for the same rows, accepted by its insert (streamed, chunked), and
/// accepted by a current ClickHouse (chDB) with LowCardinality and DateTime64 columns.
final class NativeBlockStreamTests: XCTestCase {
    func testLayoutDropsLowCardinalityAndCodecsAndRefusesNullable() throws {
        let layout = try XCTUnwrap(NativeBlockLayout(columns: [
            ("time", "DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1))"), ("host", "LowCardinality(String)"),
            ("tags", "Array(LowCardinality(String))"), ("pids", "Array(UInt32)"), ("id", "FixedString(16)"),
            ("at", "DateTime"), ("n", "UInt64"),
        ]))
        XCTAssertEqual(layout.columns.map(\.nativeType),
                       ["DateTime64(9, 'UTC')", "String", "Array(String)", "Array(UInt32)", "FixedString(16)", "DateTime", "UInt64"])
        XCTAssertEqual(layout.columns.map(\.value),
                       [.fixed(8), .string, .array(.string), .array(.fixed(4)), .fixed(16), .fixed(4), .fixed(8)])
        XCTAssertNil(NativeBlockLayout(columns: [("a", "String"), ("b", "Nullable(String)")]))
        XCTAssertNil(NativeBlockLayout(columns: [("a", "Array(Array(String))")]))
        XCTAssertNil(NativeBlockLayout(columns: [("a", "Map(String, String)")]))
    }

    func testRowsThatEndInsideAColumnAreRefused() throws {
        let layout = try XCTUnwrap(NativeBlockLayout(columns: [("s", "String"), ("n", "UInt32")]))
        var w = RowBinaryWriter()
        w.string("abc"); w.uint32(7)
        w.string("cut")  // a row without its UInt32
        let bytes = w.bytes
        XCTAssertThrowsError(try bytes.withUnsafeBytes { try NativeBlockStream(layout: layout, rowBinary: $0) }) { error in
            XCTAssertEqual((error as? ClickHouseError)?.kind, .request, "\(error)")
            XCTAssertFalse((error as? ClickHouseError)?.isRetryable ?? true)
        }
    }

    private static let columns: [(name: String, type: String)] = [
        ("id", "UInt32"), ("i64", "Int64"), ("f64", "Float64"), ("flag", "UInt8"), ("s", "String"),
        ("fs", "FixedString(4)"), ("tags", "Array(String)"), ("nums", "Array(UInt32)"), ("dt", "DateTime"), ("d", "Date"),
    ]

    /// `count` rows of every kind of value: empty and long strings, empty and long arrays, UTF-8.
    private static func rowBinary(count: Int) -> [UInt8] {
        var w = RowBinaryWriter()
        for i in 0..<count {
            w.uint32(UInt32(i)); w.int64(Int64(i) * -1_000_000_007); w.float64(Double(i) / 3); w.uint8(UInt8(i % 2))
            w.string(i % 7 == 0 ? "" : "/path/é✓/" + String(repeating: "x", count: i % 300))
            w.fixedString(bytes: Array("ab\(i % 10)".utf8), length: 4)
            w.stringArray((0..<(i % 5)).map { "tag-\($0)-\(i)" })
            w.arrayCount(i % 4); for k in 0..<(i % 4) { w.uint32(UInt32(i * 10 + k)) }
            w.dateTime(epochSeconds: 1_700_000_000 + UInt32(i)); w.date(daysSinceEpoch: UInt16(19_000 + i % 100))
        }
        return w.bytes
    }

    func testTheBlockIsWhatClickHouseWritesAsNativeAndItsInsertStoresTheSameRows() throws {
        let server = try ClickHouseServer.start()
        defer { server.stop() }
        let c = try ClickHouseClient(endpoint: ClickHouseEndpoint(url: server.url))
        let typed = Self.columns.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
        let names = Self.columns.map(\.name).joined(separator: ", ")
        try c.execute("CREATE DATABASE IF NOT EXISTS nb")
        try c.execute("CREATE TABLE nb.by_rowbinary (\(typed)) ENGINE = MergeTree ORDER BY id")
        try c.execute("CREATE TABLE nb.by_native (\(typed)) ENGINE = MergeTree ORDER BY id")
        // 3,000 rows: the block is handed to curl in many 16 KiB reads, columns span several of them
        let rows = Self.rowBinary(count: 3_000)
        try c.insert(statement: "INSERT INTO nb.by_rowbinary (\(names)) FORMAT RowBinary", body: rows)

        let layout = try XCTUnwrap(NativeBlockLayout(columns: Self.columns))
        let ours = try rows.withUnsafeBytes { try NativeBlockStream(layout: layout, rowBinary: $0).readAll() }
        let theirs = try c.queryBytes("SELECT \(names) FROM nb.by_rowbinary ORDER BY id FORMAT Native")
        XCTAssertEqual(ours.count, theirs.count)
        XCTAssertTrue(ours == theirs, "the block differs from ClickHouse's own Native output of the same rows")

        try rows.withUnsafeBytes { raw in
            let block = try NativeBlockStream(layout: layout, rowBinary: raw)
            XCTAssertEqual(block.rowCount, 3_000)
            try c.insert(statement: "INSERT INTO nb.by_native (\(names)) FORMAT Native", block: block)
        }
        let a = try c.query("SELECT \(names) FROM nb.by_rowbinary ORDER BY id FORMAT TabSeparated")
        let b = try c.query("SELECT \(names) FROM nb.by_native ORDER BY id FORMAT TabSeparated")
        XCTAssertEqual(a.split(separator: "\n").count, 3_000)
        XCTAssertTrue(a == b, "the Native insert stored other rows than the RowBinary insert")

        // A client used for a streamed insert goes on with plain requests and RowBinary inserts.
        XCTAssertEqual(try c.query("SELECT count() FROM nb.by_native"), "3000\n")
        try c.insert(statement: "INSERT INTO nb.by_rowbinary (\(names)) FORMAT RowBinary", body: Self.rowBinary(count: 2))
        XCTAssertEqual(try c.query("SELECT count() FROM nb.by_rowbinary"), "3002\n")
    }

    func testCurrentClickHouseTakesTheBlockIntoLowCardinalityAndDateTime64Columns() throws {
        var w = RowBinaryWriter()
        w.dateTime64(epochNanos: 1_700_000_000_123_456_789); w.string("openat"); w.uint32(4242)
        w.stringArray(["/etc/passwd", "O_RDONLY"]); w.bool(true)
        w.dateTime64(epochNanos: 1_700_000_001_000_000_001); w.string("exécute ✓"); w.uint32(.max)
        w.stringArray([]); w.bool(false)
        let layout = try XCTUnwrap(NativeBlockLayout(columns: [
            ("ts", "DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1))"), ("syscall", "LowCardinality(String)"), ("pid", "UInt32"),
            ("args", "Array(LowCardinality(String))"), ("ok", "Bool"),
        ]))
        let block = try w.bytes.withUnsafeBytes { try NativeBlockStream(layout: layout, rowBinary: $0).readAll() }
        let out = try ChDB.run(statements: [
            """
            CREATE TABLE events (ts DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)), syscall LowCardinality(String), pid UInt32,
                                 args Array(LowCardinality(String)), ok Bool) ENGINE = MergeTree ORDER BY ts
            """,
            "INSERT INTO events (ts, syscall, pid, args, ok) FROM INFILE '{file:rows}' FORMAT Native",
            "SELECT ts, syscall, pid, args, ok, toTypeName(syscall) FROM events ORDER BY ts FORMAT TabSeparated",
        ], files: ["rows": block])
        XCTAssertEqual(out, """
            2023-11-14 22:13:20.123456789\topenat\t4242\t['/etc/passwd','O_RDONLY']\ttrue\tLowCardinality(String)
            2023-11-14 22:13:21.000000001\texécute ✓\t4294967295\t[]\tfalse\tLowCardinality(String)

            """)
    }
}
