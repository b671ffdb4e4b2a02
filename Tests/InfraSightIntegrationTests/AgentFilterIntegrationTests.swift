import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import InfraSightCore
import InfraSightKafka
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `infrasight agent` allow/deny filters, end to end on a real broker with real BPF, configured by a
/// YAML file and reloaded with SIGHUP:
/// 1. deny comm, uid, pid, cgroup (a cgroup directory created for the test, an actor moved into it)
///    and a path prefix: none of the denied syscalls reaches Kafka, each `filtered{<kind>,<probe>}`
///    counter (stats log and /metrics) rises by exactly the number of denied syscalls, and the same
///    syscalls from an undenied process arrive;
/// 2. the file is changed (deny pid of the former control process, allow a path prefix) and SIGHUP
///    sent: the new filters apply, the lifted ones no longer do, and the probes stay attached;
/// 3. an invalid file on SIGHUP is logged and the filters in force are kept.
/// Needs root, BPF and the broker; FAILS (never skips) without them.
final class AgentFilterIntegrationTests: XCTestCase {
    static let k = 7

    /// A python3 process that runs one command per stdin line and answers "ok" when it is done.
    final class Actor {
        static let script = """
        import os, sys
        def out(s):
            sys.stdout.write(s + "\\n"); sys.stdout.flush()
        out("ready")
        for line in sys.stdin:
            op, *a = line.split()
            if op == "comm":
                with open("/proc/self/comm", "w") as f: f.write(a[0])
            elif op == "uid":
                os.setuid(int(a[0]))
            elif op == "cgroup":
                with open(a[0] + "/cgroup.procs", "w") as f: f.write(str(os.getpid()))
            elif op == "chmod":
                for _ in range(int(a[1])): os.chmod(a[0], 0o644)
            elif op == "open":
                for _ in range(int(a[1])): os.close(os.open(a[0], os.O_RDONLY))
            elif op == "exec":
                for _ in range(int(a[1])): os.waitpid(os.posix_spawn(a[0], [a[0]], {}), 0)
            out("ok")
        """
        let name: String
        let process = Process()
        let stdin = Pipe(), stdout = Pipe()

        init(_ name: String) throws {
            self.name = name
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", Self.script]
            process.standardInput = stdin
            process.standardOutput = stdout
            try process.run()
            try expect("ready")
        }

        var pid: UInt32 { UInt32(process.processIdentifier) }

        /// Runs one command and waits for its "ok".
        func run(_ command: String) throws {
            stdin.fileHandleForWriting.write(Data((command + "\n").utf8))
            try expect("ok")
        }

        func expect(_ word: String) throws {
            let fd = stdout.fileHandleForReading.fileDescriptor
            var line: [UInt8] = []
            let deadline = Date().addingTimeInterval(60)
            while true {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard Date() < deadline else { throw TestSupportError("actor \(name): no \"\(word)\" within 60 s") }
                guard poll(&p, 1, 200) > 0 else { continue }
                var byte: UInt8 = 0
                guard read(fd, &byte, 1) == 1 else { throw TestSupportError("actor \(name) exited before \"\(word)\"") }
                if byte == 10 {
                    let text = String(decoding: line, as: UTF8.self)
                    guard text == word else { throw TestSupportError("actor \(name): expected \"\(word)\", got \"\(text)\"") }
                    return
                }
                line.append(byte)
            }
        }

