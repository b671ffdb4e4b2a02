import XCTest
@testable import InfraSightAgent
import InfraSightCore

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

    func testMatchesThePythonRecipeOfLayoutV2() {
        // Vectors from the Python recipe in the EventIdentity doc comment (hashlib + uuid, run separately).
        XCTAssertEqual(EventIdentity(bootID: bootID, nodeName: "node-a").eventID(code: 2, bootTimeNs: 123_456_789_012_345, tid: 4242),
                       "00007048-860d-8df7-a401-0922eda52223")
        XCTAssertEqual(EventIdentity(bootID: "", nodeName: "").eventID(code: 0, bootTimeNs: 0, tid: 0),
                       "00000000-0000-8000-8000-0000a8a74335")
        XCTAssertEqual(EventIdentity(bootID: "b", nodeName: "nöde|x").eventID(code: 8, bootTimeNs: .max, tid: .max),
                       "ffffffff-ffff-8fff-bfff-fff89aad744f")
        XCTAssertEqual(EventIdentity(bootID: bootID, nodeName: "node-a").eventID(probe: .open, bootTimeNs: 123_456_789_012_345, tid: 4242),
                       "00007048-860d-8df7-a401-0922eda52223")
    }

    func testProbeCodesAreDistinctAndNotTheExecutionCode() {
        let codes = Probe.allCases.map { EventIdentity.code(for: $0) }
        XCTAssertEqual(Set(codes).count, Probe.allCases.count)
        XCTAssertFalse(codes.contains(EventIdentity.executionCode))
        XCTAssertTrue(codes.allSatisfy { $0 < 16 }, "4 bits in the layout")
    }

    func testWithinOneNodeTheLayoutIsInjective() {
        // Adjacent times, tids and probes never collide (no hash: an exact packing).
        let identity = EventIdentity(bootID: bootID, nodeName: "n1")
        var seen = Set<String>()
        for t in UInt64(0)..<40 { for tid in UInt32(0)..<40 { for code in UInt8(0)..<9 {
            seen.insert(identity.eventID(code: code, bootTimeNs: 1_000_000_000 + t, tid: 4_000_000 + tid))
        } } }
        XCTAssertEqual(seen.count, 40 * 40 * 9)
    }

    func testDeterministic() {
        let a = EventIdentity(bootID: bootID, nodeName: "n1")
        let b = EventIdentity(bootID: bootID, nodeName: "n1")
        XCTAssertEqual(a.eventID(probe: .open, bootTimeNs: 42, tid: 7), a.eventID(probe: .open, bootTimeNs: 42, tid: 7))
        XCTAssertEqual(a.eventID(probe: .open, bootTimeNs: 42, tid: 7), b.eventID(probe: .open, bootTimeNs: 42, tid: 7))
    }

    func testEveryFieldChangesTheID() {
        let base = EventIdentity(bootID: bootID, nodeName: "n1").eventID(probe: .open, bootTimeNs: 42, tid: 7)
        let variants = [
            EventIdentity(bootID: "1b6a3f0e-7d0c-4a36-9f53-2f1c4b2e9d11", nodeName: "n1").eventID(probe: .open, bootTimeNs: 42, tid: 7),
            EventIdentity(bootID: bootID, nodeName: "n2").eventID(probe: .open, bootTimeNs: 42, tid: 7),
            EventIdentity(bootID: bootID, nodeName: "n1").eventID(probe: .chmod, bootTimeNs: 42, tid: 7),
            EventIdentity(bootID: bootID, nodeName: "n1").eventID(probe: .open, bootTimeNs: 43, tid: 7),
            EventIdentity(bootID: bootID, nodeName: "n1").eventID(probe: .open, bootTimeNs: 42, tid: 8),
        ]
        XCTAssertEqual(Set(variants + [base]).count, variants.count + 1)
    }

    func testNodeAndBootBoundariesAreUnambiguous() {
        // Moving characters between boot id and node name must change the tag.
        let a = EventIdentity(bootID: "ab", nodeName: "c").eventID(probe: .open, bootTimeNs: 1, tid: 1)
        let b = EventIdentity(bootID: "a", nodeName: "bc").eventID(probe: .open, bootTimeNs: 1, tid: 1)
        XCTAssertNotEqual(a, b)
    }

    func testFormat() {
        let identity = EventIdentity(bootID: EventIdentity.currentBootID(), nodeName: NodeName.current())
        for i in 0..<1000 {
            let id = identity.eventID(probe: Probe.allCases[i % 8], bootTimeNs: UInt64(i) * 977, tid: UInt32(i))
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
            XCTAssertEqual(chars[14], UInt8(ascii: "8"), "version nibble: \(id)")
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
        let probes: [Probe] = [.open, .chmod, .connect, .accept]
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
