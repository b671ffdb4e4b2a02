import Foundation
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The whole pipeline as separate processes, on a real broker and a real ClickHouse: tansu and
/// clickhouse-server on free loopback ports, then `infrasight topics create`, `schema apply`, and the
/// agent, two enrich workers and the sink.
final class PipelineHarness {
    let broker: TansuBroker
    let clickhouse: ClickHouseServer
    let workDir: URL
    var stages: [String: ChildProcess] = [:]
    let binary = ProjectPaths.infrasightBinary

    var environment: [String: String] {
        ["INFRASIGHT_BROKERS": broker.bootstrap,
         "INFRASIGHT_CLICKHOUSE_URL": clickhouse.url,
         "INFRASIGHT_BPF_DIR": ProjectPaths.bpfObjects,
         "INFRASIGHT_LOG_LEVEL": "info",
         // Several workers per host: each takes an ephemeral /metrics port.
         "INFRASIGHT_METRICS_ADDRESS": "127.0.0.1:0"]
    }

    init() throws {
        guard getuid() == 0 else { throw TestSupportError("the pipeline test needs root (BPF); CI runs as root") }
        workDir = FileManager.default.temporaryDirectory.appendingPathComponent("infrasight-it-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
        broker = try TansuBroker.start()
        clickhouse = try ClickHouseServer.start()
    }

    /// Runs an `infrasight` subcommand to completion; throws with its output when it fails.
    @discardableResult
    func cli(_ args: [String]) throws -> String {
        let log = workDir.appendingPathComponent("cli-\(args.prefix(2).joined(separator: "-")).log").path
        let p = try ChildProcess(name: "infrasight \(args.joined(separator: " "))", executable: binary,
                                 arguments: args, environment: environment, logPath: log)
        p.process.waitUntilExit()
        let out = p.output()
        guard p.process.terminationStatus == 0 else {
            throw TestSupportError("infrasight \(args.joined(separator: " ")) exited \(p.process.terminationStatus):\n\(out)")
        }
        return out
    }

    /// Starts a long-running stage as its own process.
    func start(_ name: String, _ args: [String]) throws {
        let log = workDir.appendingPathComponent("\(name).log").path
        stages[name] = try ChildProcess(name: name, executable: binary, arguments: args + ["--stats-interval", "2"],
                                        environment: environment, logPath: log)
    }

    /// topics + schema, then agent (optional), enrich ×2 and sink; waits until each is attached or assigned.
    func startPipeline(agent: Bool = true, probes: String = "execve") throws {
        try cli(["topics", "create", "--partitions", "4"])
        try cli(["schema", "apply"])
        try startStages(agent: agent, probes: probes)
    }

    /// Starts (or restarts) the stage processes and waits until they are attached and assigned.
    func startStages(agent: Bool = true, probes: String = "execve") throws {
        try start("sink", ["sink"])
        try start("enrich-1", ["enrich"])
        try start("enrich-2", ["enrich"])
        // The pipeline tests are about execve; every probe through the broker is AgentProbeIntegrationTests' job.
        if agent { try start("agent", ["agent", "--probes", probes]) }
        if agent { try waitForLog("agent", containing: "probe attached", timeout: 60) }
        try waitForLog("sink", containing: "partitions assigned", timeout: 60)
        try waitForLog("enrich-1", containing: "partitions assigned", timeout: 60)
        try waitForLog("enrich-2", containing: "partitions assigned", timeout: 60)
    }

    /// Restarts one stage process with the same arguments, after it exited (for example after SIGKILL).
    func restart(_ name: String, _ args: [String]) throws {
        let old = workDir.appendingPathComponent("\(name).log").path
        try? FileManager.default.moveItem(atPath: old, toPath: old + ".\(Int(Date().timeIntervalSince1970 * 1000))")
        try start(name, args)
    }

    func log(_ name: String) -> String { stages[name]?.output() ?? "" }

    func waitForLog(_ name: String, containing text: String, timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if log(name).contains(text) { return }
            if let p = stages[name], !p.isRunning {
                throw TestSupportError("\(name) exited (\(p.process.terminationStatus)) before logging \"\(text)\":\n\(log(name))")
            }
            usleep(200_000)
        }
        throw TestSupportError("\(name) did not log \"\(text)\" within \(Int(timeout)) s:\n\(log(name))")
    }

    /// Polls ClickHouse until `sql` returns `expected` (trimmed) or the timeout; returns the last answer.
    @discardableResult
    func waitForQuery(_ sql: String, equals expected: String, timeout: TimeInterval) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = ((try? clickhouse.query(sql)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if last == expected { return last }
            usleep(500_000)
        }
        return last
    }

    /// SIGTERM every stage; returns the exit statuses.
    func stopStages() -> [String: Int32] {
        var statuses: [String: Int32] = [:]
        for name in ["agent"] + stages.keys.filter({ $0 != "agent" && $0 != "sink" }).sorted() + ["sink"] {
            if let p = stages[name] { statuses[name] = p.stop(grace: 40) }
        }
        return statuses
    }

    func dumpLogs() -> String {
        stages.keys.sorted().map { "=== \($0)\n\(String(log($0).suffix(4000)))" }.joined(separator: "\n")
    }

    func shutdown() {
        _ = stopStages()
        broker.stop()
        clickhouse.stop()
    }
}
