import Foundation
import InfraSightCore
import InfraSightKafka
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

typealias SC = ProbeSyscalls
typealias SK = ProbeSockets

/// Every non-exec probe through the real path: the `infrasight agent` binary (one process for all
/// tests) attaches the BPF probes and publishes to `infrasight.raw.<probe>` on a real tansu broker;
/// a Kafka consumer reads the topics back, `EventCodec.decode`s them and the tests find their own
/// events by pid + a unique path / port and assert the fields.
final class AgentProbeIntegrationTests: XCTestCase {
    nonisolated(unsafe) static var broker: TansuBroker?
    nonisolated(unsafe) static var agent: ChildProcess?
    nonisolated(unsafe) static var startupError: Error?
    nonisolated(unsafe) static var consumerThread: Thread?
    nonisolated(unsafe) static var stopConsumer = false
    static let lock = NSLock()
    nonisolated(unsafe) static var received: [(topic: String, key: String, event: Event)] = []
    nonisolated(unsafe) static var consumerError: String?
    // kernel first: the agent's own program loads for every later probe pass its hook (self-exclusion)
    static let probes: [Probe] = [.kernel, .open, .chmod, .connect, .accept, .exit, .ptrace, .mount, .execve, .setid, .dup, .socket, .link, .bind, .sendto]
    static let me = UInt32(getpid())
    static let host = "agent-probe-it"

    override class func setUp() {
        super.setUp()
        do {
            guard getuid() == 0 else { throw TestSupportError("the agent probe test needs root (BPF)") }
            let b = try TansuBroker.start()
            broker = b
            let env = ["INFRASIGHT_BROKERS": b.bootstrap, "INFRASIGHT_BPF_DIR": ProjectPaths.bpfObjects,
                       "INFRASIGHT_LOG_LEVEL": "info"]
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("is-agent-probe-\(getpid())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let topics = try ChildProcess(name: "topics create", executable: ProjectPaths.infrasightBinary,
                                          arguments: ["topics", "create", "--partitions", "1"], environment: env,
                                          logPath: dir.appendingPathComponent("topics.log").path)
            topics.process.waitUntilExit()
            guard topics.process.terminationStatus == 0 else { throw TestSupportError("topics create failed:\n\(topics.output())") }
            let a = try ChildProcess(name: "agent", executable: ProjectPaths.infrasightBinary,
                                     arguments: ["agent", "--probes", probes.map(\.rawValue).joined(separator: ","),
                                                 "--node-name", host, "--stats-interval", "2"],
                                     environment: env, logPath: dir.appendingPathComponent("agent.log").path)
            agent = a
            let deadline = Date().addingTimeInterval(60)
            while !probes.allSatisfy({ a.output().contains("\($0.rawValue) probe attached via") }) {
                guard a.isRunning else { throw TestSupportError("agent exited:\n\(a.output())") }
                guard Date() < deadline else { throw TestSupportError("agent did not attach every probe:\n\(a.output())") }
                usleep(200_000)
            }
            startConsumer(brokers: b.bootstrap)
        } catch {
            startupError = error
        }
    }

    override class func tearDown() {
        stopConsumer = true
        usleep(300_000)
        _ = agent?.stop(grace: 20)
        broker?.stop()
        super.tearDown()
    }

    static func startConsumer(brokers: String) {
        let t = Thread {
            do {
                let consumer = try KafkaConsumer(config: KafkaClientConfig(brokers: brokers, clientId: "agent-probe-it"),
                                                 groupId: "agent-probe-it-\(UInt32.random(in: 0...UInt32.max))",
                                                 topics: probes.map(\.rawTopic))
                defer { consumer.close() }
                while !stopConsumer {
                    guard let m = try consumer.poll(timeoutMs: 100) else { continue }
                    guard let e = try? EventCodec.decode(m.value) else {
                        lock.lock(); consumerError = "undecodable message on \(m.topic)"; lock.unlock()
                        continue
                    }
                    // this process, its children, and deeper descendants (a helper run under strace)
                    guard e.pid == me || e.ppid == me || e.process.ancestors.contains(where: { $0.pid == me }) else { continue }
                    let key = m.key.map { String(decoding: $0, as: UTF8.self) } ?? ""
                    lock.lock(); received.append((m.topic, key, e)); lock.unlock()
                }
            } catch {
                lock.lock(); consumerError = "\(error)"; lock.unlock()
            }
        }
        consumerThread = t
        t.start()
    }

    func ready() throws {
        if let e = Self.startupError { throw TestSupportError("agent pipeline did not start: \(e)") }
    }

