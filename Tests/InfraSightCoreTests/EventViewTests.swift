import Foundation
@testable import InfraSightCore
import InfraSightTestSupport
import SwiftProtobuf
import XCTest

/// `EventView` against SwiftProtobuf: on valid, merged, malformed and fuzzed inputs the view must
/// accept and reject exactly what `EventCodec.decode` does, and read every field the generated code reads.
final class EventViewTests: XCTestCase {
    /// Parses with the view and with SwiftProtobuf; nil when both agree (including on rejection).
    static func disagreement(_ bytes: [UInt8]) -> String? {
        let decoded = try? Event(serializedBytes: bytes)
        let parsed = bytes.withUnsafeBytes { raw in Result { try EventView(parsing: raw) } }
        switch (decoded, parsed) {
        case (nil, .failure): break
        case (let e?, .success):
            let diffs = bytes.withUnsafeBytes { raw in EventViewCheck.differences(try! EventView(parsing: raw), e) }
            if !diffs.isEmpty { return "view reads differently: \(diffs.prefix(5).joined(separator: "; "))" }
        case (nil, .success): return "view accepts what SwiftProtobuf rejects"
        case (_?, .failure(let error)): return "view rejects what SwiftProtobuf accepts: \(error)"
        }
        let codec = Result { try EventCodec.decode(bytes) }
        let view = bytes.withUnsafeBytes { raw in Result { () throws(EventCodec.DecodeError) in _ = try EventView(validating: raw) } }
        switch (codec, view) {
        case (.success, .success): return nil
        case (.failure(let a), .failure(let b)):
            // Wire errors are worded differently (both say "not a protobuf"); contract errors identically.
            let sa = "\(a)", sb = "\(b)"
            if sa.hasPrefix("not a protobuf") && sb.hasPrefix("not a protobuf") { return nil }
            return sa == sb ? nil : "different reasons: codec \"\(sa)\", view \"\(sb)\""
        case (.success, .failure(let b)): return "view rejects a valid event: \(b)"
        case (.failure(let a), .success): return "view accepts an invalid event (\(a))"
        }
    }

    func testRandomEventsReadExactlyAsDecoded() throws {
        var gen = RandomEvents(seed: 11)
        for i in 0..<3000 {
            let e = gen.event()
            let bytes = try EventCodec.encode(e)
            try bytes.withUnsafeBytes { raw in
                let view = try EventView(validating: raw)
                XCTAssertEqual(EventViewCheck.differences(view, e), [], "event \(i)")
                XCTAssertEqual(view.probeKind?.rawValue, e.probe)
            }
        }
    }

