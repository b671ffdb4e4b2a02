import Foundation
@testable import InfraSightCore
import XCTest

/// Encoding, decoding and validation of the wire contract.
final class EventCodecTests: XCTestCase {
    func sample() -> Event {
        var e = Event()
        e.eventID = "id-1"
        e.schemaVersion = 1
        e.probe = "execve"
        e.pid = 7
        var d = ExecDetail()
        d.filename = "/bin/true"
        d.argv = ["true", "ü", ""]
        e.exec = d
        return e
    }

    func testRoundTrip() throws {
        let e = sample()
        XCTAssertEqual(try EventCodec.decode(try EventCodec.encode(e)), e)
    }

    func testRejectsGarbageWithAReason() {
        for bytes: [UInt8] in [[0xde, 0xad, 0xbe, 0xef], Array("hello".utf8), [0xff, 0xff, 0xff]] {
            XCTAssertThrowsError(try EventCodec.decode(bytes)) { error in
                XCTAssertFalse("\(error)".isEmpty)
            }
        }
    }

    func testRejectsEventsMissingWhatStagesRelyOn() throws {
        var noID = sample(); noID.eventID = ""
        var future = sample(); future.schemaVersion = 99
        var unknownProbe = sample(); unknownProbe.probe = "teleport"
        var noDetail = sample(); noDetail.detail = nil
        for (e, text) in [(noID, "event_id"), (future, "schema_version"), (unknownProbe, "unknown probe"), (noDetail, "detail")] {
            XCTAssertThrowsError(try EventCodec.decode(try EventCodec.encode(e))) { error in
                XCTAssertTrue("\(error)".contains(text), "\(error)")
            }
        }
        // An empty message decodes as an all-default Event and must be rejected too.
        XCTAssertThrowsError(try EventCodec.decode([]))
    }

    func testUnknownFieldsFromNewerProducersAreTolerated() throws {
        var bytes = try EventCodec.encode(sample())
        bytes += [0xF8, 0x06, 0x2A]   // field 111, varint 42: not in v1
        XCTAssertEqual(try EventCodec.decode(bytes).eventID, "id-1")
    }

    func testKeyKeepsAProcessTogether() {
        XCTAssertEqual(EventCodec.key(host: "n1", pid: 42), Array("n1/42".utf8))
    }

    func testDeadLetterRoundTrip() throws {
        let d = DeadLetter(stage: "enrich", reason: "bad", sourceTopic: "t", sourcePartition: 3, sourceOffset: 99,
                           payload: [0, 1, 255], timeNs: 5)
        let back = try DeadLetter.decode(d.encoded())
        XCTAssertEqual(back, d)
        XCTAssertEqual(back.payload, [0, 1, 255])
    }

    func testCountersAccumulateWithReasons() {
        let c = StageCounters(stage: "unit")
        c.add(.received, 3)
        c.add(.dropped, reason: "delivery")
        c.add(.dropped, 2, reason: "shutdown")
        let s = c.snapshot()
        XCTAssertEqual(s["received"], 3)
        XCTAssertEqual(s["dropped"], 3)
        XCTAssertEqual(s["dropped{delivery}"], 1)
        XCTAssertEqual(s["dropped{shutdown}"], 2)
    }

    func testBackoffGrowsAndIsCapped() {
        var b = Backoff(initialMs: 100, maxMs: 1000)
        let delays = (0..<10).map { _ in b.nextDelayMs() }
        XCTAssertTrue((50...100).contains(delays[0]))
        XCTAssertTrue(delays.allSatisfy { $0 <= 1000 })
        XCTAssertTrue((500...1000).contains(delays[9]))
    }
}
