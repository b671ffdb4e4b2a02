import Foundation
import InfraSightCore
@testable import InfraSightEnrich
import XCTest

/// The default enrichment steps applied to a real-shaped event.
final class EnrichmentStepsTests: XCTestCase {
    func testDefaultPipelineFillsEveryPromisedField() throws {
        var e = Event()
        e.timeNs = 1_795_000_000_123_456_789
        e.latencyNs = 2_500_000
        e.ret = -13
        try EnrichmentPipeline(names: EnrichmentPipeline.defaultNames).apply(to: &e)
        XCTAssertEqual(e.enriched.timeIso8601, ISO8601Nanos.format(epochNanos: e.timeNs))
        XCTAssertTrue(e.enriched.timeIso8601.hasSuffix(".123456789Z"))
        XCTAssertEqual(e.enriched.latencyMs, 2.5, accuracy: 1e-12)
        XCTAssertEqual(e.enriched.errnoName, "EACCES")
        XCTAssertFalse(e.enriched.enrichedBy.isEmpty)

        var open = Event()
        var od = OpenDetail()
        od.path = "/etc/shadow"
        od.flags = 0o1 | 0o100 | 0o1000
        od.mode = 0o640
        open.open = od
        try EnrichmentPipeline(names: EnrichmentPipeline.defaultNames).apply(to: &open)
        XCTAssertEqual(open.enriched.flagsText, "O_WRONLY|O_CREAT|O_TRUNC")
        XCTAssertEqual(open.enriched.modeText, "0640 rw-r-----")
        XCTAssertTrue(open.enriched.sensitive)

        var connect = Event()
        connect.probe = "connect"
        var sd = SocketDetail()
        sd.family = 2
        sd.sockType = 1
        sd.localAddr = Data([10, 0, 0, 5])
        sd.localPort = 51_000
        sd.remoteAddr = Data([93, 184, 216, 34])
        sd.remotePort = 443
        connect.socket = sd
        try EnrichmentPipeline(names: EnrichmentPipeline.defaultNames).apply(to: &connect)
        XCTAssertEqual(connect.enriched.familyName, "AF_INET")
        XCTAssertEqual(connect.enriched.protocolName, "TCP")
        XCTAssertEqual(connect.enriched.localIp, "10.0.0.5")
        XCTAssertEqual(connect.enriched.remoteIp, "93.184.216.34")
        XCTAssertEqual(connect.enriched.service, "https")
        XCTAssertEqual(connect.enriched.remoteHostname, "", "reverse-dns is off by default")
    }

    /// The sensitive step judges the path the kernel resolved: a relative or symlinked path that
    /// reached /etc/shadow is sensitive, a passed "/etc/shadow" that resolved elsewhere is not; the
    /// passed path still counts when the event has no resolved path or the kernel's walk was cut.
    func testSensitiveStepJudgesTheResolvedPath() throws {
        let pipeline = try EnrichmentPipeline(names: ["sensitive"])
        func sensitive(_ detail: (inout Event) -> Void) throws -> Bool {
            var e = Event()
            detail(&e)
            try pipeline.apply(to: &e)
            return e.enriched.sensitive
        }
        func open(_ path: String, _ resolved: String, truncated: Bool = false) throws -> Bool {
            try sensitive { e in
                var d = OpenDetail(); d.path = path; d.resolvedPath = resolved; d.resolvedTruncated = truncated; e.open = d
            }
        }
        XCTAssertTrue(try open("shadow", "/etc/shadow"), "cd /etc && cat shadow")
        XCTAssertTrue(try open("/tmp/x", "/etc/shadow"), "a symlink to it")
        XCTAssertFalse(try open("/etc/shadow", "/tmp/decoy"), "the resolved path decides")
        XCTAssertTrue(try open("/etc/shadow", ""), "no resolved path: the passed one")
        XCTAssertTrue(try open("/etc/shadow", "/x/y", truncated: true), "a cut walk: the passed path too")
        XCTAssertFalse(try open("shadow", ""), "relative, unresolved: not known to be sensitive")
        XCTAssertTrue(try sensitive { e in
            var d = ChmodDetail(); d.path = "../shadow"; d.resolvedPath = "/etc/shadow"; d.resolvedLexical = true; e.chmod = d
        })
        XCTAssertFalse(try sensitive { e in var d = ChmodDetail(); d.path = "../shadow"; e.chmod = d })
        XCTAssertTrue(try sensitive { e in
            var d = ExecDetail(); d.filename = "./x"; d.resolvedPath = "/etc/shadow"; e.exec = d
        })
    }

