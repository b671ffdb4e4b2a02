import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
@testable import InfraSightAgent
#if canImport(Glibc)
import Glibc
#endif

/// struct mmsghdr (not exported by the Glibc module): the msghdr, then the length sent.
struct MultiMessage { var hdr: msghdr; var len: UInt32 = 0 }

/// Real kernel tests of the `sendto` probe (same harness as the other probes): this process sends
/// datagrams through raw sendto, sendmsg and sendmmsg calls, with and without a destination, and the
/// kernel's filter decides what is emitted: only sends to an explicit AF_INET/AF_INET6 destination.
extension ProbeKernelTests {
    /// sendmsg / sendmmsg of `count` one-byte messages to `name` (nil: none, a connected send).
    func rawSendmsg<A>(_ fd: Int32, to name: A?, count: Int = 1, flags: Int = 0) -> Int {
        var byte: UInt8 = 0x41
        return withUnsafeMutablePointer(to: &byte) { bytePtr -> Int in
            var iov = iovec(iov_base: UnsafeMutableRawPointer(bytePtr), iov_len: 1)
            return withUnsafeMutablePointer(to: &iov) { iovPtr -> Int in
                var address = name
                return withUnsafeMutablePointer(to: &address) { optPtr -> Int in
                    let namePtr: UnsafeMutableRawPointer? = name == nil ? nil : UnsafeMutableRawPointer(optPtr)
                    var hdr = msghdr(msg_name: namePtr, msg_namelen: socklen_t(name == nil ? 0 : MemoryLayout<A>.size),
                                     msg_iov: iovPtr, msg_iovlen: 1, msg_control: nil, msg_controllen: 0, msg_flags: 0)
                    if count == 1 {
                        return withUnsafePointer(to: &hdr) {
                            ProbeSyscalls.call(ProbeSyscalls.sendmsg, Int(fd), Int(bitPattern: UnsafeRawPointer($0)), flags)
                        }
                    }
                    var messages = [MultiMessage](repeating: MultiMessage(hdr: hdr), count: count)
                    return messages.withUnsafeMutableBytes {
                        ProbeSyscalls.call(ProbeSyscalls.sendmmsg, Int(fd), Int(bitPattern: $0.baseAddress), count, flags)
                    }
                }
            }
        }
    }

    /// sendto of one byte to `address` (nil: a connected send).
    func rawSendto<A>(_ fd: Int32, to address: A?, flags: Int = 0) -> Int {
        var byte: UInt8 = 0x42
        guard var a = address else {
            return ProbeSyscalls.call(ProbeSyscalls.sendto, Int(fd), Int(bitPattern: UnsafeRawPointer(&byte)), 1, flags, 0, 0)
        }
        return withUnsafePointer(to: &a) {
            ProbeSyscalls.call(ProbeSyscalls.sendto, Int(fd), Int(bitPattern: UnsafeRawPointer(&byte)), 1, flags,
                               Int(bitPattern: UnsafeRawPointer($0)), MemoryLayout<A>.size)
        }
    }

