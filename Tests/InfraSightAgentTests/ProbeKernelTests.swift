import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
@testable import InfraSightAgent
#if canImport(Glibc)
import Glibc
#endif

private typealias SC = ProbeSyscalls

/// Real kernel tests of every non-exec probe: load bpf/build/<probe>.bpf.o through `BPFProbe`,
/// make the syscalls from this process (or a spawned child), and assert every decoded field.
/// They need root and a BPF-capable kernel and FAIL (never skip) otherwise.
final class ProbeKernelTests: XCTestCase {
    let me = UInt32(getpid())
    var tmp: String = ""

    override func setUp() {
        super.setUp()
        tmp = NSTemporaryDirectory() + "is-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: tmp)
        super.tearDown()
    }

    func makeProbe(_ p: Probe) throws -> BPFProbe {
        do {
            return try BPFProbe(p, ringBufferBytes: 8 << 20, excludedPids: [])
        } catch {
            XCTFail("kernel refused the \(p.rawValue) probe (need root + BPF, `make -C bpf`): \(error)")
            throw error
        }
    }

    /// Polls every 2 ms until `done(collected)` or the timeout; keeps only records of `pids`.
    func collect(_ probe: BPFProbe, pids: Set<UInt32>? = nil, timeout: TimeInterval = 10,
                 until done: ([KernelRecord]) -> Bool) -> [KernelRecord] {
        let pids = pids ?? [me]
        var records: [KernelRecord] = []
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            probe.consume { if pids.contains($0.common.pid) { records.append($0) } }
            if done(records) { break }
            usleep(2000)
        } while Date() < deadline
        return records
    }

    func assertCommon(_ c: KernelCommon, ret: Int64, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(c.pid, me, file: file, line: line)
        XCTAssertEqual(c.tid, UInt32(ProbeSyscalls.gettid()), file: file, line: line)
        XCTAssertEqual(c.ppid, UInt32(getppid()), file: file, line: line)
        XCTAssertEqual(c.uid, getuid(), file: file, line: line)
        XCTAssertEqual(c.gid, getgid(), file: file, line: line)
        XCTAssertEqual(c.ret, ret, file: file, line: line)
        XCTAssertGreaterThan(c.latencyNs, 0, file: file, line: line)
        XCTAssertLessThan(c.latencyNs, 10_000_000_000, file: file, line: line)
        XCTAssertGreaterThan(c.cgroupId, 0, file: file, line: line)
        XCTAssertFalse(c.comm.isEmpty, file: file, line: line)
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        let now = UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
        XCTAssertLessThan(c.bootTimeNs, now, file: file, line: line)
        XCTAssertLessThan(now - c.bootTimeNs, 60_000_000_000, file: file, line: line)
    }

    // MARK: open

    func testOpenFamilySuccessAndFailureWithEveryFlagFamily() throws {
        let probe = try makeProbe(.open)
        defer { probe.close() }
        XCTAssertTrue(probe.hookDescription.contains("tracepoint syscalls:sys_enter_openat/sys_exit_openat"), probe.hookDescription)
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_openat2"), probe.hookDescription)
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_open/sys_exit_open"), probe.hookDescription)
        let file = tmp + "/f.txt", missing = tmp + "/missing/x", created = tmp + "/created"
        FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        let dirfd = Int32(open(tmp, O_RDONLY | O_DIRECTORY))
        defer { close(dirfd) }
        let atCwd = -100
        struct Case { var name: String; var syscall: KernelSyscall; var path: String; var dirfd: Int32; var flags: UInt64; var mode: UInt64; var resolve: UInt64; var ret: Int }
        var cases: [Case] = []
        func run(_ name: String, _ sc: KernelSyscall, _ path: String, dirfd: Int32 = -100, flags: Int32, mode: Int = 0, resolve: UInt64 = 0) {
            let r: Int
            switch sc {
            case .open: r = ProbeSyscalls.withPath(path) { ProbeSyscalls.call(ProbeSyscalls.open, $0, Int(flags), mode) }
            case .openat: r = ProbeSyscalls.withPath(path) { ProbeSyscalls.call(ProbeSyscalls.openat, Int(dirfd), $0, Int(flags), mode) }
            default:
                var how = (UInt64(UInt32(bitPattern: flags)), UInt64(mode), resolve)
                r = ProbeSyscalls.withPath(path) { p in
                    withUnsafeMutableBytes(of: &how) { ProbeSyscalls.call(ProbeSyscalls.openat2, Int(dirfd), p, Int(bitPattern: $0.baseAddress), 24) }
                }
            }
            if r >= 0 { close(Int32(r)) }
            cases.append(Case(name: name, syscall: sc, path: path, dirfd: dirfd, flags: UInt64(UInt32(bitPattern: flags)),
                              mode: UInt64(mode), resolve: resolve, ret: r))
        }
        run("open rdonly", .open, file, flags: O_RDONLY)
        run("open wronly|creat|trunc 0640", .open, created, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o640)
        run("open missing", .open, missing, flags: O_RDONLY)
        run("openat rdwr|append|cloexec relative", .openat, "f.txt", dirfd: dirfd, flags: O_RDWR | O_APPEND | O_CLOEXEC)
        run("openat directory", .openat, tmp, flags: O_RDONLY | O_DIRECTORY)
        run("openat path", .openat, file, flags: ProbeSyscalls.O_PATH)
        run("openat creat|excl exists", .openat, file, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        run("openat directory on file", .openat, file, flags: O_RDONLY | O_DIRECTORY)
        run("openat2 beneath", .openat2, "f.txt", dirfd: dirfd, flags: O_RDONLY | O_CLOEXEC, resolve: 0x08 | 0x04)
        run("openat2 escape", .openat2, "../x", dirfd: dirfd, flags: O_RDONLY, resolve: 0x08)
        XCTAssertEqual(cases.map { $0.ret < 0 ? $0.ret : 0 }, [0, 0, -2, 0, 0, 0, -17, -20, 0, -18], cases.map(\.name).description)
        _ = atCwd

        let records = collect(probe) { recs in
            cases.allSatisfy { c in recs.contains { if case .open(let o) = $0 { return o.path == c.path && o.flags == c.flags && o.syscall == c.syscall }; return false } }
        }
        for c in cases {
            let match = records.compactMap { r -> KernelOpenEvent? in if case .open(let o) = r { return o }; return nil }
                .filter { $0.path == c.path && $0.flags == c.flags && $0.syscall == c.syscall }
            guard let o = match.last else { XCTFail("no open record for \(c.name); counters \(probe.counters())"); continue }
            assertCommon(o.common, ret: Int64(c.ret))
            XCTAssertEqual(o.dirfd, c.syscall == .open ? -100 : c.dirfd, c.name)
            XCTAssertEqual(o.mode, c.mode, c.name)
            XCTAssertEqual(o.resolve, c.resolve, c.name)
            XCTAssertEqual(o.fd, c.ret >= 0 ? Int32(c.ret) : -1, c.name)
            XCTAssertFalse(o.pathTruncated, c.name)
            XCTAssertEqual(KernelRecord.open(o).probe, .open)
        }
        let k = probe.counters()
        XCTAssertGreaterThanOrEqual(k.emitted, UInt64(cases.count))
        XCTAssertEqual(k.decodeErrors, 0)
    }

    /// memfd_create is an open-kind record: the name as the path, MFD_* as the flags, the memfd as the
    /// fd, and the memfd's own path as the resolved path; a failed call (a name too long) has none.
    func testMemfdCreateIsAnOpenRecordWithTheMemfdsPath() throws {
        let probe = try makeProbe(.open)
        defer { probe.close() }
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_memfd_create/sys_exit_memfd_create"), probe.hookDescription)
        typealias S = ProbeSyscalls
        let name = "is-memfd-\(UInt32.random(in: 0...UInt32.max))"
        let fd = S.withPath(name) { S.call(S.memfdCreate, $0, S.MFD_CLOEXEC | S.MFD_ALLOW_SEALING) }
        XCTAssertGreaterThanOrEqual(fd, 0, "memfd_create: \(fd)")
        if fd >= 0 { close(Int32(fd)) }
        let tooLong = String(repeating: "m", count: 300)   // the kernel allows 249 bytes
        let bad = S.withPath(tooLong) { S.call(S.memfdCreate, $0, 0) }
        XCTAssertEqual(bad, -Int(EINVAL))
        let recs = collect(probe) { $0.filter { if case .open(let o) = $0 { return o.syscall == .memfdCreate }; return false }.count >= 2 }
        let events = recs.compactMap { r -> KernelOpenEvent? in if case .open(let o) = r, o.syscall == .memfdCreate { return o }; return nil }
        guard events.count == 2 else { return XCTFail("memfd_create records: \(events); counters \(probe.counters())") }
        XCTAssertEqual(events.map(\.path), [name, tooLong])
        XCTAssertEqual(events.map(\.flags), [UInt64(S.MFD_CLOEXEC | S.MFD_ALLOW_SEALING), 0])
        XCTAssertEqual(events.map(\.fd), [Int32(fd), -1])
        XCTAssertEqual(events.map(\.common.ret), [Int64(fd), -Int64(EINVAL)])
        XCTAssertEqual(events.map(\.resolved), [ResolvedPath(path: "/memfd:" + name), .none])
        for e in events { assertCommon(e.common, ret: e.common.ret) }
    }

    func testOpenLongPathIsTruncatedAndFlagged() throws {
        let probe = try makeProbe(.open)
        defer { probe.close() }
        let long = "/" + String(repeating: "a", count: 700)
        let r = ProbeSyscalls.withPath(long) { ProbeSyscalls.call(ProbeSyscalls.openat, -100, $0, Int(O_RDONLY), 0) }
        XCTAssertEqual(r, -Int(ENAMETOOLONG))
        let recs = collect(probe) { $0.contains { if case .open(let o) = $0 { return o.pathTruncated }; return false } }
        guard case .open(let o)? = recs.first(where: { if case .open(let o) = $0 { return o.pathTruncated }; return false }) else {
            return XCTFail("no truncated open record")
        }
        XCTAssertEqual(o.path, String(long.prefix(511)))
        XCTAssertEqual(o.common.ret, -Int64(ENAMETOOLONG))
        XCTAssertGreaterThan(probe.counters().truncated, 0)
    }

    // MARK: chmod

    func testEveryChmodVariantSuccessAndFailure() throws {
        let probe = try makeProbe(.chmod)
        defer { probe.close() }
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_fchmodat2"), probe.hookDescription)
        let file = tmp + "/c.txt"
        FileManager.default.createFile(atPath: file, contents: nil)
        let fd = open(file, O_RDONLY)
        let dirfd = open(tmp, O_RDONLY | O_DIRECTORY)
        defer { close(fd); close(dirfd) }
        struct Case { var syscall: KernelSyscall; var path: String; var fd: Int32; var mode: UInt32; var flags: UInt32; var ret: Int }
        var cases: [Case] = []
        var r = ProbeSyscalls.withPath(file) { ProbeSyscalls.call(ProbeSyscalls.chmod, $0, 0o600) }
        cases.append(Case(syscall: .chmod, path: file, fd: -100, mode: 0o600, flags: 0, ret: r))
        r = ProbeSyscalls.call(ProbeSyscalls.fchmod, Int(fd), 0o640)
        cases.append(Case(syscall: .fchmod, path: "", fd: fd, mode: 0o640, flags: 0, ret: r))
        r = ProbeSyscalls.withPath("c.txt") { ProbeSyscalls.call(ProbeSyscalls.fchmodat, Int(dirfd), $0, 0o644) }
        cases.append(Case(syscall: .fchmodat, path: "c.txt", fd: dirfd, mode: 0o644, flags: 0, ret: r))
        r = ProbeSyscalls.withPath(file) { ProbeSyscalls.call(ProbeSyscalls.fchmodat2, -100, $0, 0o4755, 0x100) }
        cases.append(Case(syscall: .fchmodat2, path: file, fd: -100, mode: 0o4755, flags: 0x100, ret: r))
        r = ProbeSyscalls.withPath(tmp + "/nope") { ProbeSyscalls.call(ProbeSyscalls.chmod, $0, 0o700) }
        cases.append(Case(syscall: .chmod, path: tmp + "/nope", fd: -100, mode: 0o700, flags: 0, ret: r))
        r = ProbeSyscalls.call(ProbeSyscalls.fchmod, 987_654, 0o611)
        cases.append(Case(syscall: .fchmod, path: "", fd: 987_654, mode: 0o611, flags: 0, ret: r))
        XCTAssertEqual(cases.map(\.ret), [0, 0, 0, 0, -2, -9])

        let recs = collect(probe) { recs in
            cases.allSatisfy { c in recs.contains { if case .chmod(let e) = $0 { return e.syscall == c.syscall && e.mode == c.mode }; return false } }
        }
        for c in cases {
            guard case .chmod(let e)? = recs.last(where: { if case .chmod(let e) = $0 { return e.syscall == c.syscall && e.mode == c.mode }; return false }) else {
                XCTFail("no chmod record for \(c); counters \(probe.counters())"); continue
            }
            assertCommon(e.common, ret: Int64(c.ret))
            XCTAssertEqual(e.path, c.path)
            XCTAssertEqual(e.fd, c.fd)
            XCTAssertEqual(e.flags, c.flags)
            XCTAssertFalse(e.pathTruncated)
        }
    }

    // MARK: connect

    func socketRecords(_ recs: [KernelRecord]) -> [KernelSocketEvent] {
        recs.compactMap { if case .socket(let s) = $0 { return s }; return nil }
    }

    func testConnectTCPAndUDPOverIPv4AndIPv6UnixAndRefused() throws {
        let probe = try makeProbe(.connect)
        defer { probe.close() }
        XCTAssertTrue(probe.hookDescription.contains("tracepoint syscalls:sys_enter_connect/sys_exit_connect"), probe.hookDescription)
        struct Case { var name: String; var fd: Int32; var family: UInt16; var type: UInt16; var proto: UInt16; var localPort: UInt16; var remotePort: UInt16; var ret: Int32; var unix: String }
        var cases: [Case] = []
        var fds: [Int32] = []
        defer { for f in fds { close(f) } }
        for (family, fam) in [(AF_INET, UInt16(2)), (AF_INET6, UInt16(10))] {
            let (listener, port) = ProbeSockets.bound(family: family, type: Int32(SOCK_STREAM.rawValue))
            let c = socket(family, Int32(SOCK_STREAM.rawValue), 0)
            fds += [listener, c]
            let r = ProbeSockets.connectTo(c, family: family, port: port)
            cases.append(Case(name: "tcp\(fam)", fd: c, family: fam, type: 1, proto: 6, localPort: ProbeSockets.localPort(c), remotePort: port, ret: r, unix: ""))
            let u = socket(family, Int32(SOCK_DGRAM.rawValue), 0)
            fds.append(u)
            let ru = ProbeSockets.connectTo(u, family: family, port: port)
            cases.append(Case(name: "udp\(fam)", fd: u, family: fam, type: 2, proto: 17, localPort: ProbeSockets.localPort(u), remotePort: port, ret: ru, unix: ""))
        }
        // refused: a port nobody listens on
        let (closedFd, closedPort) = ProbeSockets.bound(family: AF_INET, type: Int32(SOCK_STREAM.rawValue), listen: false)
        close(closedFd)
        let refused = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        fds.append(refused)
        let rr = ProbeSockets.connectTo(refused, family: AF_INET, port: closedPort)
        cases.append(Case(name: "refused", fd: refused, family: 2, type: 1, proto: 6, localPort: 0, remotePort: closedPort, ret: rr, unix: ""))
        // unix
        let path = tmp + "/s.sock"
        let ul = ProbeSockets.unixListener(path)
        let uc = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        fds += [ul, uc]
        let ur = ProbeSockets.unixConnect(uc, path)
        cases.append(Case(name: "unix", fd: uc, family: 1, type: 1, proto: 0, localPort: 0, remotePort: 0, ret: ur, unix: path))
        XCTAssertEqual(cases.map(\.ret), [0, 0, 0, 0, -ECONNREFUSED, 0])

        let recs = collect(probe) { recs in cases.allSatisfy { c in self.socketRecords(recs).contains { $0.fd == c.fd } } }
        let sockets = socketRecords(recs)
        for c in cases {
            guard let s = sockets.last(where: { $0.fd == c.fd }) else { XCTFail("no connect record for \(c.name); counters \(probe.counters())"); continue }
            assertCommon(s.common, ret: Int64(c.ret))
            XCTAssertEqual(s.syscall, .connect, c.name)
            XCTAssertEqual(s.family, c.family, c.name)
            XCTAssertEqual(s.sockType, c.type, c.name)
            XCTAssertEqual(s.protocol, c.proto, c.name)
            XCTAssertEqual(s.remotePort, c.remotePort, c.name)
            XCTAssertEqual(s.newFd, -1, c.name)
            XCTAssertEqual(s.flags, 0, c.name)
            XCTAssertEqual(s.unixPath, c.unix, c.name)
            switch c.family {
            case 2:
                XCTAssertEqual(s.remoteAddr, [127, 0, 0, 1], c.name)
                XCTAssertEqual(s.localAddr, [127, 0, 0, 1], c.name)
            case 10:
                XCTAssertEqual(s.remoteAddr, [UInt8](repeating: 0, count: 15) + [1], c.name)
                XCTAssertEqual(s.localAddr, [UInt8](repeating: 0, count: 15) + [1], c.name)
            default:
                XCTAssertEqual(s.remoteAddr, [], c.name)
                XCTAssertEqual(s.localAddr, [], c.name)
            }
            if c.name == "refused" {
                XCTAssertNotEqual(s.localPort, 0, "source port of the refused connect")
                XCTAssertFalse(s.common.flags.intersection([.localFromFexit, .localFromSockState]).isEmpty,
                               "source of the refused connect comes from fexit or sock:inet_sock_set_state (\(probe.variant))")
            } else {
                XCTAssertEqual(s.localPort, c.localPort, c.name)
            }
            XCTAssertFalse(s.common.flags.contains(.noSocket), c.name)
            XCTAssertEqual(KernelRecord.socket(s).probe, .connect)
        }
    }

    // MARK: accept

    func testAcceptAndAccept4OverIPv4IPv6UnixAndFailure() throws {
        let probe = try makeProbe(.accept)
        defer { probe.close() }
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_accept4/sys_exit_accept4"), probe.hookDescription)
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_accept/sys_exit_accept"), probe.hookDescription)
        var fds: [Int32] = []
        defer { for f in fds { close(f) } }
        struct Case { var name: String; var listener: Int32; var newFd: Int; var family: UInt16; var localPort: UInt16; var peerPort: UInt16; var flags: UInt32; var unix: String }
        var cases: [Case] = []
        for (family, fam, use4) in [(AF_INET, UInt16(2), false), (AF_INET6, UInt16(10), true)] {
            let (l, port) = ProbeSockets.bound(family: family, type: Int32(SOCK_STREAM.rawValue))
            let c = socket(family, Int32(SOCK_STREAM.rawValue), 0)
            fds += [l, c]
            XCTAssertEqual(ProbeSockets.connectTo(c, family: family, port: port), 0)
            let flags = use4 ? Int(SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue) : 0
            let n = use4 ? ProbeSyscalls.call(ProbeSyscalls.accept4, Int(l), 0, 0, flags) : ProbeSyscalls.call(ProbeSyscalls.accept, Int(l), 0, 0)
            XCTAssertGreaterThanOrEqual(n, 0)
            if n >= 0 { fds.append(Int32(n)) }
            cases.append(Case(name: "tcp\(fam)", listener: l, newFd: n, family: fam, localPort: port, peerPort: ProbeSockets.localPort(c), flags: UInt32(flags), unix: ""))
        }
        // failure: non-blocking listener, nothing pending → EAGAIN
        let (l, port) = ProbeSockets.bound(family: AF_INET, type: Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
        fds.append(l)
        let n = ProbeSyscalls.call(ProbeSyscalls.accept4, Int(l), 0, 0, Int(SOCK_CLOEXEC.rawValue))
        XCTAssertEqual(n, -Int(EAGAIN))
        cases.append(Case(name: "eagain", listener: l, newFd: n, family: 2, localPort: port, peerPort: 0, flags: UInt32(SOCK_CLOEXEC.rawValue), unix: ""))
        // unix
        let path = tmp + "/a.sock"
        let ul = ProbeSockets.unixListener(path)
        let uc = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        fds += [ul, uc]
        XCTAssertEqual(ProbeSockets.unixConnect(uc, path), 0)
        let un = ProbeSyscalls.call(ProbeSyscalls.accept, Int(ul), 0, 0)
        if un >= 0 { fds.append(Int32(un)) }
        cases.append(Case(name: "unix", listener: ul, newFd: un, family: 1, localPort: 0, peerPort: 0, flags: 0, unix: path))

        let recs = collect(probe) { recs in cases.allSatisfy { c in self.socketRecords(recs).contains { $0.fd == c.listener } } }
        let sockets = socketRecords(recs)
        for c in cases {
            guard let s = sockets.last(where: { $0.fd == c.listener }) else { XCTFail("no accept record for \(c.name); counters \(probe.counters())"); continue }
            assertCommon(s.common, ret: Int64(c.newFd))
            XCTAssertEqual(s.syscall, c.flags != 0 || c.name == "tcp10" ? .accept4 : .accept, c.name)
            XCTAssertEqual(s.newFd, c.newFd >= 0 ? Int32(c.newFd) : -1, c.name)
            XCTAssertEqual(s.family, c.family, c.name)
            XCTAssertEqual(s.sockType, 1, c.name)
            XCTAssertEqual(s.protocol, c.family == 1 ? 0 : 6, c.name)
            XCTAssertEqual(s.flags, c.flags, c.name)
            XCTAssertEqual(s.localPort, c.localPort, c.name)
            XCTAssertEqual(s.remotePort, c.peerPort, c.name)
            XCTAssertEqual(s.unixPath, c.unix, c.name)
            let loop6 = [UInt8](repeating: 0, count: 15) + [1]
            switch c.family {
            case 2:
                XCTAssertEqual(s.localAddr, [127, 0, 0, 1], c.name)
                XCTAssertEqual(s.remoteAddr, c.newFd >= 0 ? [127, 0, 0, 1] : [0, 0, 0, 0], c.name)
            case 10:
                XCTAssertEqual(s.localAddr, loop6, c.name)
                XCTAssertEqual(s.remoteAddr, loop6, c.name)
            default:
                XCTAssertEqual(s.localAddr, [], c.name)
            }
            XCTAssertEqual(KernelRecord.socket(s).probe, .accept)
        }
    }

    // MARK: exit

    func testExitWithCodeAndBySignal() throws {
        let probe = try makeProbe(.exit)
        defer { probe.close() }
        XCTAssertTrue(probe.hookDescription.contains("sched_process_exit"), probe.hookDescription)
        let coded = ProbeSyscalls.spawn(["/bin/sh", "-c", "exit 7"])
        ProbeSyscalls.wait(coded)
        let killed = ProbeSyscalls.spawn(["/bin/sleep", "30"])
        usleep(50_000)
        kill(killed, SIGKILL)
        ProbeSyscalls.wait(killed)
        let termed = ProbeSyscalls.spawn(["/bin/sleep", "30"])
        usleep(50_000)
        kill(termed, SIGTERM)
        ProbeSyscalls.wait(termed)
        let pids: Set<UInt32> = [UInt32(coded), UInt32(killed), UInt32(termed)]
        let recs = collect(probe, pids: pids) { Set($0.map(\.common.pid)) == pids }
        func exit(_ pid: pid_t) -> KernelExitEvent? {
            for r in recs { if case .exit(let e) = r, e.common.pid == UInt32(pid) { return e } }
            return nil
        }
        guard let a = exit(coded), let b = exit(killed), let c = exit(termed) else {
            return XCTFail("missing exit records: \(recs); counters \(probe.counters())")
        }
        XCTAssertEqual(a.exitCode, 7); XCTAssertEqual(a.signal, 0); XCTAssertFalse(a.coreDumped)
        XCTAssertEqual(a.common.comm, "sh")
        XCTAssertEqual(b.exitCode, 0); XCTAssertEqual(b.signal, SIGKILL); XCTAssertFalse(b.coreDumped)
        XCTAssertEqual(c.signal, SIGTERM)
        for e in [a, b, c] {
            XCTAssertEqual(e.common.ppid, me)
            XCTAssertEqual(e.common.tid, e.common.pid)
            XCTAssertEqual(e.common.ret, 0)
            XCTAssertEqual(e.common.latencyNs, 0)
            XCTAssertTrue(e.common.flags.contains(.exitGroupDead))
            XCTAssertEqual(recs.filter { $0.common.pid == e.common.pid }.count, 1, "one exit per process")
        }
        XCTAssertEqual(b.common.comm, "sleep")
    }

    func testExitOfAMultiThreadedProcessIsReportedOnce() throws {
        let probe = try makeProbe(.exit)
        defer { probe.close() }
        // A shell pipeline is single-threaded; use python3 if present for threads, else sh.
        let child = ProbeSyscalls.spawn(["/bin/sh", "-c", "sleep 0.05 & sleep 0.05 & wait; exit 3"])
        ProbeSyscalls.wait(child)
        let recs = collect(probe, pids: [UInt32(child)]) { !$0.isEmpty }
        usleep(100_000)
        let more = collect(probe, pids: [UInt32(child)], timeout: 0.2) { _ in false }
        XCTAssertEqual((recs + more).count, 1)
        if case .exit(let e)? = recs.first { XCTAssertEqual(e.exitCode, 3) } else { XCTFail("no exit record") }
    }

    // MARK: ptrace

    func testPtraceAttachDetachAndFailure() throws {
        let probe = try makeProbe(.ptrace)
        defer { probe.close() }
        XCTAssertEqual(probe.hookDescription, "tracepoint syscalls:sys_enter_ptrace/sys_exit_ptrace")
        let child = ProbeSyscalls.spawn(["/bin/sleep", "30"])
        defer { kill(child, SIGKILL); ProbeSyscalls.wait(child) }
        let peek = ProbeSyscalls.call(ProbeSyscalls.ptrace, 2 /* PEEKDATA */, Int(child), 0x1000, 0x2000)
        XCTAssertEqual(peek, -Int(ESRCH))
        let attach = ProbeSyscalls.call(ProbeSyscalls.ptrace, 16 /* ATTACH */, Int(child), 0, 0)
        XCTAssertEqual(attach, 0)
        ProbeSyscalls.wait(child, options: Int32(__WALL))
        let detach = ProbeSyscalls.call(ProbeSyscalls.ptrace, 17 /* DETACH */, Int(child), 0, Int(SIGCONT))
        XCTAssertEqual(detach, 0)
        let recs = collect(probe) { $0.count >= 3 }
        let events = recs.compactMap { r -> KernelPtraceEvent? in if case .ptrace(let p) = r, p.targetPid == UInt32(child) { return p }; return nil }
        XCTAssertEqual(events.map(\.request), [2, 16, 17])
        XCTAssertEqual(events.map(\.common.ret), [-Int64(ESRCH), 0, 0])
        XCTAssertEqual(events.map(\.addr), [0x1000, 0, 0])
        XCTAssertEqual(events.map(\.data), [0x2000, 0, UInt64(SIGCONT)])
        for e in events { assertCommon(e.common, ret: e.common.ret) }
    }

    // MARK: mount

    func testMountTmpfsAndUmount2SuccessAndFailure() throws {
        let probe = try makeProbe(.mount)
        defer { probe.close() }
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_mount/sys_exit_mount"), probe.hookDescription)
        let target = tmp + "/mnt"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let source = "is-tmpfs-\(UInt32.random(in: 0...UInt32.max))"
        let flags = UInt(MS_NOSUID | MS_NODEV)
        let m = Glibc.mount(source, target, "tmpfs", flags, "size=1m")
        XCTAssertEqual(m, 0, "mount: \(errno)")
        let u = umount2(target, Int32(MNT_DETACH))
        XCTAssertEqual(u, 0, "umount2: \(errno)")
        let u2 = umount2(target, 0)
        XCTAssertEqual(u2, -1); let u2err = errno
        let bad = Glibc.mount(source, target, "no-such-fs-type", 0, nil)
        XCTAssertEqual(bad, -1); let baderr = errno
        let recs = collect(probe) { $0.count >= 4 }
        let events = recs.compactMap { r -> KernelMountEvent? in if case .mount(let e) = r, e.target == target { return e }; return nil }
        guard events.count == 4 else { return XCTFail("mount records: \(events); counters \(probe.counters())") }
        XCTAssertEqual(events.map(\.syscall), [.mount, .umount2, .umount2, .mount])
        XCTAssertEqual(events.map(\.common.ret), [0, 0, -Int64(u2err), -Int64(baderr)])
        XCTAssertEqual(events.map(\.source), [source, "", "", source])
        XCTAssertEqual(events.map(\.fsType), ["tmpfs", "", "", "no-such-fs-type"])
        XCTAssertEqual(events.map(\.flags), [UInt64(flags), UInt64(MNT_DETACH), 0, 0])
        for e in events { assertCommon(e.common, ret: e.common.ret); XCTAssertFalse(e.truncated) }
        XCTAssertEqual(u2err, EINVAL)
        XCTAssertEqual(baderr, ENODEV)
    }

    /// The new mount API, step by step as mount(8) from util-linux 2.39 does it: a tmpfs context
    /// (fsopen), created, mounted detached (fsmount) and attached (move_mount); that mount cloned
    /// detached (open_tree); a file system type the kernel does not know fails.
    func testNewMountAPICallsCarryTheirTypeFlagsAndPaths() throws {
        let probe = try makeProbe(.mount)
        defer { probe.close() }
        for tp in ["fsopen", "fsmount", "open_tree", "move_mount"] {
            XCTAssertTrue(probe.hookDescription.contains("sys_enter_\(tp)/sys_exit_\(tp)"), probe.hookDescription)
        }
        let target = tmp + "/newapi"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        typealias S = ProbeSyscalls
        let fs = S.withPath("tmpfs") { S.call(S.fsopen, $0, 0) }
        XCTAssertGreaterThanOrEqual(fs, 0, "fsopen: \(fs)")
        defer { close(Int32(fs)) }
        XCTAssertEqual(S.call(S.fsconfig, fs, S.FSCONFIG_CMD_CREATE, 0, 0, 0), 0)
        let mnt = S.call(S.fsmount, fs, 0, S.MOUNT_ATTR_NOEXEC)
        XCTAssertGreaterThanOrEqual(mnt, 0, "fsmount: \(mnt)")
        defer { close(Int32(mnt)) }
        let moved = S.withPath("") { empty in
            S.withPath(target) { S.call(S.moveMount, mnt, empty, Int(AT_FDCWD), $0, S.MOVE_MOUNT_F_EMPTY_PATH) }
        }
        XCTAssertEqual(moved, 0, "move_mount")
        let tree = S.withPath(target) { S.call(S.openTree, Int(AT_FDCWD), $0, S.OPEN_TREE_CLONE | S.OPEN_TREE_CLOEXEC) }
        XCTAssertGreaterThanOrEqual(tree, 0, "open_tree: \(tree)")
        if tree >= 0 { close(Int32(tree)) }
        XCTAssertEqual(umount2(target, Int32(MNT_DETACH)), 0, "umount2: \(errno)")
        let bad = S.withPath("no-such-fs-type") { S.call(S.fsopen, $0, 0) }
        XCTAssertEqual(bad, -Int(ENODEV))

        let newAPI: Set<KernelSyscall> = [.fsopen, .fsmount, .moveMount, .openTree]
        let recs = collect(probe) { $0.count >= 6 }
        let events = recs.compactMap { r -> KernelMountEvent? in
            if case .mount(let e) = r, newAPI.contains(e.syscall) || e.target == target { return e }
            return nil
        }
        guard events.count == 6 else { return XCTFail("mount records: \(events); counters \(probe.counters())") }
        XCTAssertEqual(events.map(\.syscall), [.fsopen, .fsmount, .moveMount, .openTree, .umount2, .fsopen])
        XCTAssertEqual(events.map(\.common.ret), [Int64(fs), Int64(mnt), 0, Int64(tree), 0, -Int64(ENODEV)])
        XCTAssertEqual(events.map(\.fsType), ["tmpfs", "", "", "", "", "no-such-fs-type"])
        XCTAssertEqual(events.map(\.source), ["", "", "", target, "", ""])
        XCTAssertEqual(events.map(\.target), ["", "", target, "", target, ""])
        XCTAssertEqual(events.map(\.flags), [0, UInt64(S.MOUNT_ATTR_NOEXEC), UInt64(S.MOVE_MOUNT_F_EMPTY_PATH),
                                             UInt64(S.OPEN_TREE_CLONE | S.OPEN_TREE_CLOEXEC), UInt64(MNT_DETACH), 0])
        for e in events { assertCommon(e.common, ret: e.common.ret); XCTAssertFalse(e.truncated) }
    }

    // MARK: setid

    /// capget/capset's structs (version 3: two 32-bit words per set).
    struct CapHeader { var version: UInt32 = 0x2008_0522; var pid: Int32 = 0 }
    struct CapData { var effective: UInt32 = 0; var permitted: UInt32 = 0; var inheritable: UInt32 = 0 }

    /// Raw set*id syscalls change only the calling thread's credentials: the test thread lowers and
    /// raises its effective ids (it stays real root throughout) and puts everything back at the end.
    func testSetidCallsCarryOldAndRequestedIdsAndCapsetItsSets() throws {
        let probe = try makeProbe(.setid)
        defer { probe.close() }
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_setresuid/sys_exit_setresuid"), probe.hookDescription)
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_capset/sys_exit_capset"), probe.hookDescription)
        defer { SC.call(SC.setresuid, 0, 0, 0); SC.call(SC.setresgid, 0, 0, 0) }
        let none = -1 & 0xffff_ffff   // (uid_t)-1 as the register carries it
        var rets: [Int] = []
        rets.append(SC.call(SC.setresgid, none, 1234, none))   // egid 0 → 1234
        rets.append(SC.call(SC.setresuid, none, 65534, none))  // euid 0 → 65534 (effective caps dropped)
        rets.append(SC.call(SC.setuid, 0))                     // back to euid 0: allowed, real uid is 0
        rets.append(SC.call(SC.setregid, none, 0))
        rets.append(SC.call(SC.setreuid, 0, none))
        rets.append(SC.call(SC.setgid, 0))
        rets.append(SC.call(SC.setuid, none))                  // EINVAL
        var header = CapHeader()
        var data = [CapData(), CapData()]
        XCTAssertEqual(SC.call(SC.capget, Int(bitPattern: withUnsafeMutablePointer(to: &header) { UnsafeMutableRawPointer($0) }),
                               data.withUnsafeMutableBytes { Int(bitPattern: $0.baseAddress) }), 0)
        let effective = UInt64(data[1].effective) << 32 | UInt64(data[0].effective)
        let permitted = UInt64(data[1].permitted) << 32 | UInt64(data[0].permitted)
        let inheritable = UInt64(data[1].inheritable) << 32 | UInt64(data[0].inheritable)
        var lowered = data
        lowered[0].inheritable |= 1 << 21 // CAP_SYS_ADMIN
        rets.append(withUnsafeMutablePointer(to: &header) { h in
            lowered.withUnsafeMutableBytes { SC.call(SC.capset, Int(bitPattern: h), Int(bitPattern: $0.baseAddress)) }
        })
        var other = CapHeader(pid: 1)                           // another process: EPERM
        rets.append(withUnsafeMutablePointer(to: &other) { h in
            data.withUnsafeMutableBytes { SC.call(SC.capset, Int(bitPattern: h), Int(bitPattern: $0.baseAddress)) }
        })
        XCTAssertEqual(rets, [0, 0, 0, 0, 0, 0, -Int(EINVAL), 0, -Int(EPERM)])
        let tid = UInt32(ProbeSyscalls.gettid())
        let recs = collect(probe) { $0.count >= 9 }
        let events = recs.compactMap { r -> KernelSetidEvent? in if case .setid(let e) = r, e.common.tid == tid { return e }; return nil }
        guard events.count == 9 else { return XCTFail("setid records: \(events); counters \(probe.counters())") }
        XCTAssertEqual(events.map(\.syscall), [.setresgid, .setresuid, .setuid, .setregid, .setreuid, .setgid, .setuid, .capset, .capset])
        XCTAssertEqual(events.map(\.common.ret), rets.map(Int64.init))
        XCTAssertEqual(events.map { [$0.newReal, $0.newEffective, $0.newSaved] },
                       [[-1, 1234, -1], [-1, 65534, -1], [0, -1, -1], [-1, 0, -1], [0, -1, -1], [0, -1, -1], [-1, -1, -1],
                        [-1, -1, -1], [-1, -1, -1]])
        // old ids: (uid, euid, suid, gid, egid, sgid) before each call
        XCTAssertEqual(events.map { [$0.oldUid, $0.oldEuid, $0.oldSuid, $0.oldGid, $0.oldEgid, $0.oldSgid] },
                       [[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1234, 0], [0, 65534, 0, 0, 1234, 0], [0, 0, 0, 0, 1234, 0],
                        [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
        for e in events.prefix(7) {
            XCTAssertEqual([e.capEffective, e.capPermitted, e.capInheritable, e.oldCapEffective, e.oldCapPermitted], [0, 0, 0, 0, 0])
        }
        let set = events[7]
        XCTAssertEqual([set.capEffective, set.capPermitted, set.capInheritable], [effective, permitted, inheritable | 1 << 21])
        XCTAssertEqual([set.oldCapEffective, set.oldCapPermitted, set.oldCapInheritable], [effective, permitted, inheritable])
        XCTAssertEqual(set.capVersion, 0x2008_0522); XCTAssertEqual(set.capPid, 0)
        XCTAssertEqual(events[8].capPid, 1)
        XCTAssertFalse(events.contains { $0.common.flags.contains(.capsReadFailed) })
        for e in events { assertCommon(e.common, ret: e.common.ret) }
        // the inheritable set goes back to what it was
        XCTAssertEqual(withUnsafeMutablePointer(to: &header) { h in
            data.withUnsafeMutableBytes { SC.call(SC.capset, Int(bitPattern: h), Int(bitPattern: $0.baseAddress)) }
        }, 0)
    }

    // MARK: loader

    func testEveryProbeLoadsAndReportsItsHookAndExclusionWorks() throws {
        for p in Probe.allCases {
            let probe = try makeProbe(p)
            XCTAssertFalse(probe.hookDescription.isEmpty, p.rawValue)
            print("probe \(p.rawValue): \(probe.hookDescription) [variant \(probe.variant)] fallbacks: \(probe.fallbacks) missing: \(probe.missingHooks)")
            probe.close()
        }
        let probe = try makeProbe(.open)
        defer { probe.close() }
        try probe.addExcludedPid(me)
        let path = tmp + "/excluded-\(UUID().uuidString)"
        let fd = open(path, O_RDONLY)
        XCTAssertEqual(fd, -1)
        usleep(50_000)
        let recs = collect(probe, timeout: 0.3) { _ in false }
        XCTAssertFalse(recs.contains { if case .open(let o) = $0 { return o.path == path }; return false })
        XCTAssertGreaterThan(probe.counters().excluded, 0)
    }
}
