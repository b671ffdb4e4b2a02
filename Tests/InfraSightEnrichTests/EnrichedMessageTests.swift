import Foundation
import InfraSightCore
@testable import InfraSightEnrich
import InfraSightTestSupport
import XCTest

/// The worker's output (input bytes + one appended `enriched`) against what decode, the Event-based
/// steps it replaced, and encode gave: the old steps live on here only, as the reference.
final class EnrichedMessageTests: XCTestCase {
    /// The previous Event-based default steps, in default order.
    static func referenceEnrich(_ event: inout Event, instance: String) {
        event.enriched.timeIso8601 = ISO8601Nanos.format(epochNanos: event.timeNs)
        event.enriched.latencyMs = LatencyUnits.milliseconds(fromNanos: event.latencyNs)
        event.enriched.errnoName = ErrnoName.name(forReturnCode: event.ret) ?? (event.ret < 0 ? "E\(event.ret.magnitude)" : "")   // -Int64.min trapped
        switch event.detail {
        case .open(let d)?: event.enriched.flagsText = OpenFlags.openText(flags: d.flags, resolve: d.resolve)
        case .chmod(let d)?: if d.flags != 0 { event.enriched.flagsText = OpenFlags.atText(d.flags) }
        case .exec(let d)?: if d.flags != 0 { event.enriched.flagsText = OpenFlags.atText(d.flags) }
        default: break
        }
        switch event.detail {
        case .open(let d)?: if OpenFlags.createsFile(d.flags) { event.enriched.modeText = ModeText.text(d.mode) }
        case .chmod(let d)?: event.enriched.modeText = ModeText.text(d.mode)
        default: break
        }
        // A socket's names (connect, accept, and dup: the socket put on fd 0-2) and its port's service.
        func name(family: UInt32, sockType: UInt32, protocol proto: UInt32, local: Data?, remote: Data?) {
            event.enriched.familyName = SocketNames.family(family)
            event.enriched.protocolName = SocketNames.protocolName(family: family, sockType: sockType, protocol: proto)
            if let local, let remote {
                event.enriched.localIp = IPText.text(local)
                event.enriched.remoteIp = IPText.text(remote)
            }
        }
        func service(port: UInt32, family: UInt32, sockType: UInt32, protocol proto: UInt32) {
            guard SocketNames.isInet(family) else { return }
            let udp = proto == SocketNames.IPPROTO_UDP || proto == 136
                || (proto == 0 && sockType & SocketNames.SOCK_TYPE_MASK == SocketNames.SOCK_DGRAM)
            let service = ServiceNames().name(port: port, transport: udp ? .udp : .tcp)
            if !service.isEmpty { event.enriched.service = service }
        }
        switch event.detail {
        case .socket(let d)?:
            name(family: d.family, sockType: d.sockType, protocol: d.protocol, local: d.localAddr, remote: d.remoteAddr)
            let isAccept = event.probe == "accept" || (event.probe != "connect" && d.syscall.hasPrefix("accept"))
            service(port: isAccept ? d.localPort : d.remotePort, family: d.family, sockType: d.sockType, protocol: d.protocol)
        case .dup(let d)?:
            name(family: d.family, sockType: d.sockType, protocol: d.protocol, local: d.localAddr, remote: d.remoteAddr)
            service(port: d.remotePort, family: d.family, sockType: d.sockType, protocol: d.protocol)
        case .socketCreate(let d)?:   // no address yet: family and protocol names only
            name(family: d.family, sockType: d.sockType, protocol: d.protocol, local: nil, remote: nil)
        case .bind(let d)?:   // the address bound or listened on is the local one; its port's service
            name(family: d.family, sockType: d.sockType, protocol: d.protocol, local: nil, remote: nil)
            event.enriched.localIp = IPText.text(d.addr)
            service(port: d.port, family: d.family, sockType: d.sockType, protocol: d.protocol)
        case .sendto(let d)?:   // the destination is the remote end
            name(family: d.family, sockType: d.sockType, protocol: d.protocol, local: d.localAddr, remote: d.remoteAddr)
            service(port: d.remotePort, family: d.family, sockType: d.sockType, protocol: d.protocol)
        default: break
        }
        let matcher = SensitivePathMatcher.defaults
        // the resolved path when the event has one (and the passed path too when it was cut), else the passed path
        func judged(_ resolved: String, _ truncated: Bool, _ passed: String, write: Bool) -> Bool {
            if resolved.isEmpty { return matcher.matches(passed, write: write) }
            return matcher.matches(resolved, write: write) || (truncated && matcher.matches(passed, write: write))
        }
        let hit: Bool?
        switch event.detail {
        case .open(let d)?: hit = judged(d.resolvedPath, d.resolvedTruncated, d.path, write: OpenFlags.isWriteish(d.flags))
        case .chmod(let d)?: hit = judged(d.resolvedPath, d.resolvedTruncated, d.path, write: true)
        case .exec(let d)?: hit = judged(d.resolvedPath, d.resolvedTruncated, d.filename, write: false)
        case .link(let d)?:   // either path: the one created or removed, or the old one (a symlink's target is read)
            hit = judged(d.resolvedPath, d.resolvedTruncated, d.path, write: true)
                || (!d.oldPath.isEmpty && judged(d.oldResolvedPath, d.oldResolvedTruncated, d.oldPath,
                                                 write: !d.syscall.hasPrefix("symlink")))
        default: hit = nil
        }
        if hit == true { event.enriched.sensitive = true }
        event.enriched.enrichedBy = instance
    }