    func testSendsToAnExplicitIPDestinationAreReportedAndConnectedAndUnixSendsAreNot() throws {
        let probe = try makeProbe(.sendto)
        defer { probe.close() }
        for call in ["sendto", "sendmsg", "sendmmsg"] {
            XCTAssertTrue(probe.hookDescription.contains("sys_enter_\(call)/sys_exit_\(call)"), probe.hookDescription)
        }
        let dgram = Int32(SOCK_DGRAM.rawValue)
        let (server4, port4) = ProbeSockets.bound(family: AF_INET, type: dgram, listen: false)
        let (server6, port6) = ProbeSockets.bound(family: AF_INET6, type: dgram, listen: false)
        let client4 = socket(AF_INET, dgram, 0), client6 = socket(AF_INET6, dgram, 0), connected = socket(AF_INET, dgram, 0)
        let unixPath = tmp + "/dgram.sock"
        let unixServer = socket(AF_UNIX, dgram, 0), unixClient = socket(AF_UNIX, dgram, 0)
        let (ua, ulen) = ProbeSockets.unixAddress(unixPath)
        defer { for fd in [server4, server6, client4, client6, connected, unixServer, unixClient] { close(fd) }; unlink(unixPath) }
        var uaBind = ua
        XCTAssertEqual(withUnsafePointer(to: &uaBind) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(unixServer, $0, ulen) } }, 0)
        XCTAssertEqual(ProbeSockets.connectTo(connected, family: AF_INET, port: port4), 0)
        let MSG_DONTWAIT = 0x40
        let loop4 = ProbeSockets.ipv4Loopback(port: port4), loop6 = ProbeSockets.ipv6Loopback(port: port6)
        let v6 = [UInt8](repeating: 0, count: 15) + [1]

        struct Expected { var syscall: KernelSyscall; var fd: Int32; var ret: Int; var family: UInt16; var addr: [UInt8]
                          var port: UInt16; var flags: UInt32; var count: UInt32; var unreadable = false }
        let expected = [
            Expected(syscall: .sendto, fd: client4, ret: rawSendto(client4, to: loop4), family: 2, addr: [127, 0, 0, 1],
                     port: port4, flags: 0, count: 1),
            Expected(syscall: .sendmsg, fd: client6, ret: rawSendmsg(client6, to: loop6, flags: MSG_DONTWAIT), family: 10,
                     addr: v6, port: port6, flags: UInt32(MSG_DONTWAIT), count: 1),
            Expected(syscall: .sendmmsg, fd: client4, ret: rawSendmsg(client4, to: loop4, count: 3), family: 2,
                     addr: [127, 0, 0, 1], port: port4, flags: 0, count: 3),
            Expected(syscall: .sendto, fd: client4,
                     ret: { var b: UInt8 = 0; return ProbeSyscalls.call(ProbeSyscalls.sendto, Int(client4), Int(bitPattern: UnsafeRawPointer(&b)), 1, 0, 8, 16) }(),
                     family: 0, addr: [], port: 0, flags: 0, count: 1, unreadable: true),
        ]
        // Not reported: connected sends (no destination) and unix datagrams.
        let quiet = [rawSendto(connected, to: Optional<sockaddr_in>.none), rawSendmsg(connected, to: Optional<sockaddr_in>.none),
                     rawSendmsg(connected, to: Optional<sockaddr_in>.none, count: 2),
                     rawSendto(unixClient, to: ua), rawSendmsg(unixClient, to: ua)]
        XCTAssertEqual(expected.map(\.ret), [1, 1, 3, -Int(EFAULT)])
        XCTAssertEqual(quiet, [1, 1, 2, 1, 1], "every quiet send happened")

        let recs = collect(probe) { $0.count >= expected.count }
        usleep(100_000)
        let all = recs + collect(probe, timeout: 0.2) { _ in false }
        let sends = all.compactMap { r -> KernelSendtoEvent? in if case .sendto(let s) = r { return s }; return nil }
        XCTAssertEqual(sends.map(\.syscall), expected.map(\.syscall), "counters \(probe.counters())")
        XCTAssertEqual(sends.count, all.count)
        for (x, s) in zip(expected, sends) {
            let what = "\(x.syscall) \(x.count)"
            assertCommon(s.common, ret: Int64(x.ret))
            XCTAssertEqual(s.fd, x.fd, what)
            XCTAssertEqual(s.family, x.family, what)
            XCTAssertEqual(s.remoteAddr, x.addr, what)
            XCTAssertEqual(s.remotePort, x.port, what)
            XCTAssertEqual([s.flags, s.count], [x.flags, x.count], what)
            XCTAssertEqual([s.sockType, s.protocol], [2, 17], what)
            XCTAssertEqual(s.common.flags.contains(.addrReadFailed), x.unreadable, what)
            if !x.unreadable { XCTAssertEqual(s.localPort, ProbeSockets.localPort(x.fd), what) }
            XCTAssertEqual(KernelRecord.sendto(s).probe, .sendto)
        }
        XCTAssertEqual(probe.counters().enterMisses, 0)
    }

    /// A process spraying datagrams is held to its quota by the shared per-process rate limit, and every
    /// send over it is counted throttled for that process.
    func testSendtoStormIsThrottledPerProcess() throws {
        let probe = try makeProbe(.sendto)
        defer { probe.close() }
        let dgram = Int32(SOCK_DGRAM.rawValue)
        let (server, port) = ProbeSockets.bound(family: AF_INET, type: dgram, listen: false)
        let client = socket(AF_INET, dgram, 0)
        defer { close(server); close(client) }
        let quota: UInt64 = 20, storm = 200
        try probe.setRateLimit(maxEvents: quota, windowNs: 30_000_000_000)
        let target = ProbeSockets.ipv4Loopback(port: port)
        var sent = 0
        for _ in 0..<storm where rawSendto(client, to: target, flags: 0x40) == 1 { sent += 1 }
        XCTAssertEqual(sent, storm)
        let recs = collect(probe) { $0.count >= Int(quota) }
        usleep(100_000)
        let all = recs + collect(probe, timeout: 0.2) { _ in false }
        XCTAssertEqual(all.count, Int(quota), "exactly the quota gets through")
        XCTAssertEqual(probe.throttledRecordsByProcess()[me], UInt64(storm) - quota, "\(probe.counters())")
    }
}