        func stop() {
            try? stdin.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    /// Events of this test as they arrive: (probe, pid, path or comm).
    final class Collector: @unchecked Sendable {
        struct Seen: Hashable { let probe: String; let pid: UInt32; let what: String }
        let lock = NSLock()
        var seen: [Seen] = []
        var error: String?
        var stopped = false

        func start(brokers: String, host: String, dir: String, comms: Set<String>) {
            Thread {
                do {
                    let c = try KafkaConsumer(config: KafkaClientConfig(brokers: brokers, clientId: "filter-it"),
                                              groupId: "filter-it-\(UInt32.random(in: 0...UInt32.max))",
                                              topics: [Probe.open.rawTopic, Probe.chmod.rawTopic, Probe.execve.rawTopic])
                    defer { c.close() }
                    while !(self.lock.withLock { self.stopped }) {
                        guard let m = try c.poll(timeoutMs: 100) else { continue }
                        let e = try EventCodec.decode(m.value)
                        guard e.host == host else { continue }
                        let what: String
                        switch e.probe {
                        case "open": what = e.open.path
                        case "chmod": what = e.chmod.path
                        default: what = e.comm
                        }
                        guard what.hasPrefix(dir) || comms.contains(what) else { continue }
                        self.lock.withLock { self.seen.append(Seen(probe: e.probe, pid: e.pid, what: what)) }
                    }
                } catch {
                    self.lock.withLock { self.error = "\(error)" }
                }
            }.start()
        }

        func count(_ probe: String, _ what: String, pid: UInt32? = nil) -> Int {
            lock.withLock { seen.filter { $0.probe == probe && $0.what == what && (pid == nil || $0.pid == pid) }.count }
        }

        func stop() { lock.withLock { stopped = true } }
    }

    func testDeniedSyscallsNeverReachKafkaAreCountedExactlyAndSIGHUPReloadsTheFilters() throws {
        guard getuid() == 0 else { throw TestSupportError("the filter test needs root (BPF, cgroups); CI runs as root") }
        let k = Self.k
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("is-filter-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir + "/allowed", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/denied", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/other", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["comm-1", "comm-2", "uid-1", "pid-1", "cgroup-1", "cgroup-2", "control-1", "control-2", "control-3"] {
            FileManager.default.createFile(atPath: "\(dir)/allowed/\(name)", contents: nil)
        }
        for path in ["\(dir)/denied/f", "\(dir)/other/f"] { FileManager.default.createFile(atPath: path, contents: nil) }
        XCTAssertEqual(chown("\(dir)/allowed/uid-1", 4242, 4242), 0)
        let deniedComm = "isfltc\(UInt32.random(in: 10000...99999))", okComm = "isflto\(UInt32.random(in: 10000...99999))"
        for name in [deniedComm, okComm] { try FileManager.default.createSymbolicLink(atPath: "\(dir)/\(name)", withDestinationPath: "/bin/true") }

        // A cgroup v2 directory of our own.
        guard let cgroupRoot = Self.cgroup2Root() else { throw TestSupportError("no cgroup2 mount in /proc/self/mountinfo") }
        let cgroupName = "/infrasight-filter-it-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: cgroupRoot + cgroupName, withIntermediateDirectories: false)
        var actors: [Actor] = []
        defer {
            for a in actors { a.stop() }
            rmdir(cgroupRoot + cgroupName)
        }
        let commActor = try Actor("comm"), uidActor = try Actor("uid"), pidActor = try Actor("pid")
        let cgroupActor = try Actor("cgroup"), control = try Actor("control")
        actors = [commActor, uidActor, pidActor, cgroupActor, control]
        try commActor.run("comm \(deniedComm)")
        try uidActor.run("uid 4242")
        try cgroupActor.run("cgroup \(cgroupRoot + cgroupName)")

        let broker = try TansuBroker.start()
        defer { broker.stop() }
        let metricsPort = try FreePort.next()
        let env = ["INFRASIGHT_BROKERS": broker.bootstrap, "INFRASIGHT_BPF_DIR": ProjectPaths.bpfObjects,
                   "INFRASIGHT_LOG_LEVEL": "info", "INFRASIGHT_METRICS_ADDRESS": "127.0.0.1:\(metricsPort)"]
        let topics = try ChildProcess(name: "topics create", executable: ProjectPaths.infrasightBinary,
                                      arguments: ["topics", "create", "--partitions", "1"], environment: env,
                                      logPath: dir + "/topics.log")
        topics.process.waitUntilExit()
        XCTAssertEqual(topics.process.terminationStatus, 0, topics.output())

        // 1. Deny lists from the config file.
        let config = dir + "/agent.yaml"
        try """
        probes: [open, chmod, execve]
        deny-comm: [\(deniedComm)]
        deny-uid: ["4242"]
        deny-pid: ["\(pidActor.pid)"]
        deny-cgroup: [\(cgroupName)]
        deny-path-prefix: [\(dir)/denied/]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let host = "filter-it"
        let agent = try ChildProcess(name: "agent", executable: ProjectPaths.infrasightBinary,
                                     arguments: ["agent", "--config", config, "--node-name", host, "--stats-interval", "1"],
                                     environment: env, logPath: dir + "/agent.log")
        defer { _ = agent.stop(grace: 20) }
        for p in ["open", "chmod", "execve"] { try agent.waitForOutput(containing: "\(p) probe attached via", timeout: 60) }
        try agent.waitForOutput(containing: "filters: deny pid [\(pidActor.pid)]", timeout: 5)
        let collector = Collector()
        collector.start(brokers: broker.bootstrap, host: host, dir: dir, comms: [deniedComm, okComm])
        defer { collector.stop(); usleep(300_000) }

        try commActor.run("chmod \(dir)/allowed/comm-1 \(k)")
        try uidActor.run("chmod \(dir)/allowed/uid-1 \(k)")
        try pidActor.run("chmod \(dir)/allowed/pid-1 \(k)")
        try cgroupActor.run("chmod \(dir)/allowed/cgroup-1 \(k)")
        try control.run("chmod \(dir)/allowed/control-1 \(k)")
        try control.run("chmod \(dir)/denied/f \(k)")
        try control.run("open \(dir)/denied/f \(k)")
        try control.run("open \(dir)/other/f \(k)")
        try control.run("exec \(dir)/\(deniedComm) \(k)")
        try control.run("exec \(dir)/\(okComm) \(k)")

        for (reason, probe) in [("comm", "chmod"), ("uid", "chmod"), ("pid", "chmod"), ("cgroup", "chmod"),
                                ("path", "chmod"), ("path", "open"), ("comm", "execve")] {
            try waitForStat(agent, "filtered{\(reason),\(probe)}", k)
        }
        try waitForEvents(collector, agent, [("chmod", "\(dir)/allowed/control-1", k), ("open", "\(dir)/other/f", k),
                                             ("execve", okComm, k)])
        let metrics = try Self.get("http://127.0.0.1:\(metricsPort)/metrics")
        for reason in ["comm", "uid", "pid", "cgroup", "path"] {
            XCTAssertTrue(metrics.contains("infrasight_agent_events_filtered_total{probe=\"chmod\",reason=\"\(reason)\"} \(k)"),
                          "/metrics lacks filtered chmod \(reason) = \(k):\n\(metrics.split(separator: "\n").filter { $0.contains("filtered") }.joined(separator: "\n"))")
        }

        // 2. New file: deny the former control process, lift the comm, uid and cgroup denies, allow one prefix.
        try """
        probes: [open, chmod, execve]
        deny-pid: ["\(control.pid)"]
        allow-path-prefix: [\(dir)/allowed/]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        agent.signal(SIGHUP)
        try agent.waitForOutput(containing: "filters reloaded: ", timeout: 30)
        let reloadLine = agent.output().split(separator: "\n").first { $0.contains("filters reloaded: ") }.map(String.init) ?? ""
        for change in ["deny pid +\(control.pid) -\(pidActor.pid)", "deny comm -\(deniedComm)", "allow path +\(dir)/allowed/"] {
            XCTAssertTrue(reloadLine.contains(change), "reload log lacks \"\(change)\": \(reloadLine)")
        }
        try commActor.run("chmod \(dir)/allowed/comm-2 \(k)")
        try cgroupActor.run("chmod \(dir)/allowed/cgroup-2 \(k)")
        try control.run("chmod \(dir)/allowed/control-2 \(k)")
        try commActor.run("open \(dir)/allowed/comm-2 \(k)")
        try commActor.run("open \(dir)/other/f \(k)")
        try waitForStat(agent, "filtered{pid,chmod}", 2 * k)
        try waitForEvents(collector, agent, [("chmod", "\(dir)/allowed/comm-2", k), ("chmod", "\(dir)/allowed/cgroup-2", k),
                                             ("open", "\(dir)/allowed/comm-2", k)])

        // 3. An invalid file is refused; the filters in force stay.
        try "deny-uid: [no-such-user-\(UInt32.random(in: 0...UInt32.max))]\n".write(toFile: config, atomically: true, encoding: .utf8)
        agent.signal(SIGHUP)
        try agent.waitForOutput(containing: "filter reload failed, keeping the filters in force", timeout: 30)
        try control.run("chmod \(dir)/allowed/control-3 \(k)")
        try commActor.run("chmod \(dir)/allowed/comm-2 1")
        try waitForStat(agent, "filtered{pid,chmod}", 3 * k)
        try waitForEvents(collector, agent, [("chmod", "\(dir)/allowed/comm-2", k + 1)])

        // Nothing denied arrived; everything allowed arrived exactly once; nothing was re-attached.
        XCTAssertNil(collector.lock.withLock { collector.error })
        let denied: [(String, String)] = [("chmod", "allowed/comm-1"), ("chmod", "allowed/uid-1"), ("chmod", "allowed/pid-1"),
                                          ("chmod", "allowed/cgroup-1"), ("chmod", "denied/f"), ("open", "denied/f"),
                                          ("chmod", "allowed/control-2"), ("chmod", "allowed/control-3")]
        for (probe, path) in denied {
            XCTAssertEqual(collector.count(probe, "\(dir)/\(path)"), 0, "denied \(probe) of \(path) reached Kafka")
        }
        XCTAssertEqual(collector.count("execve", deniedComm), 0, "execs of the denied comm reached Kafka")
        XCTAssertEqual(collector.count("open", "\(dir)/other/f", pid: commActor.pid), 0, "an open outside the allowed prefix reached Kafka")
        XCTAssertEqual(collector.count("chmod", "\(dir)/allowed/control-1"), k)
        XCTAssertEqual(collector.count("open", "\(dir)/other/f", pid: control.pid), k)
        XCTAssertEqual(collector.count("execve", okComm), k)
        for p in ["open", "chmod", "execve"] {
            XCTAssertEqual(agent.output().components(separatedBy: "\(p) probe attached via").count - 1, 1, "the \(p) probe was attached again")
        }
        XCTAssertTrue(agent.isRunning, agent.output())
    }

    // MARK: helpers

    /// Waits until the agent's latest stats line has `key=value`; fails when it passes `value`.
    func waitForStat(_ p: ChildProcess, _ key: String, _ value: Int, timeout: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let line = p.output().split(separator: "\n").last { $0.contains(" stats ") || $0.contains("stats ") } ?? ""
            let current = line.split(separator: " ").first { $0.hasPrefix(key + "=") }.flatMap { Int($0.dropFirst(key.count + 1)) } ?? 0
            if current == value { return }
            guard current < value else { throw TestSupportError("\(key) is \(current), expected exactly \(value):\n\(line)") }
            guard p.isRunning, Date() < deadline else {
                throw TestSupportError("\(key) did not reach \(value) (is \(current)):\n\(p.output().suffix(4000))")
            }
            usleep(200_000)
        }
    }

