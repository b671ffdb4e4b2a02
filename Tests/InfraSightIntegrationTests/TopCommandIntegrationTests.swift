import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `infrasight top --iterations 2` against the real pipeline (agent with real BPF, tansu, two enrich workers,
/// the sink, ClickHouse 18.16) while this test keeps running programs: each stage must show a row per probe
/// with a nonzero rate, and the output must be plain text (stdout is not a terminal here).
final class TopCommandIntegrationTests: XCTestCase {
    func testTopShowsEveryStagePerProbeWithNonzeroRates() throws {
        let h = try PipelineHarness()
        defer { h.shutdown() }
        try h.startPipeline(probes: "execve,chmod")
        // Keep execve and chmod events flowing while top runs: each /bin/chmod is one exec and one chmod.
        // (Not the open probe: every process on the host opens files, which can swamp a busy 2-core machine.)
        let target = h.workDir.appendingPathComponent("chmod-target").path
        guard FileManager.default.createFile(atPath: target, contents: Data()) else { throw TestSupportError("cannot create \(target)") }
        let stop = StopFlag()
        let load = Thread {
            while !stop.isSet { _ = CommandSpawner.run(["/bin/chmod", "0644", target]); usleep(50_000) }
        }
        load.start()
        defer { stop.set() }
        // Wait until the load has reached ClickHouse, so every stage is busy before top starts.
        let sql = "SELECT count() > 10 FROM infrasight.file_events WHERE probe = 'chmod' AND path = '\(target)'"
        guard h.waitForQuery(sql, equals: "1", timeout: 90) == "1" else {
            XCTFail("no chmod events in ClickHouse:\n\(h.dumpLogs())")
            return
        }
        let out = try h.cli(["top", "--iterations", "2", "--interval", "4"])
        print("infrasight top --iterations 2 printed:\n\(out)")
        stop.set()
        XCTAssertFalse(out.contains("\u{1B}"), "escape codes without a terminal:\n\(out)")
        let frames = out.components(separatedBy: "\n\n").filter { $0.contains("STAGE") }
        XCTAssertEqual(frames.count, 2, "two refreshes expected:\n\(out)")
        let last = try XCTUnwrap(frames.last)
        let lines = last.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let header = try XCTUnwrap(lines.first { $0.first == "STAGE" })
        XCTAssertEqual(header, ["STAGE", "PROBE", "IN/s", "OUT/s", "LAG", "LOST", "DROPPED", "DLQ", "THROTTLED", "INST"])
        func row(_ stage: String, _ probe: String) -> [String]? { lines.first { $0.count == header.count && $0[0] == stage && $0[1] == probe } }
        for stage in ["agent", "enrich", "sink"] {
            for probe in ["all", "execve", "chmod"] {
                guard let r = row(stage, probe) else {
                    XCTFail("no \(stage)/\(probe) row in:\n\(last)\n\(h.dumpLogs())")
                    continue
                }
                XCTAssertGreaterThan(Double(r[2]) ?? 0, 0, "\(stage)/\(probe) IN/s in:\n\(last)")
                if probe == "all" || stage == "agent" {
                    XCTAssertGreaterThan(Double(r[3]) ?? 0, 0, "\(stage)/\(probe) OUT/s in:\n\(last)")
                }
            }
        }
        XCTAssertEqual(row("enrich", "all")?[9], "2", "two enrich workers:\n\(last)")
        XCTAssertEqual(row("sink", "all")?[9], "1", last)
        for stage in ["enrich", "sink"] { XCTAssertNotNil(UInt64(row(stage, "all")?[4] ?? ""), "\(stage) lag is a number:\n\(last)") }
        XCTAssertNotNil(UInt64(row("agent", "all")?[5] ?? ""), "agent loss is a number:\n\(last)")
    }
}

