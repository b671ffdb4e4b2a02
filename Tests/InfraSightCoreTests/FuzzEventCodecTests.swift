import Foundation
@testable import InfraSightCore
import InfraSightTestSupport
import XCTest

/// Fuzzes the wire decoders every stage runs on untrusted Kafka payloads: EventCodec.decode (protobuf
/// plus validation), DeadLetter.decode and StatsRecord (JSON). Random bytes and mutations of valid
/// encodings must either decode into something that validates and round-trips, or throw; never crash.
final class FuzzEventCodecTests: XCTestCase {
    static func sampleEvents() -> [Event] {
        var out: [Event] = []
        var e = Event()
        e.eventID = "0123456789abcdef"
        e.schemaVersion = 1
        e.probe = "execve"
        e.pid = 4242
        var d = ExecDetail()
        d.filename = "/usr/bin/env"
        d.argv = ["env", "ü", "", String(repeating: "x", count: 300)]
        e.exec = d
        out.append(e)
        var o = Event()
        o.eventID = "open-1"; o.schemaVersion = 1; o.probe = "open"
        var od = OpenDetail(); od.path = "/etc/shadow"
        o.open = od
        out.append(o)
        var s = Event()
        s.eventID = "sock-1"; s.schemaVersion = 1; s.probe = "connect"
        var sd = SocketDetail(); sd.family = 10; sd.remoteAddr = Data([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 12))
        sd.remotePort = 443
        s.socket = sd
        out.append(s)
        var x = Event()
        x.eventID = "exit-1"; x.schemaVersion = 1; x.probe = "exit"
        x.exit = ExitDetail()
        out.append(x)
        var m = Event()
        m.eventID = "mount-1"; m.schemaVersion = 1; m.probe = "mount"
        var md = MountDetail(); md.source = "/dev/sda1"; md.target = "/mnt"; md.fsType = "ext4"
        m.mount = md
        out.append(m)
        return out
    }

    func testFuzzEventCodecDecode() throws {
        let events = Self.sampleEvents()
        let seeds = try events.map { try EventCodec.encode($0) }
        // Valid inputs round-trip exactly.
        for e in events { XCTAssertEqual(try EventCodec.decode(try EventCodec.encode(e)), e) }
        FuzzKit.run("event-codec", seeds: seeds, maxLength: 2048) { input in
            let event: Event
            do { event = try EventCodec.decode(input) } catch is EventCodec.DecodeError { return nil } catch {
                return "threw something other than EventCodec.DecodeError: \(error)"
            }
            // What decodes must satisfy the invariants and survive a re-encode.
            do { try EventCodec.validate(event) } catch { return "decoded event does not validate: \(error)" }
            guard Probe(rawValue: event.probe) != nil, !event.eventID.isEmpty else { return "invalid probe or empty id accepted" }
            do {
                let again = try EventCodec.decode(try EventCodec.encode(event))
                if again != event { return "re-encoded event differs" }
            } catch { return "re-encode of a decoded event failed: \(error)" }
            return nil
        }
    }

    func testFuzzDeadLetterAndStatsJSON() throws {
        let letter = DeadLetter(stage: "enrich", reason: "not a protobuf", sourceTopic: "infrasight.raw.execve",
                                sourcePartition: 3, sourceOffset: 99, payload: [0xde, 0xad, 0xbe, 0xef], timeNs: 1)
        let stats = StatsRecord(stage: "sink", instance: "i-1", host: "node-1", timeNs: 2,
                                counters: ["received": 10, "inserted": 9, "dlq": 1])
        XCTAssertEqual(try DeadLetter.decode(letter.encoded()), letter)
        XCTAssertEqual(try JSONDecoder().decode(StatsRecord.self, from: Data(stats.encoded())), stats)
        FuzzKit.run("dead-letter-json", seeds: [letter.encoded(), stats.encoded()], maxLength: 1024) { input in
            if let l = try? DeadLetter.decode(input) {
                // Whatever decodes re-encodes to an equal letter; a bad base64 payload reads as empty, never crashes.
                _ = l.payload
                guard let again = try? DeadLetter.decode(l.encoded()), again == l else { return "dead letter does not round-trip" }
            }
            if let s = try? JSONDecoder().decode(StatsRecord.self, from: Data(input)) {
                _ = s.summary
                guard let again = try? JSONDecoder().decode(StatsRecord.self, from: Data(s.encoded())), again == s else {
                    return "stats record does not round-trip"
                }
            }
            return nil
        }
    }
}
