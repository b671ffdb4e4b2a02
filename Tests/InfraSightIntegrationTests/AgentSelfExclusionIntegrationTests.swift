import Foundation
import InfraSightCore
import InfraSightKafka
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The pipeline's own processes (comm `infrasight`) are excluded by default: a real `infrasight
/// enrich` (pointed at a dead broker, metrics off) and an `infrasight`-named process that opens a
/// file in a loop run next to two real agents on a real broker. The default agent publishes none of
/// their events while a control process's opens arrive; the `--include-self` agent publishes them.
/// Needs root, BPF and the broker; FAILS (never skips) without them.
final class AgentSelfExclusionIntegrationTests: XCTestCase {
    func testPipelineProcessesAreExcludedByDefaultAndIncludedOnRequest() throws {
        guard getuid() == 0 else { throw TestSupportError("the self-exclusion test needs root (BPF)") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("is-selfex-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let broker = try TansuBroker.start()
        defer { broker.stop() }
        let env = ["INFRASIGHT_BROKERS": broker.bootstrap, "INFRASIGHT_BPF_DIR": ProjectPaths.bpfObjects,
                   "INFRASIGHT_LOG_LEVEL": "info", "INFRASIGHT_METRICS_ADDRESS": "off"]
        let topics = try ChildProcess(name: "topics create", executable: ProjectPaths.infrasightBinary,
                                      arguments: ["topics", "create", "--partitions", "1"], environment: env,
                                      logPath: dir.appendingPathComponent("topics.log").path)
        topics.process.waitUntilExit()
        guard topics.process.terminationStatus == 0 else { throw TestSupportError("topics create failed:\n\(topics.output())") }

        // 1. Pipeline processes, started before the agents: a real enrich worker on a dead broker
        //    (it keeps reconnecting), and a process named `infrasight` that opens its file every 5 ms.
        let enrich = try ChildProcess(name: "enrich", executable: ProjectPaths.infrasightBinary,
                                      arguments: ["enrich", "--brokers", "127.0.0.1:1", "--metrics-address", "off"],
                                      environment: ["INFRASIGHT_BROKERS": "127.0.0.1:1", "INFRASIGHT_METRICS_ADDRESS": "off"],
                                      logPath: dir.appendingPathComponent("enrich.log").path)
        defer { _ = enrich.stop(grace: 5) }
        let pipelinePath = dir.appendingPathComponent("pipeline-file").path
        let controlPath = dir.appendingPathComponent("control-file").path
        FileManager.default.createFile(atPath: pipelinePath, contents: Data("x".utf8))
        FileManager.default.createFile(atPath: controlPath, contents: Data("x".utf8))
        let named = dir.appendingPathComponent("infrasight").path // comm comes from the executed name
        try FileManager.default.createSymbolicLink(atPath: named, withDestinationPath: "/usr/bin/python3.11")
        let opener = try ChildProcess(name: "infrasight-named opener", executable: named,
                                      arguments: ["-c", "import os, sys, time\nwhile True:\n    os.close(os.open(sys.argv[1], os.O_RDONLY)); time.sleep(0.005)", pipelinePath],
                                      logPath: dir.appendingPathComponent("opener.log").path)
        defer { _ = opener.stop(grace: 2) }
        let enrichPid = UInt32(enrich.pid), openerPid = UInt32(opener.pid)
        usleep(300_000)
        XCTAssertEqual(PipelineComm.read(enrichPid), "infrasight")
        XCTAssertEqual(PipelineComm.read(openerPid), "infrasight")

        // 2. Two agents: the default one and one with --include-self (told apart by node name).
        func agent(_ host: String, _ extra: [String]) throws -> ChildProcess {
            try ChildProcess(name: "agent \(host)", executable: ProjectPaths.infrasightBinary,
                             arguments: ["agent", "--probes", "open,connect", "--node-name", host, "--stats-interval", "1"] + extra,
                             environment: env, logPath: dir.appendingPathComponent("agent-\(host).log").path)
        }
        let excluding = try agent("selfex-default", [])
        defer { _ = excluding.stop(grace: 20) }
        let including = try agent("selfex-include", ["--include-self"])
        defer { _ = including.stop(grace: 20) }
        for a in [excluding, including] {
            let deadline = Date().addingTimeInterval(60)
            while !(a.output().contains("open probe attached via") && a.output().contains("connect probe attached via")) {
                guard a.isRunning else { throw TestSupportError("agent exited:\n\(a.output())") }
                guard Date() < deadline else { throw TestSupportError("agent did not attach:\n\(a.output())") }
                usleep(200_000)
            }
        }
        let exclusionLine = excluding.output().split(separator: "\n").first { $0.contains("excluding pipeline processes") } ?? ""
        for pid in [enrichPid, openerPid] {
            XCTAssertTrue(exclusionLine.split(whereSeparator: { !$0.isNumber }).contains(Substring(String(pid))),
                          "pid \(pid) not in: \(exclusionLine)")
        }
        XCTAssertFalse(including.output().contains("excluding pipeline processes"), including.output())

        // 3. Consume what both agents publish; the control process opens its file 50 times.
        let lock = NSLock()
        var byHost: [String: [Event]] = [:]
        var stop = false
        var consumerError: String?
        let consumerThread = Thread {
            do {
                let c = try KafkaConsumer(config: KafkaClientConfig(brokers: broker.bootstrap, clientId: "selfex-it"),
                                          groupId: "selfex-\(UInt32.random(in: 0...UInt32.max))",
                                          topics: [Probe.open.rawTopic, Probe.connect.rawTopic])
                defer { c.close() }
                while !(lock.withLock { stop }) {
                    guard let m = try c.poll(timeoutMs: 100), let e = try? EventCodec.decode(m.value) else { continue }
                    guard [enrichPid, openerPid].contains(e.pid) || (e.probe == "open" && e.open.path == controlPath) else { continue }
                    lock.withLock { byHost[e.host, default: []].append(e) }
                }
            } catch {
                lock.withLock { consumerError = "\(error)" }
            }
        }
        consumerThread.start()
        defer { lock.withLock { stop = true }; usleep(300_000) }
        let control = Process()
        control.executableURL = URL(fileURLWithPath: "/usr/bin/python3.11")
        control.arguments = ["-c", "import os, sys, time\nfor _ in range(50):\n    os.close(os.open(sys.argv[1], os.O_RDONLY)); time.sleep(0.01)", controlPath]
        try control.run()
        control.waitUntilExit()
        let controlPid = UInt32(control.processIdentifier)

        func snapshot() -> [String: [Event]] { lock.withLock { byHost } }
        func count(_ host: String, _ match: (Event) -> Bool) -> Int { snapshot()[host, default: []].filter(match).count }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let controlSeen = ["selfex-default", "selfex-include"].allSatisfy { h in count(h) { $0.pid == controlPid && $0.open.path == controlPath } >= 50 }
            if controlSeen && count("selfex-include", { $0.pid == openerPid }) > 0 { break }
            usleep(200_000)
        }
        usleep(2_000_000) // anything of the pipeline processes still in flight arrives too
        XCTAssertNil(lock.withLock { consumerError })
        for h in ["selfex-default", "selfex-include"] {
            XCTAssertEqual(count(h) { $0.pid == controlPid && $0.probe == "open" && $0.open.path == controlPath }, 50,
                           "\(h): the control process's opens")
        }
        XCTAssertEqual(count("selfex-default") { $0.pid == enrichPid }, 0, "events of infrasight enrich (pid \(enrichPid)) published by the default agent")
        XCTAssertEqual(count("selfex-default") { $0.pid == openerPid }, 0, "events of the infrasight-named opener (pid \(openerPid)) published by the default agent")
        XCTAssertGreaterThan(count("selfex-include") { $0.pid == openerPid && $0.open.path == pipelinePath }, 0,
                             "--include-self traces the pipeline's processes")
        XCTAssertTrue(enrich.isRunning, "enrich exited:\n\(enrich.output())")
        XCTAssertTrue(opener.isRunning, "opener exited:\n\(opener.output())")

        // 4. The stats count the excluded pipeline processes; a pipeline process that appears later is excluded too.
        let late = try ChildProcess(name: "late infrasight", executable: named,
                                    arguments: ["-c", "import time\ntime.sleep(30)"],
                                    logPath: dir.appendingPathComponent("late.log").path)
        defer { _ = late.stop(grace: 2) }
        let lateDeadline = Date().addingTimeInterval(15)
        var lateSeen = false
        while Date() < lateDeadline && !lateSeen {
            lateSeen = excluding.output().split(separator: "\n").contains {
                $0.contains("excluding pipeline processes") && $0.split(whereSeparator: { !$0.isNumber }).contains(Substring(String(late.pid)))
            }
            usleep(200_000)
        }
        XCTAssertTrue(lateSeen, "a pipeline process started after the agent was not excluded:\n\(String(excluding.output().suffix(3000)))")
        XCTAssertTrue(excluding.output().contains("excluded_pids{pipeline}"), String(excluding.output().suffix(3000)))
    }
}

enum PipelineComm {
    static func read(_ pid: UInt32) -> String? {
        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