    /// Concatenated messages merge: scalars and strings of the later one win, nested messages merge,
    /// repeated fields and map entries accumulate, and the `detail` oneof takes the last member.
    func testConcatenatedEventsMergeAsProtobufSays() throws {
        var gen = RandomEvents(seed: 12)
        for i in 0..<2000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 2...3, using: &gen.rng) {
                var e = gen.event()
                // Sometimes only a fragment: one nested message, to merge into what came before.
                switch Int.random(in: 0..<5, using: &gen.rng) {
                case 0: var f = Event(); f.process = e.process; e = f
                case 1: var f = Event(); f.container = e.container; e = f
                case 2: var f = Event(); f.enriched = e.enriched; e = f
                default: break
                }
                bytes += try EventCodec.encode(e)
            }
            XCTAssertNil(Self.disagreement(bytes), "merged input \(i): \(bytes.count) bytes")
        }
    }

    func testAppendedEnrichmentOverridesTheEarlierOne() throws {
        var e = SampleEventsForView.open()
        e.enriched.errnoName = "EPERM"
        e.enriched.flagsText = "O_RDONLY"
        var extra = Event()
        extra.enriched.errnoName = "ENOENT"
        extra.enriched.sensitive = true
        let bytes = try EventCodec.encode(e) + EventCodec.encode(extra)
        try bytes.withUnsafeBytes { raw in
            let view = try EventView(validating: raw)
            XCTAssertEqual(Array(view.enriched.errnoName), Array("ENOENT".utf8))
            XCTAssertEqual(Array(view.enriched.flagsText), Array("O_RDONLY".utf8))
            XCTAssertTrue(view.enriched.sensitive)
        }
        XCTAssertNil(Self.disagreement(bytes))
    }

    func testContractViolationsGiveTheCodecsReasons() throws {
        var base = SampleEventsForView.open()
        var cases: [Event] = []
        var e = base; e.eventID = ""; cases.append(e)
        e = base; e.schemaVersion = 0; cases.append(e)
        e = base; e.schemaVersion = 2; cases.append(e)
        e = base; e.probe = "openat"; cases.append(e)
        e = base; e.probe = String(repeating: "p", count: 100); cases.append(e)
        e = base; e.exec = ExecDetail(); cases.append(e)
        e = base; e.detail = nil; cases.append(e)
        base.probe = "connect"; cases.append(base)
        for c in cases {
            let bytes = try EventCodec.encode(c)
            XCTAssertThrowsError(try EventCodec.decode(bytes))
            XCTAssertNil(Self.disagreement(bytes))
            let rejected = bytes.withUnsafeBytes { raw in (try? EventView(validating: raw)) == nil }
            XCTAssertTrue(rejected)
        }
    }

    func testMalformedInputIsRejectedWithAClearReason() throws {
        let valid = try EventCodec.encode(SampleEventsForView.open())
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("truncated", Array(valid.dropLast(3))),
            ("field number 0", [0x02, 0x00] + valid),
            ("wire type 6", valid + [0x0e]),
            ("wire type 7", valid + [0x0f]),
            ("end group at top level", valid + [0x0c]),
            ("varint of 11 bytes", valid + [0x28] + [UInt8](repeating: 0xff, count: 10) + [0x01]),
            ("length past the end", valid + [0x0a, 0x7f, 0x61]),
            ("length of 2 GiB", valid + [0x0a, 0xff, 0xff, 0xff, 0xff, 0x07]),
            ("tag of 6 bytes", valid + [0xf8, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]),
            ("unclosed group", valid + [0xfb, 0x01, 0x08, 0x01]),
            ("mismatched group end", valid + [0xfb, 0x01, 0x08, 0x01, 0x84, 0x02]),
            ("invalid UTF-8 in host", valid + [0x22, 0x02, 0xc3, 0x28]),
            ("overlong UTF-8 in comm", valid + [0x6a, 0x02, 0xc0, 0xaf]),
            ("surrogate in user", valid + [0x62, 0x03, 0xed, 0xa0, 0x80]),
            ("invalid UTF-8 in a nested path", valid + [0xaa, 0x01, 0x04, 0x12, 0x02, 0xff, 0xfe]),
            ("invalid UTF-8 in a label key", valid + [0xfa, 0x01, 0x06, 0x1a, 0x04, 0x0a, 0x02, 0xe2, 0x82]),
            ("nested message cut short", valid + [0xaa, 0x01, 0x04, 0x12, 0x05, 0x61, 0x62]),
        ]
        for (name, bytes) in cases {
            XCTAssertThrowsError(try EventCodec.decode(bytes), name)
            let reason = bytes.withUnsafeBytes { raw -> String in
                do { _ = try EventView(validating: raw); return "" } catch { return "\(error)" }
            }
            let expected = name == "empty" ? "event_id is empty" : "not a protobuf infrasight.v1.Event"
            XCTAssertTrue(reason.hasPrefix(expected), "\(name): \(reason)")
            XCTAssertNil(Self.disagreement(bytes), name)
        }
    }

    /// Unknown fields of every wire type, known fields with an unexpected wire type, and groups nested
    /// up to SwiftProtobuf's depth limit are skipped exactly as the generated code skips them.
    func testUnknownFieldsAndGroupsAreSkippedLikeSwiftProtobuf() throws {
        let valid = try EventCodec.encode(SampleEventsForView.open())
        func group(_ field: UInt8, depth: Int) -> [UInt8] {
            // field < 16: one-byte tags.
            Array(repeating: field << 3 | 3, count: depth) + Array(repeating: field << 3 | 4, count: depth)
        }
        var inputs: [[UInt8]] = [
            valid + [0x98, 0x06, 0x05],                       // unknown varint field 99
            valid + [0x99, 0x06] + [UInt8](repeating: 1, count: 8),   // unknown fixed64
            valid + [0x9d, 0x06, 1, 2, 3, 4],                 // unknown fixed32
            valid + [0x9a, 0x06, 0x02, 0xff, 0xfe],           // unknown bytes (not UTF-8: fine)
            valid + [0x0d, 1, 2, 3, 4],                       // event_id as fixed32: ignored
            valid + [0x10, 0x02, 0x12, 0x01, 0x61],           // schema_version 2, then as bytes (ignored)
            valid + [0xaa, 0x01, 0x03, 0x10, 0x01, 0x0c],     // open.path as varint, then a stray end group
            valid + [0xaa, 0x01, 0x02, 0x28, 0x05],           // open.flags = 5 merged in
            valid + [0xa8, 0x01, 0x07],                       // detail open as a varint: ignored
        ]
        func varint(_ n: Int) -> [UInt8] {
            var out: [UInt8] = [], v = n
            while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
            return out + [UInt8(v)]
        }
        func delimited(_ tag: [UInt8], _ body: [UInt8]) -> [UInt8] { tag + varint(body.count) + body }
        for depth in [1, 2, 97, 98, 99, 100, 101] {
            let g = group(15, depth: depth)
            inputs.append(valid + g)
            inputs.append(valid + delimited([0xf2, 0x01], g))                          // inside process
            inputs.append(valid + delimited([0xf2, 0x01], delimited([0x2a], g)))       // inside an ancestor
            inputs.append(valid + delimited([0xfa, 0x01], delimited([0x1a], g)))       // inside a label entry
            inputs.append(valid + delimited([0xaa, 0x01], g))                          // inside the detail
        }
        for (i, bytes) in inputs.enumerated() {
            XCTAssertNil(Self.disagreement(bytes), "input \(i)")
        }
    }

    /// A map entry whose key or value has another wire type: SwiftProtobuf reads on right after its tag.
    func testOddMapEntriesReadLikeSwiftProtobuf() throws {
        let valid = try EventCodec.encode(SampleEventsForView.open())
        let entries: [[UInt8]] = [
            [0x0a, 0x01, 0x6b, 0x12, 0x01, 0x76],          // k=v
            [0x12, 0x01, 0x76],                            // value only
            [0x0a, 0x01, 0x6b],                            // key only
            [],                                            // empty entry
            [0x08, 0x0a, 0x01, 0x6b],                      // key as varint: "0a 01 6b" read as the next field
            [0x0a, 0x01, 0x6b, 0x18, 0x05, 0x12, 0x01, 0x76],   // unknown field in between
            [0x0a, 0x01, 0x6b, 0x0a, 0x01, 0x6a],          // key twice: last wins
            [0x0c],                                        // end group
        ]
        for (i, entry) in entries.enumerated() {
            let container: [UInt8] = [0x1a, UInt8(entry.count)] + entry
            let bytes = valid + [0xfa, 0x01, UInt8(container.count)] + container
            XCTAssertNil(Self.disagreement(bytes), "entry \(i)")
            // The same key twice in two entries: the later value wins.
            XCTAssertNil(Self.disagreement(bytes + [0xfa, 0x01, UInt8(container.count)] + container), "entry \(i) twice")
        }
    }

    /// Random bytes and mutations of valid events: the view never traps, and accepts, rejects and reads
    /// exactly as SwiftProtobuf plus `EventCodec.validate` do.
    func testFuzzViewAgainstSwiftProtobuf() throws {
        var seeds = try FuzzEventCodecTests.sampleEvents().map { try EventCodec.encode($0) }
        var gen = RandomEvents(seed: 13)
        for _ in 0..<16 { seeds.append(try EventCodec.encode(gen.event())) }
        seeds.append(seeds[0] + seeds[1] + seeds[2])
        FuzzKit.run("event-codec", seeds: seeds, maxLength: 2048) { input in Self.disagreement(input) }
    }
}

/// A small valid open event for the view tests.
enum SampleEventsForView {
    static func open() -> Event {
        var e = Event()
        e.eventID = "open-1"
        e.schemaVersion = 1
        e.probe = "open"
        e.host = "node-a"
        e.pid = 7
        var d = OpenDetail()
        d.syscall = "openat"
        d.path = "/etc/hosts"
        d.flags = 0o2000000
        e.open = d
        var p = ProcessContext()
        p.exe = "/usr/bin/cat"
        var a = Ancestor()
        a.pid = 1
        a.comm = "init"
        p.ancestors = [a]
        e.process = p
        return e
    }
}