    /// Waits until `match` finds `count` events of `probe`; returns them in arrival order.
    func events(_ probe: Probe, count: Int, timeout: TimeInterval = 30, where match: (Event) -> Bool) -> [Event] {
        let deadline = Date().addingTimeInterval(timeout)
        var found: [(topic: String, key: String, event: Event)] = []
        repeat {
            Self.lock.lock()
            found = Self.received.filter { $0.event.probe == probe.rawValue && match($0.event) }
            Self.lock.unlock()
            if found.count >= count { break }
            usleep(100_000)
        } while Date() < deadline
        XCTAssertEqual(found.count, count, "\(probe) events; consumer error: \(Self.consumerError ?? "none")\n\(String((Self.agent?.output() ?? "").suffix(3000)))")
        for f in found {
            XCTAssertEqual(f.topic, probe.rawTopic)
            XCTAssertEqual(f.key, "\(Self.host)/\(f.event.pid)")
        }
        return found.map(\.event)
    }

    func assertCommon(_ e: Event, ret: Int64, pid: UInt32 = AgentProbeIntegrationTests.me, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(e.eventID.isEmpty, file: file, line: line)
        XCTAssertEqual(e.schemaVersion, 1, file: file, line: line)
        XCTAssertEqual(e.host, Self.host, file: file, line: line)
        XCTAssertEqual(e.pid, pid, file: file, line: line)
        XCTAssertEqual(e.uid, 0, file: file, line: line)
        XCTAssertEqual(e.user, "root", file: file, line: line)
        XCTAssertEqual(e.ret, ret, file: file, line: line)
        XCTAssertGreaterThan(e.cgroupID, 0, file: file, line: line)
        XCTAssertFalse(e.comm.isEmpty, file: file, line: line)
        XCTAssertGreaterThan(e.ktimeNs, 0, file: file, line: line)
        let now = UInt64(Date().timeIntervalSince1970 * 1e9)
        XCTAssertLessThan(e.timeNs > now ? e.timeNs - now : now - e.timeNs, 120_000_000_000, "time_ns near now", file: file, line: line)
        if pid == Self.me {
            XCTAssertEqual(e.tid, UInt32(SC.gettid()), file: file, line: line)
            XCTAssertEqual(e.ppid, UInt32(getppid()), file: file, line: line)
            XCTAssertGreaterThan(e.latencyNs, 0, file: file, line: line)
        }
    }

