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

    /// SIGTERM every stage, upstream first; returns the exit statuses.
    ///
    /// Workers of one consumer group leave one at a time, and the ones that stay re-form the group before
    /// the next one leaves. tansu 0.6.0 keeps a departed member as group leader when that leader leaves
    /// during a rebalance, and then no later member is ever assigned a partition (found by CI: the
    /// restarted workers waited forever). Real Kafka does not need this; the demo restarts its broker.
    func stopStages() -> [String: Int32] {
        var statuses: [String: Int32] = [:]
        if let agent = stages["agent"] { statuses["agent"] = agent.stop(grace: 40) }
        var workers = stages.keys.filter { $0 != "agent" && $0 != "sink" }.sorted()
        while !workers.isEmpty {
            let name = workers.removeFirst()
            guard let p = stages[name] else { continue }
            let assignedBefore = workers.map { (name: $0, count: occurrences(of: "partitions assigned", in: $0)) }
            statuses[name] = p.stop(grace: 40)
            for other in assignedBefore where stages[other.name]?.isRunning == true {
                waitForLogCount(other.name, of: "partitions assigned", above: other.count, timeout: 30)
            }
            if !workers.isEmpty { sleep(2) }   // cooperative-sticky's second round, if any
        }
        if let sink = stages["sink"] { statuses["sink"] = sink.stop(grace: 40) }
        return statuses
    }

    func occurrences(of text: String, in name: String) -> Int {
        log(name).components(separatedBy: text).count - 1
    }

    /// Waits (best effort) until `name` has logged `text` more than `count` times.
    func waitForLogCount(_ name: String, of text: String, above count: Int, timeout: TimeInterval) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, occurrences(of: text, in: name) <= count { usleep(200_000) }
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
