import XCTest
@testable import InfraSightAgent

final class ContextEventIdentityTests: XCTestCase {
    private let bootID = "0b6a3f0e-7d0c-4a36-9f53-2f1c4b2e9d11"

    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    func testSHA1KnownVectors() {
        XCTAssertEqual(hex(SHA1.hash(Array("".utf8))), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(hex(SHA1.hash(Array("abc".utf8))), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(hex(SHA1.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
                       "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        XCTAssertEqual(hex(SHA1.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1000))),
                       "291e9a6c66994949b57ba5e650361e98fc36b1ba")
        // Incremental in odd-sized pieces = one shot.
        var hasher = SHA1()
        let message = Array((0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        var offset = 0
        for size in [1, 63, 64, 65, 2, 105] {
            hasher.update(message[offset..<(offset + size)])
            offset += size
        }
        XCTAssertEqual(hasher.finalize(), SHA1.hash(message))
    }

    func testMatchesPythonUUID5() {
        // Vectors from Python: uuid.uuid5(namespace, netstrings…), see the EventIdentity doc comment.
        XCTAssertEqual(EventIdentity(bootID: bootID, nodeName: "node-a")
                        .eventID(probe: "sys_enter_openat", bootTimeNs: 123_456_789_012_345, tid: 4242),
                       "cb96dae1-a87c-5914-b7a5-b11cde46a3a9")
        XCTAssertEqual(EventIdentity(bootID: "", nodeName: "").eventID(probe: "", bootTimeNs: 0, tid: 0),
                       "0d59f60c-8e97-552c-90ed-8956777e15a9")
        XCTAssertEqual(EventIdentity(bootID: "b", nodeName: "nöde|x").eventID(probe: "p", bootTimeNs: .max, tid: .max),
                       "e73f946b-17fc-5f60-b0dd-c9ea1db68755")
    }

    func testDeterministic() {
        let a = EventIdentity(bootID: bootID, nodeName: "n1")
        let b = EventIdentity(bootID: bootID, nodeName: "n1")
        XCTAssertEqual(a.eventID(probe: "read", bootTimeNs: 42, tid: 7), a.eventID(probe: "read", bootTimeNs: 42, tid: 7))
        XCTAssertEqual(a.eventID(probe: "read", bootTimeNs: 42, tid: 7), b.eventID(probe: "read", bootTimeNs: 42, tid: 7))
    }

    func testEveryFieldChangesTheID() {
        let base = EventIdentity(bootID: bootID, nodeName: "n1").eventID(probe: "read", bootTimeNs: 42, tid: 7)
        let variants = [
            EventIdentity(bootID: "1b6a3f0e-7d0c-4a36-9f53-2f1c4b2e9d11", nodeName: "n1").eventID(probe: "read", bootTimeNs: 42, tid: 7),
            EventIdentity(bootID: bootID, nodeName: "n2").eventID(probe: "read", bootTimeNs: 42, tid: 7),
            EventIdentity(bootID: bootID, nodeName: "n1").eventID(probe: "write", bootTimeNs: 42, tid: 7),
            EventIdentity(bootID: bootID, nodeName: "n1").eventID(probe: "read", bootTimeNs: 43, tid: 7),
            EventIdentity(bootID: bootID, nodeName: "n1").eventID(probe: "read", bootTimeNs: 42, tid: 8),
        ]
        XCTAssertEqual(Set(variants + [base]).count, variants.count + 1)
    }

    func testFieldBoundariesAreUnambiguous() {
        // Moving characters between adjacent fields must change the id.
        let a = EventIdentity(bootID: "ab", nodeName: "c").eventID(probe: "p", bootTimeNs: 1, tid: 1)
        let b = EventIdentity(bootID: "a", nodeName: "bc").eventID(probe: "p", bootTimeNs: 1, tid: 1)
        XCTAssertNotEqual(a, b)
        let c = EventIdentity(bootID: "x", nodeName: "n").eventID(probe: "p1", bootTimeNs: 23, tid: 1)
        let d = EventIdentity(bootID: "x", nodeName: "n").eventID(probe: "p", bootTimeNs: 123, tid: 1)
        XCTAssertNotEqual(c, d)
        let e = EventIdentity(bootID: "x", nodeName: "n").eventID(probe: "p", bootTimeNs: 12, tid: 3)
        let f = EventIdentity(bootID: "x", nodeName: "n").eventID(probe: "p", bootTimeNs: 1, tid: 23)
        XCTAssertNotEqual(e, f)
    }

    func testFormat() {
        let identity = EventIdentity(bootID: EventIdentity.currentBootID(), nodeName: NodeName.current())
        for i in 0..<1000 {
            let id = identity.eventID(probe: "sys_enter_\(i % 5)", bootTimeNs: UInt64(i) * 977, tid: UInt32(i))
            let chars = Array(id.utf8)
            XCTAssertEqual(chars.count, 36)
            for (index, c) in chars.enumerated() {
                if [8, 13, 18, 23].contains(index) {
                    XCTAssertEqual(c, UInt8(ascii: "-"), id)
                } else {
                    XCTAssertTrue((UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
                                  || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(c), id)
                }
            }
            XCTAssertEqual(chars[14], UInt8(ascii: "5"), "version nibble: \(id)")
            XCTAssertTrue([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(chars[19]),
                          "variant: \(id)")
            XCTAssertNotNil(UUID(uuidString: id))
        }
    }

    func testCurrentBootID() throws {
        let bootID = EventIdentity.currentBootID()
        XCTAssertNotEqual(bootID, "unknown")
        XCTAssertNotNil(UUID(uuidString: bootID), bootID)
        XCTAssertEqual(bootID, EventIdentity.currentBootID())
        XCTAssertFalse(bootID.contains("\n"))
    }

    func testNoCollisionsAcrossOneMillionIDs() {
        let identity = EventIdentity(bootID: bootID, nodeName: "node-collide")
        let probes = ["sys_enter_read", "sys_enter_write", "sys_enter_openat", "sys_enter_connect"]
        var seen = Set<String>()
        seen.reserveCapacity(1_000_000)
        var timestamp: UInt64 = 5_000_000_000
        for i in 0..<1_000_000 {
            // Distinct (probe, time, tid) tuples, with near-identical inputs: adjacent times and tids.
            if i % 4 == 0 { timestamp += 1 }
            let id = identity.eventID(probe: probes[i % 4], bootTimeNs: timestamp, tid: UInt32(1000 + i % 3))
            seen.insert(id)
        }
        XCTAssertEqual(seen.count, 1_000_000)
    }
}
