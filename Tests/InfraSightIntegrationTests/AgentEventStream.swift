import Foundation
import InfraSightCore
import InfraSightKafka
import InfraSightTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The real `infrasight agent` (real BPF) publishing to a real tansu broker, with a Kafka consumer
/// that decodes every event of the chosen probes and keeps those of processes the test registered
/// (`watch(pid:)`). For tests that run processes and look at the events the agent made of them.
final class AgentEventStream: @unchecked Sendable {
    let broker: TansuBroker
    /// The agent process, or for a containerised agent `podman logs --follow` of its container.
    let agent: ChildProcess
    /// The agent's container (deploy/podman/run-agent.sh), when it runs in one.
    let containerID: String?
    let host: String
    let logDirectory: URL
    private let lock = NSLock()
    private var events: [Event] = []
    private var pids: Set<UInt32> = []
    private var containerIDs: Set<String> = []
    private var consumerError: String?
    private var stopping = false
    private var consumer: Thread?

    /// Starts a broker, creates the topics and starts the agent with `probes` and `extraArguments`;
    /// `launcher` (e.g. `["unshare", "--mount", …]`) runs in front of the agent binary when given.
    /// `inContainer` starts it instead with deploy/podman/run-agent.sh, from the image `make image` built.
    init(name: String, probes: [Probe], extraArguments: [String] = [], launcher: [String] = [], inContainer: Bool = false) throws {
        guard getuid() == 0 else { throw TestSupportError("\(name) needs root (BPF, cgroups)") }
        broker = try TansuBroker.start()
        host = name
        logDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("is-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        let env = ["INFRASIGHT_BROKERS": broker.bootstrap, "INFRASIGHT_BPF_DIR": ProjectPaths.bpfObjects,
                   "INFRASIGHT_LOG_LEVEL": "debug"]
        let topics = try ChildProcess(name: "topics create", executable: ProjectPaths.infrasightBinary,
                                      arguments: ["topics", "create", "--partitions", "1"], environment: env,
                                      logPath: logDirectory.appendingPathComponent("topics.log").path)
        topics.process.waitUntilExit()
        guard topics.process.terminationStatus == 0 else { throw TestSupportError("topics create failed:\n\(topics.output())") }
        let agentArguments = ["agent", "--probes", probes.map(\.rawValue).joined(separator: ","), "--node-name", name,
                              "--stats-interval", "2", "--metrics-address", "off"] + extraArguments
        if inContainer {
            let id = try Self.runAgentContainer(name: name, brokers: broker.bootstrap, agentArguments: Array(agentArguments.dropFirst()),
                                                log: logDirectory.appendingPathComponent("run-agent.log").path)
            containerID = id
            agent = try ChildProcess(name: "agent container logs", executable: try Podman.which("podman"),
                                     arguments: Podman.global + ["logs", "--follow", id],
                                     logPath: logDirectory.appendingPathComponent("agent.log").path)
        } else {
            let executable = launcher.first ?? ProjectPaths.infrasightBinary
            let arguments = launcher.isEmpty ? agentArguments : Array(launcher.dropFirst()) + [ProjectPaths.infrasightBinary] + agentArguments
            containerID = nil
            agent = try ChildProcess(name: "agent", executable: executable, arguments: arguments, environment: env,
                                     logPath: logDirectory.appendingPathComponent("agent.log").path)
        }
        let deadline = Date().addingTimeInterval(60)
        while !probes.allSatisfy({ agent.output().contains("\($0.rawValue) probe attached via") }) {
            guard agent.isRunning else { throw TestSupportError("agent exited:\n\(agent.output())") }
            guard Date() < deadline else { throw TestSupportError("agent did not attach every probe:\n\(agent.output())") }
            usleep(200_000)
        }
        let brokers = broker.bootstrap
        let t = Thread { [self] in consume(brokers: brokers, topics: probes.map(\.rawTopic)) }
        consumer = t
        t.start()
    }

    /// deploy/podman/run-agent.sh BROKERS ARGS as a user would run it; the container id is its last line.
    private static func runAgentContainer(name: String, brokers: String, agentArguments: [String], log: String) throws -> String {
        let script = ProjectPaths.root.appendingPathComponent("deploy/podman/run-agent.sh").path
        let run = try ChildProcess(name: "run-agent.sh", executable: "/bin/bash", arguments: [script, brokers] + agentArguments,
                                   environment: ["INFRASIGHT_AGENT_NAME": "infrasight-it-agent-\(name)",
                                                 "INFRASIGHT_IMAGE": Podman.infrasightImage],
                                   logPath: log)
        run.process.waitUntilExit()
        let output = run.output()
        guard run.process.terminationStatus == 0 else { throw TestSupportError("run-agent.sh exited \(run.process.terminationStatus):\n\(output)") }
        let id = output.split(separator: "\n").last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        guard id.count == 64, id.allSatisfy(\.isHexDigit) else { throw TestSupportError("run-agent.sh did not end with a container id:\n\(output)") }
        return id
    }

    /// Keep the events of process `pid`.
    func watch(pid: UInt32) {
        lock.lock(); pids.insert(pid); lock.unlock()
    }

    /// Keep the events of every process in container `id` (as the agent identified it).
    func watch(containerID id: String) {
        lock.lock(); containerIDs.insert(id); lock.unlock()
    }

    /// The kept events matching `match`, waiting (up to `timeout`) until there are at least `count`.
    func events(count: Int = 1, timeout: TimeInterval = 30, where match: (Event) -> Bool) -> [Event] {
        let deadline = Date().addingTimeInterval(timeout)
        var found: [Event] = []
        repeat {
            lock.lock(); found = events.filter(match); lock.unlock()
            if found.count >= count { break }
            usleep(50_000)
        } while Date() < deadline
        return found
    }

    /// Consumer error (if any) and the end of the agent log, for failure messages.
    var diagnostics: String {
        lock.lock(); let error = consumerError ?? "none"; lock.unlock()
        return "consumer error: \(error)\nagent log (end):\n\(String(agent.output().suffix(4000)))"
    }

    func stop() {
        lock.lock(); stopping = true; lock.unlock()
        while consumer?.isFinished == false { usleep(50_000) }
        if let containerID {
            _ = try? Podman.run(["stop", "--time", "20", containerID])
            _ = try? Podman.run(["rm", "--force", "--ignore", containerID])
        }
        _ = agent.stop(grace: 20)
        broker.stop()
    }

    private func consume(brokers: String, topics: [String]) {
        do {
            let consumer = try KafkaConsumer(config: KafkaClientConfig(brokers: brokers, clientId: host),
                                             groupId: "\(host)-\(UInt32.random(in: 0...UInt32.max))", topics: topics)
            defer { consumer.close() }
            while true {
                lock.lock(); let stop = stopping; lock.unlock()
                if stop { return }
                guard let m = try consumer.poll(timeoutMs: 100) else { continue }
                guard let e = try? EventCodec.decode(m.value) else {
                    lock.lock(); consumerError = "undecodable message on \(m.topic)"; lock.unlock()
                    continue
                }
                lock.lock()
                if pids.contains(e.pid) || (!e.containerID.isEmpty && containerIDs.contains(e.containerID)) { events.append(e) }
                lock.unlock()
            }
        } catch {
            lock.lock(); consumerError = "\(error)"; lock.unlock()
        }
    }
}
