import Foundation
import InfraSightCore
import InfraSightKafka
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Least privilege: the real `infrasight agent` runs as uid/gid 65534 with only CAP_BPF,
/// CAP_PERFMON and CAP_DAC_READ_SEARCH (setpriv: inheritable + ambient + bounding set), attaches all
/// eight probes and publishes the execve of a command the test runs to a real broker. With an empty
/// capability set it refuses to start and names what is missing. CAP_SYS_RESOURCE is not granted
/// (this sandbox's bounding set lacks it; kernels ≥ 5.11 account BPF memory to the memory cgroup and
/// do not need it). Needs root (to drop privileges), BPF and the broker; FAILS (never skips) without them.
final class AgentPrivilegeIntegrationTests: XCTestCase {
    static let setpriv = "/usr/bin/setpriv"
    static let caps = "+bpf,+perfmon,+dac_read_search"
    static let probes = ["execve", "open", "chmod", "connect", "accept", "exit", "ptrace", "mount", "setid", "dup", "socket", "link", "bind", "sendto", "kernel"]

    func workDir() throws -> URL {
        guard getuid() == 0 else { throw TestSupportError("the privilege test needs root (to drop to uid 65534 with setpriv)") }
        guard FileManager.default.isExecutableFile(atPath: Self.setpriv) else { throw TestSupportError("setpriv (util-linux) missing") }
        let dir = URL(fileURLWithPath: "/tmp").appendingPathComponent("is-priv-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func testAgentAsNobodyWithBpfPerfmonDacReadSearchAttachesEveryProbeAndPublishesExec() throws {
        let dir = try workDir()
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

        let host = "priv-it-\(UInt32.random(in: 0...UInt32.max))"
        let agent = try ChildProcess(
            name: "agent as nobody", executable: Self.setpriv,
            arguments: ["--reuid", "65534", "--regid", "65534", "--clear-groups",
                        "--inh-caps", "-all,\(Self.caps)", "--ambient-caps", "-all,\(Self.caps)",
                        "--bounding-set", "-all,\(Self.caps)", "--",
                        ProjectPaths.infrasightBinary, "agent", "--node-name", host, "--stats-interval", "1"],
            environment: env, logPath: dir.appendingPathComponent("agent.log").path)
        defer { _ = agent.stop(grace: 20) }
        let deadline = Date().addingTimeInterval(60)
        while !Self.probes.allSatisfy({ agent.output().contains("\($0) probe attached via") }) {
            guard agent.isRunning else { throw TestSupportError("agent as nobody exited \(agent.process.terminationStatus):\n\(agent.output())") }
            guard Date() < deadline else { throw TestSupportError("agent as nobody did not attach every probe:\n\(agent.output())") }
            usleep(200_000)
        }
        // It really runs unprivileged.
        let status = try String(contentsOfFile: "/proc/\(agent.pid)/status", encoding: .utf8)
        let agentPid = status.contains("Name:\tinfrasight") ? agent.pid : (Self.child(of: agent.pid) ?? agent.pid)
        let agentStatus = try String(contentsOfFile: "/proc/\(agentPid)/status", encoding: .utf8)
        XCTAssertTrue(agentStatus.contains("Uid:\t65534\t65534\t65534\t65534"), agentStatus)
        let caps = try XCTUnwrap(AgentCapsText.capEff(agentStatus))
        XCTAssertEqual(caps, (1 << 39) | (1 << 38) | (1 << 2), String(caps, radix: 16))

        // An execve the test makes reaches infrasight.raw.execve.
        let tag = "priv-\(UInt32.random(in: 0...UInt32.max))"
        let consumer = try KafkaConsumer(config: KafkaClientConfig(brokers: broker.bootstrap, clientId: "priv-it"),
                                         groupId: "priv-it-\(tag)", topics: [Probe.execve.rawTopic])
        defer { consumer.close() }
        var found: Event?
        var nextRun = Date.distantPast
        var runs: [Int32] = []
        let until = Date().addingTimeInterval(40)
        while found == nil && Date() < until {
            if Date() >= nextRun { // re-run every 5 s until seen (the consumer's group join takes a few s)
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/bin/echo")
                p.arguments = [tag]
                p.standardOutput = FileHandle.nullDevice
                try p.run()
                p.waitUntilExit()
                runs.append(p.processIdentifier)
                nextRun = Date().addingTimeInterval(5)
            }
            guard let m = try consumer.poll(timeoutMs: 200), let e = try? EventCodec.decode(m.value) else { continue }
            if e.host == host && e.exec.argv == ["/bin/echo", tag] || (e.host == host && e.exec.argv.last == tag) { found = e }
        }
        let e = try XCTUnwrap(found, "no execve event of /bin/echo \(tag) from the unprivileged agent:\n\(String(agent.output().suffix(4000)))")
        XCTAssertTrue(runs.contains(Int32(bitPattern: e.pid)), "pid \(e.pid) not one of \(runs)")
        XCTAssertEqual(e.exec.filename, "/bin/echo")
        XCTAssertEqual(e.ret, 0)
        XCTAssertEqual(e.uid, 0)
        XCTAssertTrue(agent.isRunning, agent.output())
    }

    func testAgentWithoutCapabilitiesRefusesToStartNamingTheMissingOnes() throws {
        let dir = try workDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let agent = try ChildProcess(
            name: "agent without capabilities", executable: Self.setpriv,
            arguments: ["--reuid", "65534", "--regid", "65534", "--clear-groups", "--inh-caps", "-all", "--bounding-set", "-all", "--",
                        ProjectPaths.infrasightBinary, "agent", "--brokers", "127.0.0.1:1"],
            environment: ["INFRASIGHT_BPF_DIR": ProjectPaths.bpfObjects, "INFRASIGHT_METRICS_ADDRESS": "off"],
            logPath: dir.appendingPathComponent("agent.log").path)
        let deadline = Date().addingTimeInterval(30)
        while agent.isRunning && Date() < deadline { usleep(100_000) }
        XCTAssertFalse(agent.isRunning, "the agent kept running without capabilities:\n\(agent.output())")
        if agent.isRunning { _ = agent.stop(grace: 2) }
        XCTAssertNotEqual(agent.process.terminationStatus, 0)
        let out = agent.output()
        XCTAssertTrue(out.contains("the agent lacks CAP_BPF and CAP_PERFMON"), out)
        XCTAssertTrue(out.contains("CAP_DAC_READ_SEARCH"), out)
        XCTAssertFalse(out.contains("probe attached"), out)
    }

    static func child(of pid: Int32) -> Int32? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Int32($0) }
    }
}

enum AgentCapsText {
    static func capEff(_ status: String) -> UInt64? {
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            return UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16)
        }
        return nil
    }
}
