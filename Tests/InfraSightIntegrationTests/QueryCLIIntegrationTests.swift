import Foundation
import InfraSightCore
import InfraSightSink
import InfraSightTestSupport
import XCTest

/// `infrasight query` and `infrasight status` as a user runs them, against really captured events.
final class QueryCLIIntegrationTests: XCTestCase {
    nonisolated(unsafe) static var harness: PipelineHarness?
    nonisolated(unsafe) static var startupError: Error?

    override class func setUp() {
        super.setUp()
        do {
            let h = try PipelineHarness()
            harness = h
            try h.startPipeline(probes: "execve,open")
        } catch {
            startupError = error
        }
    }

    override class func tearDown() {
        harness?.shutdown()
        super.tearDown()
    }

    func pipeline() throws -> PipelineHarness {
        if let error = Self.startupError { throw TestSupportError("pipeline did not start: \(error)") }
        return Self.harness!
    }

    func testSensitiveFilesListsACatOfEtcShadowJustRun() throws {
        let h = try pipeline()
        let cat = CommandSpawner.run(["/bin/cat", "/etc/shadow"])
        XCTAssertEqual(cat.error, 0)
        let pid = try XCTUnwrap(cat.pid)
        let sql = "SELECT count() FROM infrasight.file_events WHERE pid = \(pid) AND path = '/etc/shadow'"
        XCTAssertEqual(h.waitForQuery(sql, equals: "1", timeout: 90), "1", h.dumpLogs())
        let out = try h.cli(["query", "sensitive-files", "--format", "json", "--limit", "1000"])
        let rows = out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let mine = rows.filter { "\($0["pid"] ?? "")" == "\(pid)" }
        XCTAssertEqual(mine.count, 1, out)
        XCTAssertEqual(mine.first?["path"] as? String, "/etc/shadow")
        XCTAssertEqual(mine.first?["comm"] as? String, "cat")
        XCTAssertEqual(mine.first?["user"] as? String, "root")
        XCTAssertEqual((mine.first?["flags_text"] as? String)?.hasPrefix("O_RDONLY"), true, "\(mine)")
        let table = try h.cli(["query", "sensitive-files"])
        XCTAssertTrue(table.contains("/etc/shadow") && table.contains("cat"), table)
    }

    func testEveryPresetRunsInEveryFormat() throws {
        let h = try pipeline()
        for preset in QueryPresets.all {
            for format in ["table", "json", "csv"] {
                XCTAssertNoThrow(try h.cli(["query", preset.name, "--format", format]), "\(preset.name) \(format)")
            }
        }
        let execs = try h.cli(["query", "execs", "--limit", "5"])
        XCTAssertTrue(execs.contains("filename") && execs.contains("row"), execs)
    }

    func testUserTextCannotEscapeTheHostFilter() throws {
        let h = try pipeline()
        let evil = "x' OR 1=1 OR host='"
        let out = try h.cli(["query", "execs", "--host", evil, "--format", "json"])
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "", "the host filter is a literal, not SQL")
        XCTAssertThrowsError(try h.cli(["query", "--sql", "DROP TABLE infrasight.exec_events"]), "--sql runs read-only")
        XCTAssertEqual(h.waitForQuery("EXISTS TABLE infrasight.exec_events", equals: "1", timeout: 5), "1")
    }

    func testStatusReportsAHealthyStack() throws {
        let h = try pipeline()
        let out = try h.cli(["status"])
        XCTAssertTrue(out.contains("broker") && out.contains(": ok"), out)
        XCTAssertTrue(out.contains("all \(TopicCatalog.all().count) InfraSight topics present"), out)
        XCTAssertTrue(out.contains("current"), out)
    }

    func testStatusFailsClearlyWhenClickHouseIsDown() throws {
        let h = try pipeline()
        let env = h.environment.merging(["INFRASIGHT_CLICKHOUSE_URL": "http://127.0.0.1:1"]) { $1 }
        let p = try ChildProcess(name: "status", executable: h.binary, arguments: ["status"], environment: env,
                                 logPath: h.workDir.appendingPathComponent("status-down.log").path)
        p.process.waitUntilExit()
        XCTAssertNotEqual(p.process.terminationStatus, 0)
        XCTAssertTrue(p.output().contains("UNREACHABLE"), p.output())
    }
}