    func tempDir() throws -> String {
        let d = NSTemporaryDirectory() + "is-agent-probe-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// memfd_create through the agent: an open event named by the call, with the memfd's path resolved.
    func testMemfdCreateArrivesAsAnOpenEvent() throws {
        try ready()
        let name = "it-memfd-\(UInt32.random(in: 0...UInt32.max))"
        let fd = SC.withPath(name) { SC.call(SC.memfdCreate, $0, SC.MFD_CLOEXEC) }
        XCTAssertGreaterThanOrEqual(fd, 0)
        if fd >= 0 { close(Int32(fd)) }
        let evs = events(.open, count: 1) { $0.pid == Self.me && $0.open.syscall == "memfd_create" && $0.open.path == name }
        guard let e = evs.first else { return }
        assertCommon(e, ret: Int64(fd))
        XCTAssertEqual(e.open.flags, UInt32(SC.MFD_CLOEXEC)); XCTAssertEqual(e.open.fd, Int32(fd))
        XCTAssertEqual(e.open.resolvedPath, "/memfd:" + name); XCTAssertFalse(e.open.resolvedLexical)
    }

    func testOpenEventsArriveWithExactFields() throws {
        try ready()
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/f", missing = dir + "/nope"
        FileManager.default.createFile(atPath: file, contents: nil)
        let dfd = open(dir, O_RDONLY | O_DIRECTORY)
        defer { close(dfd) }
        let r1 = SC.withPath(file) { SC.call(SC.open, $0, Int(O_WRONLY | O_APPEND | O_CLOEXEC)) }
        let r2 = SC.withPath(missing) { SC.call(SC.openat, -100, $0, Int(O_RDONLY)) }
        let r3 = SC.withPath(dir + "/new") { SC.call(SC.openat, -100, $0, Int(O_RDWR | O_CREAT | O_TRUNC), 0o600) }
        var how = (UInt64(O_RDONLY | O_CLOEXEC), UInt64(0), UInt64(0x08))
        let r4 = SC.withPath("f") { p in withUnsafeMutableBytes(of: &how) { SC.call(SC.openat2, Int(dfd), p, Int(bitPattern: $0.baseAddress), 24) } }
        for r in [r1, r3, r4] where r >= 0 { close(Int32(r)) }
        XCTAssertEqual(r2, -Int(ENOENT))
        let evs = events(.open, count: 4) { e in
            e.pid == Self.me && ((e.open.path == file && e.open.syscall == "open") || e.open.path == missing
                || e.open.path == dir + "/new" || (e.open.syscall == "openat2" && e.open.path == "f" && e.open.dirfd == dfd))
        }
        guard evs.count == 4 else { return }
        let byPath = Dictionary(evs.map { ($0.open.path, $0) }, uniquingKeysWith: { a, _ in a })
        if let e = byPath[file] {
            assertCommon(e, ret: Int64(r1))
            XCTAssertEqual(e.open.syscall, "open"); XCTAssertEqual(e.open.dirfd, -100)
            XCTAssertEqual(e.open.flags, UInt32(O_WRONLY | O_APPEND | O_CLOEXEC)); XCTAssertEqual(e.open.fd, Int32(r1))
        } else { XCTFail("open(2) missing") }
        if let e = byPath[missing] {
            assertCommon(e, ret: -Int64(ENOENT))
            XCTAssertEqual(e.open.syscall, "openat"); XCTAssertEqual(e.open.fd, -1); XCTAssertEqual(e.open.flags, 0)
        } else { XCTFail("failed openat missing") }
        if let e = byPath[dir + "/new"] {
            assertCommon(e, ret: Int64(r3))
            XCTAssertEqual(e.open.flags, UInt32(O_RDWR | O_CREAT | O_TRUNC)); XCTAssertEqual(e.open.mode, 0o600)
        } else { XCTFail("openat O_CREAT missing") }
        if let e = byPath["f"] {
            assertCommon(e, ret: Int64(r4))
            XCTAssertEqual(e.open.syscall, "openat2"); XCTAssertEqual(e.open.resolve, 0x08)
            XCTAssertEqual(e.open.flags, UInt32(O_RDONLY | O_CLOEXEC)); XCTAssertEqual(e.open.dirfd, dfd)
        } else { XCTFail("openat2 missing") }
        for e in evs { XCTAssertFalse(e.open.pathTruncated) }
        // resolved paths: the opened file for the three that succeeded, the cwd joined for the failure
        let real = realPath(dir)
        XCTAssertEqual(byPath[file]?.open.resolvedPath, real + "/f")
        XCTAssertEqual(byPath[dir + "/new"]?.open.resolvedPath, real + "/new")
        XCTAssertEqual(byPath["f"]?.open.resolvedPath, real + "/f", "openat2 relative to a dirfd")
        XCTAssertEqual(byPath[missing]?.open.resolvedPath, real + "/nope")
        XCTAssertEqual(byPath[missing]?.open.resolvedLexical, true)
        for p in [file, dir + "/new", "f"] { XCTAssertEqual(byPath[p]?.open.resolvedLexical, false, p) }
        for e in evs { XCTAssertFalse(e.open.resolvedTruncated) }
    }

    func testChmodEventsArriveWithExactFields() throws {
        try ready()
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/c"
        FileManager.default.createFile(atPath: file, contents: nil)
        let fd = open(file, O_RDONLY)
        let dfd = open(dir, O_RDONLY | O_DIRECTORY)
        defer { close(fd); close(dfd) }
        let mode1 = 0o601 + Int.random(in: 0...6) * 0o10
        XCTAssertEqual(SC.withPath(file) { SC.call(SC.chmod, $0, mode1) }, 0)
        XCTAssertEqual(SC.call(SC.fchmod, Int(fd), 0o640), 0)
        XCTAssertEqual(SC.withPath("c") { SC.call(SC.fchmodat, Int(dfd), $0, 0o644) }, 0)
        XCTAssertEqual(SC.withPath(file) { SC.call(SC.fchmodat2, -100, $0, 0o600, 0x100) }, 0)
        XCTAssertEqual(SC.withPath(dir + "/missing") { SC.call(SC.chmod, $0, 0o777) }, -Int(ENOENT))
        let evs = events(.chmod, count: 5) { $0.chmod.path.hasPrefix(dir) || ($0.chmod.syscall == "fchmod" && $0.chmod.fd == fd) || ($0.chmod.path == "c" && $0.chmod.fd == dfd) }
        guard evs.count == 5 else { return }
        XCTAssertEqual(evs.map(\.chmod.syscall), ["chmod", "fchmod", "fchmodat", "fchmodat2", "chmod"])
        XCTAssertEqual(evs.map(\.chmod.mode), [UInt32(mode1), 0o640, 0o644, 0o600, 0o777])
        XCTAssertEqual(evs.map(\.chmod.fd), [-100, fd, dfd, -100, -100])
        XCTAssertEqual(evs.map(\.chmod.flags), [0, 0, 0, 0x100, 0])
        XCTAssertEqual(evs.map(\.chmod.path), [file, "", "c", file, dir + "/missing"])
        for (e, r) in zip(evs, [0, 0, 0, 0, -Int64(ENOENT)]) { assertCommon(e, ret: r) }
        // fchmod names its fd's file; the others only a path string: joined onto the cwd or dirfd
        let real = realPath(dir)
        XCTAssertEqual(evs.map(\.chmod.resolvedPath), [real + "/c", real + "/c", real + "/c", real + "/c", real + "/missing"])
        XCTAssertEqual(evs.map(\.chmod.resolvedLexical), [true, false, true, true, true])
        XCTAssertEqual(evs.map(\.chmod.resolvedTruncated), [false, false, false, false, false])
    }

    func testConnectEventsArriveForTCPUDPIPv4IPv6UnixAndRefused() throws {
        try ready()
        var fds: [Int32] = []
        defer { for f in fds { close(f) } }
        let (l4, p4) = SK.bound(family: AF_INET, type: Int32(SOCK_STREAM.rawValue))
        let (l6, p6) = SK.bound(family: AF_INET6, type: Int32(SOCK_STREAM.rawValue))
        let t4 = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0), t6 = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        let u4 = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0), u6 = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        let (closed, pClosed) = SK.bound(family: AF_INET, type: Int32(SOCK_STREAM.rawValue), listen: false)
        close(closed)
        let rf = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let dir = try tempDir()
        let path = dir + "/c.sock"
        let ul = SK.unixListener(path), uc = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        fds += [l4, l6, t4, t6, u4, u6, rf, ul, uc]
        XCTAssertEqual(SK.connectTo(t4, family: AF_INET, port: p4), 0)
        XCTAssertEqual(SK.connectTo(t6, family: AF_INET6, port: p6), 0)
        XCTAssertEqual(SK.connectTo(u4, family: AF_INET, port: p4), 0)
        XCTAssertEqual(SK.connectTo(u6, family: AF_INET6, port: p6), 0)
        XCTAssertEqual(SK.connectTo(rf, family: AF_INET, port: pClosed), -ECONNREFUSED)
        XCTAssertEqual(SK.unixConnect(uc, path), 0)
        let ports: Set<UInt32> = [UInt32(p4), UInt32(p6), UInt32(pClosed)]
        let evs = events(.connect, count: 6) { $0.pid == Self.me && (ports.contains($0.socket.remotePort) || $0.socket.unixPath == path) }
        guard evs.count == 6 else { return }
        let lo4 = Data([127, 0, 0, 1]), lo6 = Data([UInt8](repeating: 0, count: 15) + [1])
        struct Want { var fd: Int32; var family: UInt32; var type: UInt32; var proto: UInt32; var addr: Data; var port: UInt16; var ret: Int64 }
        let wants = [Want(fd: t4, family: 2, type: 1, proto: 6, addr: lo4, port: p4, ret: 0),
                     Want(fd: t6, family: 10, type: 1, proto: 6, addr: lo6, port: p6, ret: 0),
                     Want(fd: u4, family: 2, type: 2, proto: 17, addr: lo4, port: p4, ret: 0),
                     Want(fd: u6, family: 10, type: 2, proto: 17, addr: lo6, port: p6, ret: 0),
                     Want(fd: rf, family: 2, type: 1, proto: 6, addr: lo4, port: pClosed, ret: -Int64(ECONNREFUSED))]
        for w in wants {
            guard let e = evs.first(where: { $0.socket.fd == w.fd }) else { XCTFail("no connect event for fd \(w.fd)"); continue }
            assertCommon(e, ret: w.ret)
            XCTAssertEqual(e.socket.syscall, "connect")
            XCTAssertEqual([e.socket.family, e.socket.sockType, e.socket.protocol], [w.family, w.type, w.proto])
            XCTAssertEqual(e.socket.remoteAddr, w.addr); XCTAssertEqual(e.socket.remotePort, UInt32(w.port))
            XCTAssertEqual(e.socket.localAddr, w.addr)
            if w.ret == 0 { XCTAssertEqual(e.socket.localPort, UInt32(SK.localPort(w.fd))) } else { XCTAssertNotEqual(e.socket.localPort, 0) }
            XCTAssertEqual(e.socket.newFd, -1)
        }
        if let e = evs.first(where: { $0.socket.fd == uc }) {
            assertCommon(e, ret: 0)
            XCTAssertEqual(e.socket.family, 1); XCTAssertEqual(e.socket.unixPath, path); XCTAssertEqual(e.socket.sockType, 1)
        } else { XCTFail("no unix connect event") }
        try? FileManager.default.removeItem(atPath: dir)
    }

    func testAcceptEventsArriveWithExactFields() throws {
        try ready()
        var fds: [Int32] = []
        defer { for f in fds { close(f) } }
        let (l4, p4) = SK.bound(family: AF_INET, type: Int32(SOCK_STREAM.rawValue))
        let (l6, p6) = SK.bound(family: AF_INET6, type: Int32(SOCK_STREAM.rawValue))
        let c4 = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0), c6 = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        let (nb, pnb) = SK.bound(family: AF_INET, type: Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
        fds += [l4, l6, c4, c6, nb]
        XCTAssertEqual(SK.connectTo(c4, family: AF_INET, port: p4), 0)
        XCTAssertEqual(SK.connectTo(c6, family: AF_INET6, port: p6), 0)
        let a4 = SC.call(SC.accept, Int(l4), 0, 0)
        let flags = Int(SOCK_CLOEXEC.rawValue)
        let a6 = SC.call(SC.accept4, Int(l6), 0, 0, flags)
        let fail = SC.call(SC.accept4, Int(nb), 0, 0, 0)
        XCTAssertEqual(fail, -Int(EAGAIN))
        for a in [a4, a6] where a >= 0 { fds.append(Int32(a)) }
        let ports: Set<UInt32> = [UInt32(p4), UInt32(p6), UInt32(pnb)]
        let evs = events(.accept, count: 3) { $0.pid == Self.me && ports.contains($0.socket.localPort) }
        guard evs.count == 3 else { return }
        if let e = evs.first(where: { $0.socket.fd == l4 }) {
            assertCommon(e, ret: Int64(a4))
            XCTAssertEqual(e.socket.syscall, "accept"); XCTAssertEqual(e.socket.newFd, Int32(a4))
            XCTAssertEqual([e.socket.family, e.socket.sockType, e.socket.protocol], [2, 1, 6])
            XCTAssertEqual(e.socket.localAddr, Data([127, 0, 0, 1])); XCTAssertEqual(e.socket.remoteAddr, Data([127, 0, 0, 1]))
            XCTAssertEqual(e.socket.remotePort, UInt32(SK.localPort(c4))); XCTAssertEqual(e.socket.flags, 0)
        } else { XCTFail("accept event missing") }
        if let e = evs.first(where: { $0.socket.fd == l6 }) {
            assertCommon(e, ret: Int64(a6))
            XCTAssertEqual(e.socket.syscall, "accept4"); XCTAssertEqual(e.socket.flags, UInt32(flags))
            XCTAssertEqual(e.socket.family, 10); XCTAssertEqual(e.socket.remotePort, UInt32(SK.localPort(c6)))
            XCTAssertEqual(e.socket.localAddr, Data([UInt8](repeating: 0, count: 15) + [1]))
        } else { XCTFail("accept4 event missing") }
        if let e = evs.first(where: { $0.socket.fd == nb }) {
            assertCommon(e, ret: -Int64(EAGAIN))
            XCTAssertEqual(e.socket.newFd, -1); XCTAssertEqual(e.socket.localPort, UInt32(pnb))
        } else { XCTFail("failed accept4 event missing") }
    }

    func testExitEventsArriveWithCodeAndSignal() throws {
        try ready()
        let coded = SC.spawn(["/bin/sh", "-c", "exit 42"])
        SC.wait(coded)
        let killed = SC.spawn(["/bin/sleep", "30"])
        usleep(100_000)
        kill(killed, SIGKILL)
        SC.wait(killed)
        let evs = events(.exit, count: 2) { $0.pid == UInt32(coded) || $0.pid == UInt32(killed) }
        guard evs.count == 2 else { return }
        for e in evs {
            assertCommon(e, ret: 0, pid: e.pid)
            XCTAssertEqual(e.ppid, Self.me); XCTAssertEqual(e.tid, e.pid)
        }
        let a = evs.first { $0.pid == UInt32(coded) }!, b = evs.first { $0.pid == UInt32(killed) }!
        XCTAssertEqual([a.exit.exitCode, a.exit.signal], [42, 0]); XCTAssertFalse(a.exit.coreDumped); XCTAssertEqual(a.comm, "sh")
        XCTAssertEqual([b.exit.exitCode, b.exit.signal], [0, SIGKILL]); XCTAssertEqual(b.comm, "sleep")
    }

    func testPtraceEventsArriveWithExactFields() throws {
        try ready()
        let child = SC.spawn(["/bin/sleep", "30"])
        defer { kill(child, SIGKILL); SC.wait(child) }
        XCTAssertEqual(SC.call(SC.ptrace, 2, Int(child), 0x1234, 0x5678), -Int(ESRCH))
        XCTAssertEqual(SC.call(SC.ptrace, 16, Int(child), 0, 0), 0)
        SC.wait(child, options: Int32(__WALL))
        XCTAssertEqual(SC.call(SC.ptrace, 17, Int(child), 0, 0), 0)
        let evs = events(.ptrace, count: 3) { $0.ptrace.targetPid == UInt32(child) }
        guard evs.count == 3 else { return }
        XCTAssertEqual(evs.map(\.ptrace.request), [2, 16, 17])
        XCTAssertEqual(evs.map(\.ptrace.addr), [0x1234, 0, 0])
        XCTAssertEqual(evs.map(\.ptrace.data), [0x5678, 0, 0])
        for (e, r) in zip(evs, [-Int64(ESRCH), 0, 0]) { assertCommon(e, ret: r) }
    }

    func testMountEventsArriveWithExactFields() throws {
        try ready()
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = "is-it-\(UInt32.random(in: 0...UInt32.max))"
        XCTAssertEqual(mount(source, dir, "tmpfs", UInt(MS_NOEXEC), "size=1m"), 0)
        XCTAssertEqual(umount2(dir, 0), 0)
        XCTAssertEqual(umount2(dir, 0), -1)
        let evs = events(.mount, count: 3) { $0.mount.target == dir }
        guard evs.count == 3 else { return }
        XCTAssertEqual(evs.map(\.mount.syscall), ["mount", "umount2", "umount2"])
        XCTAssertEqual(evs.map(\.mount.source), [source, "", ""])
        XCTAssertEqual(evs.map(\.mount.fsType), ["tmpfs", "", ""])
        XCTAssertEqual(evs.map(\.mount.flags), [UInt64(MS_NOEXEC), 0, 0])
        for (e, r) in zip(evs, [0, 0, -Int64(EINVAL)]) { assertCommon(e, ret: r) }
    }

    /// The new mount API through the agent: a tmpfs made with fsopen, fsmount and move_mount, then
    /// unmounted; each call is one event with the fields the kernel test checks, and the right syscall name.
    func testNewMountAPIEventsArriveWithExactFields() throws {
        try ready()
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        typealias S = ProbeSyscalls
        let fs = S.withPath("tmpfs") { S.call(S.fsopen, $0, 0) }
        XCTAssertGreaterThanOrEqual(fs, 0, "fsopen: \(fs)")
        defer { close(Int32(fs)) }
        XCTAssertEqual(S.call(S.fsconfig, fs, S.FSCONFIG_CMD_CREATE, 0, 0, 0), 0)
        let mnt = S.call(S.fsmount, fs, 0, S.MOUNT_ATTR_NOEXEC)
        XCTAssertGreaterThanOrEqual(mnt, 0, "fsmount: \(mnt)")
        defer { close(Int32(mnt)) }
        let moved = S.withPath("") { empty in S.withPath(dir) { S.call(S.moveMount, mnt, empty, Int(AT_FDCWD), $0, S.MOVE_MOUNT_F_EMPTY_PATH) } }
        XCTAssertEqual(moved, 0, "move_mount")
        XCTAssertEqual(umount2(dir, Int32(MNT_DETACH)), 0)
        let me = UInt32(getpid())
        let newAPI: Set<String> = ["fsopen", "fsmount", "move_mount"]
        let evs = events(.mount, count: 4) { $0.pid == me && (newAPI.contains($0.mount.syscall) || $0.mount.target == dir) }
        guard evs.count == 4 else { return }
        XCTAssertEqual(evs.map(\.mount.syscall), ["fsopen", "fsmount", "move_mount", "umount2"])
        XCTAssertEqual(evs.map(\.mount.fsType), ["tmpfs", "", "", ""])
        XCTAssertEqual(evs.map(\.mount.target), ["", "", dir, dir])
        XCTAssertEqual(evs.map(\.mount.flags), [0, UInt64(S.MOUNT_ATTR_NOEXEC), UInt64(S.MOVE_MOUNT_F_EMPTY_PATH), UInt64(MNT_DETACH)])
        for (e, r) in zip(evs, [Int64(fs), Int64(mnt), 0, 0]) { assertCommon(e, ret: r) }
    }

    /// A python child lowers and raises its effective ids and sets its capabilities while strace is
    /// attached; every call strace saw is an event with the same ids asked for and the same return value.
    func testSetidEventsMatchWhatStraceSaw() throws {
        try ready()
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = """
        import ctypes, time
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        def call(nr, *a): return libc.syscall(ctypes.c_long(nr), *[x if isinstance(x, ctypes.Array) else ctypes.c_long(x) for x in a])
        import os, sys
        # strace reports syscalls a little after it attached: wait until it logged one (getppid, a marker)
        deadline = time.time() + 20
        while 'getppid(' not in open(sys.argv[1]).read() and time.time() < deadline: os.getppid(); time.sleep(0.01)
        N = 0xffffffff
        call(119, N, 1234, N); call(117, N, 65534, N); call(105, 0); call(114, N, 0); call(113, 0, N); call(106, 0)
        call(105, N)
        hdr = (ctypes.c_uint32 * 2)(0x20080522, 0); data = (ctypes.c_uint32 * 6)()
        assert call(125, hdr, data) == 0
        call(126, hdr, data)
        other = (ctypes.c_uint32 * 2)(0x20080522, 1)
        call(126, other, data)
        print(data[0] | data[3] << 32, data[1] | data[4] << 32, data[2] | data[5] << 32, flush=True)
        """
        let log = dir + "/strace.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let child = try ChildProcess(name: "setid helper", executable: "/usr/bin/python3", arguments: ["-c", script, log],
                                     environment: [:], logPath: dir + "/caps")
        let strace = SC.spawn(["/usr/bin/strace", "-qq", "-o", log, "-e",
                               "trace=getppid,setuid,setgid,setreuid,setregid,setresuid,setresgid,capset", "-p", "\(child.pid)"])
        child.process.waitUntilExit()
        SC.wait(strace)
        XCTAssertEqual(child.process.terminationStatus, 0, child.output())
        let seen = try StraceSyscallLog(contentsOf: log).calls.filter { $0.name != "getppid" }
        XCTAssertEqual(seen.map(\.name), ["setresgid", "setresuid", "setuid", "setregid", "setreuid", "setgid", "setuid", "capset", "capset"],
                       "strace saw: \(seen)")
        let evs = events(.setid, count: seen.count) { $0.pid == UInt32(child.pid) }
        guard evs.count == seen.count else { return }
        for (e, call) in zip(evs, seen) {
            XCTAssertEqual(e.setid.syscall, call.name)
            assertCommon(e, ret: call.ret, pid: UInt32(child.pid))
            XCTAssertEqual(e.ppid, Self.me)
            guard call.name != "capset" else { continue }
            let asked = (0..<3).map { call.number($0) ?? -1 }   // strace prints (uid_t)-1 as -1
            XCTAssertEqual([e.setid.newReal, e.setid.newEffective, e.setid.newSaved], asked, "\(call)")
        }
        XCTAssertEqual(evs.map { [$0.setid.oldUid, $0.setid.oldEuid, $0.setid.oldSuid, $0.setid.oldGid, $0.setid.oldEgid, $0.setid.oldSgid] },
                       [[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1234, 0], [0, 65534, 0, 0, 1234, 0], [0, 0, 0, 0, 1234, 0],
                        [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
        let caps = child.output().split(separator: "\n").last.map { $0.split(separator: " ").compactMap { UInt64($0) } } ?? []
        XCTAssertEqual(caps.count, 3, child.output())
        for e in evs.suffix(2) where caps.count == 3 {
            XCTAssertEqual([e.setid.capEffective, e.setid.capPermitted, e.setid.capInheritable], caps)
        }
        if caps.count == 3 { XCTAssertEqual([evs[7].setid.oldCapEffective, evs[7].setid.oldCapPermitted], Array(caps.prefix(2))) }
    }

    func testAgentReportsPerProbeCounters() throws {
        try ready()
        let deadline = Date().addingTimeInterval(20)
        var log = ""
        repeat {
            log = Self.agent?.output() ?? ""
            if log.contains("received{open}") && log.contains("kernel_emitted{open}") && log.contains("produced{open}") { break }
            usleep(500_000)
        } while Date() < deadline
        XCTAssertTrue(log.contains("received{open}"), String(log.suffix(2000)))
        XCTAssertTrue(log.contains("kernel_emitted{open}"), String(log.suffix(2000)))
        XCTAssertTrue(log.contains("produced{open}"), String(log.suffix(2000)))
        XCTAssertTrue(log.contains("connect probe attached via tracepoint syscalls:sys_enter_connect/sys_exit_connect"), log)
    }

    // MARK: - resolved paths (the kernel's walk at the syscall: bpf/include/infrasight_path.h)

    /// The oracle: realpath(3) names a file the way the kernel's walk does (symlinks followed, no `.`
    /// or `..`, from this process's root, which is the children's too).
    func realPath(_ p: String) -> String {
        guard let r = realpath(p, nil) else { return "realpath(\(p)) failed: \(errno)" }
        defer { free(r) }
        return String(cString: r)
    }

    /// Runs `script` in /bin/sh (a child of this process, so the consumer keeps its events) and waits.
    @discardableResult
    func sh(_ script: String) -> pid_t {
        let pid = SC.spawn(["/bin/sh", "-c", script])
        SC.wait(pid)
        return pid
    }

    /// `cd /etc && cat shadow`: the process passes "shadow" and exits at once; the record names the
    /// file the kernel opened, not a join (the agent never sees that process's cwd in /proc).
    func testRelativeOpenAfterCdResolvesToTheFileReached() throws {
        try ready()
        let pid = sh("cd /etc && exec /bin/cat shadow > /dev/null")
        let evs = events(.open, count: 1) { $0.pid == UInt32(pid) && $0.open.path == "shadow" }
        guard let e = evs.first else { return }
        assertCommon(e, ret: Int64(e.open.fd), pid: UInt32(pid))
        XCTAssertGreaterThanOrEqual(e.open.fd, 0)
        XCTAssertEqual(e.open.resolvedPath, "/etc/shadow")
        XCTAssertFalse(e.open.resolvedLexical)
        XCTAssertFalse(e.open.resolvedTruncated)
    }

    /// A short-lived process that chdir()s and opens relatively: `..` is resolved by the kernel from
    /// the cwd it had at the syscall; the failed open's path is the cwd read then, joined lexically.
    func testRelativeOpenInAProcessThatExitsAtOnceUsesItsCwdAtTheSyscall() throws {
        try ready()
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/data.txt", contents: Data("x".utf8))
        // the shell itself opens ../nope for the redirect of a regular builtin (no fork; a special
        // builtin such as `:` would make dash exit on the failed redirect), then becomes cat
        let pid = sh("cd \(dir)/sub && true 2>/dev/null < ../nope; exec /bin/cat ../data.txt > /dev/null")
        let evs = events(.open, count: 2) { $0.pid == UInt32(pid) && ($0.open.path == "../data.txt" || $0.open.path == "../nope") }
        guard evs.count == 2 else { return }
        let real = realPath(dir)
        let opened = evs.first { $0.open.path == "../data.txt" }, failed = evs.first { $0.open.path == "../nope" }
        XCTAssertEqual(opened?.open.resolvedPath, real + "/data.txt")
        XCTAssertEqual(opened?.open.resolvedLexical, false)
        XCTAssertEqual(failed?.ret, -Int64(ENOENT))
        XCTAssertEqual(failed?.open.resolvedPath, real + "/nope")
        XCTAssertEqual(failed?.open.resolvedLexical, true)
    }

    /// A symlink opened: the passed path is the link, the resolved one its target.
    func testSymlinkOpenResolvesToItsTarget() throws {
        try ready()
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let link = dir + "/x"
        XCTAssertEqual(symlink("/etc/hostname", link), 0)
        let fd = open(link, O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
        let evs = events(.open, count: 1) { $0.pid == Self.me && $0.open.path == link }
        guard let e = evs.first else { return }
        XCTAssertEqual(e.open.resolvedPath, realPath("/etc/hostname"))
        XCTAssertEqual(e.open.resolvedPath, "/etc/hostname")
        XCTAssertFalse(e.open.resolvedLexical)
    }

    /// chmod by a relative path with `..`: only the string exists, so the resolved path is the
    /// process's cwd (read in the kernel at the syscall) joined and normalised: lexical, and right.
    func testRelativeChmodIsLexicalAndCorrect() throws {
        try ready()
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/c", contents: nil)
        let pid = sh("cd \(dir) && exec /usr/bin/python3 -c \"import os; os.chmod('sub/../c', 0o600)\"")
        let evs = events(.chmod, count: 1) { $0.pid == UInt32(pid) && $0.chmod.path == "sub/../c" }
        guard let e = evs.first else { return }
        XCTAssertEqual(e.ret, 0)
        XCTAssertEqual(e.chmod.resolvedPath, realPath(dir + "/c"))
        XCTAssertTrue(e.chmod.resolvedLexical)
        XCTAssertFalse(e.chmod.resolvedTruncated)
    }

    /// execve of a relative path and of a symlink: the resolved path is the binary the kernel ran;
    /// a failed relative exec is the cwd joined (lexical).
    func testExecOfARelativePathAndOfASymlinkResolveToTheRealBinary() throws {
        try ready()
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        let tool = dir + "/bin/tool"
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: tool)
        XCTAssertEqual(chmod(tool, 0o755), 0)
        XCTAssertEqual(symlink(tool, dir + "/tool-link"), 0)
        let relative = sh("cd \(dir)/bin && exec ./tool")
        let viaLink = sh("cd \(dir) && exec ./tool-link")
        let missing = sh("cd \(dir) && exec ./bin/../nope 2>/dev/null")
        let evs = events(.execve, count: 3) {
            ($0.pid == UInt32(relative) && $0.exec.filename == "./tool") || ($0.pid == UInt32(viaLink) && $0.exec.filename == "./tool-link")
                || ($0.pid == UInt32(missing) && $0.exec.filename == "./bin/../nope")
        }
        guard evs.count == 3 else { return }
        let real = realPath(tool)
        for e in evs where e.ret == 0 {
            XCTAssertEqual(e.exec.resolvedPath, real, e.exec.filename)
            XCTAssertFalse(e.exec.resolvedLexical)
            XCTAssertFalse(e.exec.resolvedTruncated)
        }
        XCTAssertEqual(evs.filter { $0.ret == 0 }.count, 2)
        if let e = evs.first(where: { $0.exec.filename == "./bin/../nope" }) {
            XCTAssertEqual(e.ret, -Int64(ENOENT))
            XCTAssertEqual(e.exec.resolvedPath, realPath(dir) + "/nope")
            XCTAssertTrue(e.exec.resolvedLexical)
        }
    }

    /// A file deeper than the walk's limit (INFRASIGHT_PATH_WALK_DEPTH = 64 steps): the resolved path
    /// is marked truncated and keeps its end, 64 components; one well inside the limit is whole.
    func testPathDeeperThanTheWalkLimitIsTruncated() throws {
        try ready()
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let deep = dir + String(repeating: "/d", count: 70), shallow = dir + String(repeating: "/s", count: 40)
        for d in [deep, shallow] {
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: d + "/f", contents: nil)
            let fd = open(d + "/f", O_RDONLY)
            XCTAssertGreaterThanOrEqual(fd, 0)
            close(fd)
        }
        let evs = events(.open, count: 2) { $0.pid == Self.me && ($0.open.path == deep + "/f" || $0.open.path == shallow + "/f") }
        guard evs.count == 2 else { return }
        if let e = evs.first(where: { $0.open.path == deep + "/f" }) {
            XCTAssertTrue(e.open.resolvedTruncated)
            XCTAssertFalse(e.open.resolvedLexical)
            XCTAssertTrue(e.open.resolvedPath.hasSuffix(String(repeating: "/d", count: 63) + "/f"), e.open.resolvedPath)
            XCTAssertEqual(e.open.resolvedPath.split(separator: "/").count, 64, e.open.resolvedPath)
        }
        if let e = evs.first(where: { $0.open.path == shallow + "/f" }) {
            XCTAssertFalse(e.open.resolvedTruncated)
            XCTAssertEqual(e.open.resolvedPath, realPath(shallow + "/f"))
        }
    }
}