    static func pipeline() throws -> EnrichmentPipeline {
        var options = EnrichmentOptions()
        options.servicesFile = nil   // the built-in table, as the reference uses
        return EnrichmentPipeline(steps: try EnrichmentPipeline(names: EnrichmentPipeline.defaultNames, options: options)
            .steps.map { $0.name == "enriched-by" ? EnrichedByStep(instance: "test:1") : $0 })
    }

    /// The worker's output for `input`, as bytes.
    static func workerOutput(_ input: [UInt8], pipeline: EnrichmentPipeline) throws -> [UInt8] {
        var fields = EnrichmentFields()
        var writer = EnrichedMessageWriter()
        return try input.withUnsafeBytes { raw in
            let view = try EventView(validating: raw)
            pipeline.apply(view, to: &fields)
            return writer.withMessage(for: view, enrichment: fields) { Array($0) }
        }
    }

    func testAppendedOutputDecodesToDecodeApplyEncode() throws {
        let pipeline = try Self.pipeline()
        var gen = RandomEvents(seed: 31)
        for i in 0..<3000 {
            // Raw events mostly; a third carry an `enriched` already (the exact-merge path).
            let e = gen.event()
            let input = try EventCodec.encode(e)
            var expected = try EventCodec.decode(input)
            Self.referenceEnrich(&expected, instance: "test:1")
            let output = try Self.workerOutput(input, pipeline: pipeline)
            XCTAssertEqual(try Event(serializedBytes: output), expected, "event \(i)")
            XCTAssertEqual(try EventCodec.decode(EventCodec.encode(expected)), try EventCodec.decode(output), "event \(i)")
            if !e.hasEnriched {
                XCTAssertEqual(Array(output.prefix(input.count)), input, "the input bytes come first, unchanged")
            }
        }
    }

    /// Inputs whose `enriched` occurs more than once, or carries values the steps set to empty.
    func testExistingEnrichmentIsOverriddenExactly() throws {
        let pipeline = try Self.pipeline()
        var e = Event()
        e.eventID = "x"; e.schemaVersion = 1; e.probe = "open"; e.ret = 3
        var d = OpenDetail(); d.path = "/tmp/a"; d.flags = 0
        e.open = d
        e.enriched.errnoName = "EPERM"          // success now: the step sets "" and must clear it
        e.enriched.remoteHostname = "kept"      // no default step sets it
        e.enriched.sensitive = true             // the sensitive step does not assign false: kept
        var extra = Event()
        extra.enriched.modeText = "0644 rw-r--r--"   // mode-text does not run for this open: kept
        let input = try EventCodec.encode(e) + EventCodec.encode(extra)
        var expected = try EventCodec.decode(input)
        Self.referenceEnrich(&expected, instance: "test:1")
        let output = try Self.workerOutput(input, pipeline: pipeline)
        let got = try Event(serializedBytes: output)
        XCTAssertEqual(got, expected)
        XCTAssertEqual(got.enriched.errnoName, "")
        XCTAssertEqual(got.enriched.remoteHostname, "kept")
        XCTAssertEqual(got.enriched.modeText, "0644 rw-r--r--")
        XCTAssertTrue(got.enriched.sensitive)
    }

    /// A pipeline that sets nothing for an event leaves its bytes as they are (no copy, no field 40).
    func testUntouchedEventIsProducedAsIs() throws {
        let pipeline = EnrichmentPipeline(steps: [SensitivePathStep()])
        var e = Event()
        e.eventID = "x"; e.schemaVersion = 1; e.probe = "open"
        var d = OpenDetail(); d.path = "/usr/lib/libc.so.6"
        e.open = d
        let input = try EventCodec.encode(e)
        var fields = EnrichmentFields()
        var writer = EnrichedMessageWriter()
        let same = try input.withUnsafeBytes { raw in
            let view = try EventView(validating: raw)
            pipeline.apply(view, to: &fields)
            return writer.withMessage(for: view, enrichment: fields) { $0.baseAddress == raw.baseAddress && $0.count == raw.count }
        }
        XCTAssertTrue(same)
    }

    /// Mutated inputs: what the worker accepts enriches exactly as decode + steps + encode; what it
    /// rejects, EventCodec.decode rejects too (those go to the dead-letter queue).
    func testFuzzedInputsEnrichOrReject() throws {
        let pipeline = try Self.pipeline()
        var gen = RandomEvents(seed: 32)
        var rng = FuzzRNG(state: 33)
        for _ in 0..<min(FuzzKit.iterations, 10_000) {
            var bytes = try EventCodec.encode(gen.rawEvent())
            bytes = FuzzKit.mutate(bytes, other: [], rng: &rng, maxLength: bytes.count + 64)
            let decoded = try? EventCodec.decode(bytes)
            let output = try? Self.workerOutput(bytes, pipeline: pipeline)
            XCTAssertEqual(output == nil, decoded == nil)
            if var expected = decoded, let output {
                Self.referenceEnrich(&expected, instance: "test:1")
                XCTAssertEqual(try Event(serializedBytes: output), expected)
            }
        }
    }

    /// ret = Int64.min has no negation: the errno text uses the magnitude (this used to trap the worker).
    func testSmallestReturnValueDoesNotTrap() throws {
        var e = Event()
        e.ret = Int64.min
        ErrnoNameStep().apply(to: &e)
        XCTAssertEqual(e.enriched.errnoName, "E9223372036854775808")
    }
}
