import Foundation
import InfraSightTestSupport
import XCTest

/// `infrasight stack up|status|down` as a user runs it: the real broker, ClickHouse 18.16, agent (real
/// BPF), two enrich workers, the sink and a detect worker in the background, a command captured end to
/// end and a credential read alerted on (in the state folder's alerts.jsonl), then an orderly stop.
/// Ports and the state folder are the test's own.
final class StackCommandIntegrationTests: XCTestCase {
    var workDir: URL!
    var environment: [String: String] = [:]

    override func setUpWithError() throws {
        workDir = FileManager.default.temporaryDirectory.appendingPathComponent("infrasight-stack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
        environment = [
            "INFRASIGHT_DEMO_BROKER_PORT": "\(try FreePort.next())",
            "INFRASIGHT_DEMO_CLICKHOUSE_HTTP_PORT": "\(try FreePort.next())",
            "INFRASIGHT_DEMO_CLICKHOUSE_TCP_PORT": "\(try FreePort.next())",
            "INFRASIGHT_METRICS_ADDRESS": "127.0.0.1:0",
            "INFRASIGHT_DEMO_ENRICH2_METRICS_ADDRESS": "127.0.0.1:0",
            "INFRASIGHT_BPF_DIR": ProjectPaths.bpfObjects,
        ]
    }

    override func tearDown() {
        _ = try? stack(["down", "--dir", stateDir], timeout: 120)
        if ProcessInfo.processInfo.environment["INFRASIGHT_KEEP_TMP"] == nil { try? FileManager.default.removeItem(at: workDir) }
    }

    var stateDir: String { workDir.appendingPathComponent("state").path }

    /// Runs `infrasight stack …` to completion (failing, not hanging, past `timeout`).
    func stack(_ arguments: [String], timeout: TimeInterval) throws -> (status: Int32, output: String) {
        let p = try ChildProcess(name: "infrasight stack \(arguments[0])", executable: ProjectPaths.infrasightBinary,
                                 arguments: ["stack"] + arguments, environment: environment,
                                 logPath: workDir.appendingPathComponent("stack-\(arguments[0])-\(UUID().uuidString).log").path)
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(100_000) }
        if p.isRunning {
            p.stop(grace: 2)
            throw TestSupportError("infrasight stack \(arguments.joined(separator: " ")) still running after \(Int(timeout)) s:\n\(p.output())")
        }
        return (p.process.terminationStatus, p.output())
    }

    func clickhouse(_ sql: String) -> String {
        let curl = Process()
        let out = Pipe()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sS", "--max-time", "10", "--data-binary", sql,
                          "http://127.0.0.1:\(environment["INFRASIGHT_DEMO_CLICKHOUSE_HTTP_PORT"]!)/"]
        curl.standardOutput = out
        curl.standardError = out
        guard (try? curl.run()) != nil else { return "" }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        curl.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testUpCapturesEventsStatusReportsHealthAndDownStopsEverything() throws {
        XCTAssertEqual(getuid(), 0, "the stack's agent loads eBPF programs: run the tests as root")
        let up = try stack(["up", "--dir", stateDir], timeout: 240)
        XCTAssertEqual(up.status, 0, up.output)
        XCTAssertTrue(up.output.contains("execve probe attached via"), up.output)

        // A command run now is stored, with its process context, by the background pipeline.
        let marker = "/bin/true"
        let run = CommandSpawner.run([marker, "stack-test"])
        let pid = try XCTUnwrap(run.pid)
        let sql = "SELECT count() FROM infrasight.exec_events WHERE pid = \(pid) AND filename = '\(marker)' AND exec_id != ''"
        let deadline = Date().addingTimeInterval(120)
        var count = ""
        while Date() < deadline {
            count = clickhouse(sql)
            if count == "1" { break }
            sleep(1)
        }
        XCTAssertEqual(count, "1", "exec of \(marker) (pid \(pid)) not stored; logs in \(stateDir)/logs")

        // A read of /etc/shadow by cat raises the built-in "Read sensitive file untrusted" alert, which the
        // stack's detect worker writes as a JSON line into the state folder.
        let reader = CommandSpawner.run(["/bin/cat", "/etc/shadow"])
        let readerPid = try XCTUnwrap(reader.pid)
        let alertLog = (stateDir as NSString).appendingPathComponent("alerts.jsonl")
        var alert: [String: Any]?
        let alertDeadline = Date().addingTimeInterval(120)
        while alert == nil && Date() < alertDeadline {
            let text = (try? String(contentsOfFile: alertLog, encoding: .utf8)) ?? ""
            alert = text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }.first { ($0["rule"] as? String) == "Read sensitive file untrusted" && ($0["pid"] as? NSNumber)?.int32Value == readerPid }
            if alert == nil { sleep(1) }
        }
        let found = try XCTUnwrap(alert, "no alert for cat /etc/shadow (pid \(readerPid)) in \(alertLog); logs in \(stateDir)/logs")
        XCTAssertEqual(found["comm"] as? String, "cat")
        XCTAssertEqual(found["probe"] as? String, "open")

        let again = try stack(["up", "--dir", stateDir], timeout: 120)
        XCTAssertEqual(again.status, 0, again.output)
        for part in ["broker", "agent", "sink", "enrich-1", "enrich-2", "detect"] {
            XCTAssertTrue(again.output.contains("\(part) already running"), "second up did not reuse \(part):\n\(again.output)")
        }

        let status = try stack(["status", "--dir", stateDir], timeout: 120)
        XCTAssertEqual(status.status, 0, status.output)
        for part in ["broker", "sink", "enrich-1", "enrich-2", "detect", "agent"] {
            XCTAssertTrue(status.output.contains("\(part): running"), "\(part) not running:\n\(status.output)")
        }
        XCTAssertTrue(status.output.contains("InfraSight topics present"), status.output)
        XCTAssertNotNil(status.output.range(of: #"alerts: [1-9][0-9]* in "#, options: .regularExpression), status.output)
        XCTAssertTrue(status.output.contains(": current"), status.output)

        let detectPid = try XCTUnwrap(Int32(try String(contentsOfFile: stateDir + "/run/detect.pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)), "no detect pid file")
        let down = try stack(["down", "--dir", stateDir], timeout: 180)
        XCTAssertEqual(down.status, 0, down.output)
        XCTAssertTrue(down.output.contains("stopping detect (pid \(detectPid))"), down.output)
        XCTAssertNotEqual(kill(detectPid, 0), 0, "detect (pid \(detectPid)) still alive after down")
        let after = try stack(["status", "--dir", stateDir], timeout: 60)
        for part in ["broker", "sink", "enrich-1", "enrich-2", "detect", "agent"] {
            XCTAssertTrue(after.output.contains("\(part): stopped"), "\(part) still running after down:\n\(after.output)")
        }
    }
}
