import Foundation
import InfraSightCore
import InfraSightKafka
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `infrasight agent --rate-limit`: a process flooding chmod gets exactly its quota published to
/// `infrasight.raw.chmod`; the agent names it in a warning with the number dropped and reports the
/// drops as `throttled{chmod}` in its stats. Real broker, real BPF; FAILS (never skips) without root.
final class AgentRateLimitIntegrationTests: XCTestCase {
    func testAFloodingProcessIsThrottledToItsQuotaNamedInTheLogAndCounted() throws {
        guard getuid() == 0 else { throw TestSupportError("the rate-limit test needs root (BPF); CI runs as root") }
        let broker = try TansuBroker.start()
        defer { broker.stop() }
        let env = ["INFRASIGHT_BROKERS": broker.bootstrap, "INFRASIGHT_BPF_DIR": ProjectPaths.bpfObjects,
                   "INFRASIGHT_LOG_LEVEL": "info", "INFRASIGHT_METRICS_ADDRESS": "127.0.0.1:0"]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("is-ratelimit-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let topics = try ChildProcess(name: "topics create", executable: ProjectPaths.infrasightBinary,
                                      arguments: ["topics", "create", "--partitions", "1"], environment: env,
                                      logPath: dir.appendingPathComponent("topics.log").path)
        topics.process.waitUntilExit()
        XCTAssertEqual(topics.process.terminationStatus, 0, topics.output())

        let quota = 20, flood = 1000
        let agent = try ChildProcess(name: "agent", executable: ProjectPaths.infrasightBinary,
                                     arguments: ["agent", "--probes", "chmod", "--rate-limit", "\(quota)",
                                                 "--rate-limit-window-ms", "60000", "--stats-interval", "1"],
                                     environment: env, logPath: dir.appendingPathComponent("agent.log").path)
        defer { _ = agent.stop(grace: 20) }
        try agent.waitForOutput(containing: "chmod probe attached via", timeout: 60)
        XCTAssertTrue(agent.output().contains("rate limit: \(quota) events per process per 60000 ms"), agent.output())

        // A python3 child chmods one file `flood` times, then waits for its stdin to close (so its
        // comm is still readable when the agent names it).
        let target = dir.appendingPathComponent("flood-target").path
        FileManager.default.createFile(atPath: target, contents: nil)
        let child = Process()
        let stdin = Pipe()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        child.arguments = ["-c", "import os, sys\nfor _ in range(int(sys.argv[2])): os.chmod(sys.argv[1], 0o644)\nsys.stdin.readline()",
                           target, "\(flood)"]
        child.standardInput = stdin
        try child.run()
        defer { try? stdin.fileHandleForWriting.close(); child.waitUntilExit() }
        let pid = UInt32(child.processIdentifier)

        try agent.waitForOutput(containing: "rate limit: pid \(pid) (python3) throttled on chmod", timeout: 30)
        try agent.waitForOutput(containing: "\(flood - quota) in total (counted as throttled)", timeout: 30)
        try agent.waitForOutput(containing: "throttled{chmod}=\(flood - quota)", timeout: 30)

        let consumer = try KafkaConsumer(config: KafkaClientConfig(brokers: broker.bootstrap, clientId: "ratelimit-it"),
                                         groupId: "ratelimit-it-\(UInt32.random(in: 0...UInt32.max))",
                                         topics: [Probe.chmod.rawTopic])
        defer { consumer.close() }
        var published = 0
        var lastNew = Date()
        let deadline = Date().addingTimeInterval(60)
        // All `quota` events, then 5 quiet seconds in which no extra one may arrive.
        while Date() < deadline, published < quota || Date().timeIntervalSince(lastNew) < 5 {
            guard let m = try consumer.poll(timeoutMs: 200) else { continue }
            let e = try EventCodec.decode(m.value)
            if e.pid == pid, e.chmod.path == target { published += 1; lastNew = Date() }
        }
        XCTAssertEqual(published, quota, "exactly the quota reaches Kafka\n\(agent.output().suffix(3000))")
    }

}
