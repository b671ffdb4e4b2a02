import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
@testable import InfraSightAgent
#if canImport(Glibc)
import Glibc
#endif

/// Real kernel tests of the `bind` probe (same harness as the other probes): this process binds and
/// listens through raw syscalls, the kernel's policy decides what is emitted (AF_UNIX and netlink are
/// not), and every decoded field is checked against what was passed or what getsockname reports.
extension ProbeKernelTests {
    /// bind(2) through the raw syscall with any sockaddr value; returns 0 or -errno.
    func rawBind<A>(_ fd: Int32, _ address: A, length: Int? = nil) -> Int {
        var a = address
        return withUnsafePointer(to: &a) {
            ProbeSyscalls.call(ProbeSyscalls.bind, Int(fd), Int(bitPattern: UnsafeRawPointer($0)), length ?? MemoryLayout<A>.size)
        }
    }

    func testBindAndListenAreReportedWithTheirAddressesAndUnixAndNetlinkAreNot() throws {
        let probe = try makeProbe(.bind)
        defer { probe.close() }
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_bind/sys_exit_bind"), probe.hookDescription)
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_listen/sys_exit_listen"), probe.hookDescription)
        struct Expected { var syscall: KernelSyscall; var fd: Int32; var ret: Int; var family: UInt16; var type: UInt16
                          var proto: UInt16; var addr: [UInt8]; var port: UInt16; var backlog: Int32; var addrUnreadable = false }
        var expected: [Expected] = []
        let stream = Int32(SOCK_STREAM.rawValue), dgram = Int32(SOCK_DGRAM.rawValue)

        // TCP over IPv4: bind to 127.0.0.1 port 0 (the port as passed), then listen (the port the kernel chose).
        let t4 = socket(AF_INET, stream, 0)
        var r = rawBind(t4, ProbeSockets.ipv4Loopback(port: 0))
        expected.append(Expected(syscall: .bind, fd: t4, ret: r, family: 2, type: 1, proto: 6, addr: [127, 0, 0, 1], port: 0, backlog: 0))
        r = ProbeSyscalls.call(ProbeSyscalls.listen, Int(t4), 7)
        let t4Port = ProbeSockets.localPort(t4)
        expected.append(Expected(syscall: .listen, fd: t4, ret: r, family: 2, type: 1, proto: 6, addr: [127, 0, 0, 1], port: t4Port, backlog: 7))
        // The same port again: EADDRINUSE, still reported with the port asked for.
        let busy = socket(AF_INET, stream, 0)
        r = rawBind(busy, ProbeSockets.ipv4Loopback(port: t4Port))
        expected.append(Expected(syscall: .bind, fd: busy, ret: r, family: 2, type: 1, proto: 6, addr: [127, 0, 0, 1], port: t4Port, backlog: 0))
        // UDP over IPv6 on ::1.
        let u6 = socket(AF_INET6, dgram, 0)
        r = rawBind(u6, ProbeSockets.ipv6Loopback(port: 0))
        expected.append(Expected(syscall: .bind, fd: u6, ret: r, family: 10, type: 2, proto: 17,
                                 addr: [UInt8](repeating: 0, count: 15) + [1], port: 0, backlog: 0))
        // listen on an unbound IPv6 socket: the kernel binds it to :: and a port of its choice.
        let auto6 = socket(AF_INET6, stream, 0)
        r = ProbeSyscalls.call(ProbeSyscalls.listen, Int(auto6), -1)
        expected.append(Expected(syscall: .listen, fd: auto6, ret: r, family: 10, type: 1, proto: 6,
                                 addr: [UInt8](repeating: 0, count: 16), port: ProbeSockets.localPort(auto6), backlog: -1))
        // An unreadable sockaddr: EFAULT, reported with no family.
        let bad = socket(AF_INET, stream, 0)
        r = ProbeSyscalls.call(ProbeSyscalls.bind, Int(bad), 8, 16)
        expected.append(Expected(syscall: .bind, fd: bad, ret: r, family: 0, type: 1, proto: 6, addr: [], port: 0, backlog: 0,
                                 addrUnreadable: true))
        // listen on a file: ENOTSOCK, reported without socket fields.
        let file = open(tmp + "/not-a-socket", O_CREAT | O_RDWR, 0o600)
        r = ProbeSyscalls.call(ProbeSyscalls.listen, Int(file), 1)
        expected.append(Expected(syscall: .listen, fd: file, ret: r, family: 0, type: 0, proto: 0, addr: [], port: 0, backlog: 1))

        // Not reported: unix sockets (bind and listen) and netlink.
        let unixPath = tmp + "/bind.sock"
        let ux = socket(AF_UNIX, stream, 0)
        let (ua, ulen) = ProbeSockets.unixAddress(unixPath)
        let quiet = [rawBind(ux, ua, length: Int(ulen)), ProbeSyscalls.call(ProbeSyscalls.listen, Int(ux), 4)]
        let nl = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue), 0)
        // struct sockaddr_nl (not exported by the Glibc module): family, pad, pid, groups.
        struct NetlinkAddress { var family = UInt16(AF_NETLINK); var pad: UInt16 = 0; var pid: UInt32 = 0; var groups: UInt32 = 0 }
        let quietNetlink = rawBind(nl, NetlinkAddress())
        defer { for fd in [t4, busy, u6, auto6, bad, file, ux, nl] { close(fd) }; unlink(unixPath) }

        XCTAssertEqual(expected.map(\.ret), [0, 0, -Int(EADDRINUSE), 0, 0, -Int(EFAULT), -Int(ENOTSOCK)])
        XCTAssertEqual(quiet + [quietNetlink], [0, 0, 0])
        let recs = collect(probe) { $0.count >= expected.count }
        usleep(100_000)
        let all = recs + collect(probe, timeout: 0.2) { _ in false }
        let binds = all.compactMap { r -> KernelBindEvent? in if case .bind(let b) = r { return b }; return nil }
        XCTAssertEqual(binds.map(\.syscall), expected.map(\.syscall), "counters \(probe.counters())")
        XCTAssertEqual(binds.count, all.count)
        for (x, b) in zip(expected, binds) {
            let what = "\(x.syscall) fd \(x.fd)"
            assertCommon(b.common, ret: Int64(x.ret))
            XCTAssertEqual(b.fd, x.fd, what)
            XCTAssertEqual(b.family, x.family, what)
            XCTAssertEqual(b.sockType, x.type, what)
            XCTAssertEqual(b.protocol, x.proto, what)
            XCTAssertEqual(b.addr, x.addr, what)
            XCTAssertEqual(b.port, x.port, what)
            XCTAssertEqual(b.backlog, x.backlog, what)
            XCTAssertEqual(b.common.flags.contains(.addrReadFailed), x.addrUnreadable, what)
            XCTAssertEqual(KernelRecord.bind(b).probe, .bind)
        }
        XCTAssertEqual(probe.counters().enterMisses, 0)
    }

    func testBindExclusionAppliesAtSysEnter() throws {
        let probe = try makeProbe(.bind)
        defer { probe.close() }
        try probe.addExcludedPid(me)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        XCTAssertEqual(rawBind(fd, ProbeSockets.ipv4Loopback(port: 0)), 0)
        XCTAssertEqual(ProbeSyscalls.call(ProbeSyscalls.listen, Int(fd), 1), 0)
        usleep(50_000)
        XCTAssertTrue(collect(probe, timeout: 0.3) { _ in false }.isEmpty)
        XCTAssertGreaterThan(probe.counters().excluded, 1, "\(probe.counters())")
    }
}