    func waitForEvents(_ c: Collector, _ agent: ChildProcess, _ wanted: [(String, String, Int)], timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !wanted.allSatisfy({ c.count($0.0, $0.1) >= $0.2 }) {
            guard Date() < deadline else {
                let have = wanted.map { "\($0.0) \($0.1): \(c.count($0.0, $0.1))/\($0.2)" }.joined(separator: ", ")
                throw TestSupportError("events missing (\(have)); consumer error: \(c.lock.withLock { c.error } ?? "none")\n\(agent.output().suffix(3000))")
            }
            usleep(200_000)
        }
        for w in wanted { XCTAssertEqual(c.count(w.0, w.1), w.2, "\(w.0) \(w.1)") }
    }

    /// The cgroup2 mount point (fstype cgroup2, root of the hierarchy).
    static func cgroup2Root() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard let dash = f.firstIndex(of: "-"), dash + 1 < f.count, f[dash + 1] == "cgroup2", f.count > 4, f[3] == "/" else { continue }
            return String(f[4])
        }
        return nil
    }

    static func get(_ url: String) throws -> String {
        final class Reply: @unchecked Sendable { var body: String?; var error: Error? }
        let done = DispatchSemaphore(value: 0)
        let reply = Reply()
        URLSession.shared.dataTask(with: URL(string: url)!) { data, _, error in
            reply.body = data.map { String(decoding: $0, as: UTF8.self) }
            reply.error = error
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + 30) == .success else { throw TestSupportError("GET \(url) timed out") }
        if let error = reply.error { throw error }
        return reply.body ?? ""
    }
}