    func testDefaultOrderAndOptionalReverseDNS() throws {
        XCTAssertEqual(EnrichmentPipeline.defaultNames,
                       ["time-iso8601", "latency-ms", "errno-name", "open-flags", "mode-text", "socket-names",
                        "service", "sensitive", "enriched-by"])
        XCTAssertTrue(EnrichmentPipeline.knownNames.contains("reverse-dns"))
        XCTAssertEqual(EnrichmentPipeline.available().map(\.name), EnrichmentPipeline.knownNames)
        let withDNS = EnrichmentPipeline.adding("reverse-dns", to: EnrichmentPipeline.defaultNames)
        XCTAssertEqual(withDNS.firstIndex(of: "reverse-dns"), withDNS.firstIndex(of: "service")! + 1)
        XCTAssertEqual(EnrichmentPipeline.adding("reverse-dns", to: ["errno-name"]), ["errno-name", "reverse-dns"])
        XCTAssertEqual(EnrichmentPipeline.adding("reverse-dns", to: withDNS), withDNS)
        XCTAssertEqual(try EnrichmentPipeline(names: withDNS).steps.map(\.name), withDNS)
    }

    func testBadSensitivePathsFileFailsPipelineConstruction() {
        var options = EnrichmentOptions()
        options.sensitivePathsFile = "/nonexistent/sensitive.txt"
        XCTAssertThrowsError(try EnrichmentPipeline(names: ["sensitive"], options: options))
        XCTAssertNoThrow(try EnrichmentPipeline(names: ["errno-name"], options: options), "only built when named")
    }

    /// Rough throughput of the default steps on a mixed event stream (printed; loose bound for debug builds).
    func testDefaultPipelineThroughput() throws {
        let pipeline = try EnrichmentPipeline(names: EnrichmentPipeline.defaultNames)
        var events: [Event] = []
        var o = Event(); var od = OpenDetail(); od.path = "/usr/lib/x86_64-linux-gnu/libc.so.6"; od.flags = 0o2000000
        o.open = od; o.timeNs = 1_795_000_000_123_456_789; events.append(o)
        var c = Event(); c.probe = "connect"; var sd = SocketDetail(); sd.family = 2; sd.sockType = 1
        sd.remoteAddr = Data([10, 1, 2, 3]); sd.remotePort = 9092; c.socket = sd; events.append(c)
        var x = Event(); var xd = ExecDetail(); xd.filename = "/usr/bin/ls"; x.exec = xd; events.append(x)
        let n = 60_000
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<n {
            var e = events[i % events.count]
            pipeline.apply(to: &e)
            if e.enriched.timeIso8601.isEmpty { XCTFail("not enriched") }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("default pipeline: \(Int(Double(n) / seconds)) events/s (this build configuration)")
    }

    func testSuccessHasNoErrnoName() throws {
        var e = Event()
        e.ret = 0
        ErrnoNameStep().apply(to: &e)
        XCTAssertEqual(e.enriched.errnoName, "")
    }

    func testUnknownStepIsRejectedWithTheKnownOnes() {
        XCTAssertThrowsError(try EnrichmentPipeline(names: ["time-iso8601", "geoip"])) { error in
            XCTAssertTrue("\(error)".contains("geoip"))
            XCTAssertTrue("\(error)".contains("errno-name"))
        }
    }
}
