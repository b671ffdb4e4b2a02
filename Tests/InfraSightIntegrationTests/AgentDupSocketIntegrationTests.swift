import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The `dup` and `socket` probes through the real agent and broker, with strace as the oracle: a
/// real Python helper creates sockets of several families, puts a connected TCP socket on fds 0, 1
/// and 2 (dup2, dup3), puts a regular file on them and the socket on fd 9 (neither may be reported).
/// Every call strace saw that the probes' policy keeps must arrive, in order, with the fields strace
/// printed; nothing else may.
extension AgentProbeIntegrationTests {
    static let dupSocketHelper = """
    import os, socket, sys
    port, path = int(sys.argv[1]), sys.argv[2]
    saved = [os.dup(0), os.dup(1), os.dup(2)]
    keep = []
    for fam, typ, proto in [(socket.AF_INET, socket.SOCK_STREAM, 0),
                            (socket.AF_INET6, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK, socket.IPPROTO_UDP),
                            (socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3)),
                            (socket.AF_NETLINK, socket.SOCK_RAW, 0),
                            (socket.AF_NETLINK, socket.SOCK_DGRAM, 9),
                            (socket.AF_UNIX, socket.SOCK_STREAM, 0),
                            (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
                            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_UDP)]:
        try:
            keep.append(socket.socket(fam, typ, proto))
        except OSError:
            pass
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.connect(("127.0.0.1", port))
    s = c.fileno()
    os.dup2(s, 0); os.dup2(saved[0], 0)
    os.dup2(s, 1, inheritable=False); os.dup2(saved[1], 1)
    os.dup2(s, 2); os.dup2(saved[2], 2)
    f = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.dup2(f, 0); os.dup2(saved[0], 0); os.dup2(f, 1, inheritable=False); os.dup2(saved[1], 1)
    os.dup2(s, 9)
    """

    /// One line of `strace -f -y` output: pid, syscall, raw arguments, return value.
    struct StraceCall {
        var pid: UInt32, name: String, args: [String], ret: Int64
        /// "13<socket:[2068772]>" → 13 and whether it is a socket.
        static func fd(_ arg: String) -> (fd: Int32, socket: Bool) {
            (Int32(arg.prefix { $0.isNumber || $0 == "-" }) ?? -1, arg.contains("<socket:"))
        }
    }

    static func parseStrace(_ text: String) -> [StraceCall] {
        text.split(separator: "\n").compactMap { line -> StraceCall? in
            // strace pads the pid to five columns: "3359  socket(...)" has two spaces.
            let split = line.split(separator: " ", maxSplits: 1)
            let parts = split.count == 2 ? [split[0], split[1].drop { $0 == " " }] : split
            // strace pads a short call to a column before " = ": ")          = -1 ENOENT (...)".
            guard parts.count == 2, let pid = UInt32(parts[0]), let open = parts[1].firstIndex(of: "("),
                  let eq = parts[1].range(of: " = ", options: .backwards) else { return nil }
            let call = parts[1][..<eq.lowerBound].reversed().drop { $0 == " " }.reversed()
            guard call.last == ")" else { return nil }
            let name = String(parts[1][..<open])
            let args = String(call.dropFirst(name.count + 1).dropLast()).components(separatedBy: ", ")
            let retText = parts[1][eq.upperBound...].prefix { $0.isNumber || $0 == "-" }
            guard var ret = Int64(retText) else { return nil }
            if ret == -1, let errName = parts[1][eq.upperBound...].split(separator: " ").dropFirst().first {
                ret = -Int64(Self.errnoByName[String(errName)] ?? 0)
            }
            return StraceCall(pid: pid, name: name, args: args, ret: ret)
        }
    }

    static let errnoByName = ["EPROTONOSUPPORT": EPROTONOSUPPORT, "EPERM": EPERM, "EAFNOSUPPORT": EAFNOSUPPORT, "ENOENT": ENOENT,
                              "EINVAL": EINVAL, "EBADF": EBADF, "ESOCKTNOSUPPORT": ESOCKTNOSUPPORT,
                              "EADDRINUSE": EADDRINUSE, "ENOSYS": ENOSYS, "ENOEXEC": ENOEXEC]
    static let families = ["AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16, "AF_PACKET": 17]
    static let types = ["SOCK_STREAM": 1, "SOCK_DGRAM": 2, "SOCK_RAW": 3, "SOCK_SEQPACKET": 5]
    static let protocols = ["0": 0, "IPPROTO_IP": 0, "IPPROTO_ICMP": 1, "IPPROTO_TCP": 6, "IPPROTO_UDP": 17,
                            "htons(ETH_P_ALL)": 0x0300, "NETLINK_ROUTE": 0, "NETLINK_AUDIT": 9]

    func testDupAndSocketEventsMatchWhatStraceSaw() throws {
        try ready()
        let (listener, port) = SK.bound(family: AF_INET, type: Int32(SOCK_STREAM.rawValue))
        defer { close(listener) }
        let dir = NSTemporaryDirectory() + "is-dupsock-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.dupSocketHelper.write(toFile: dir + "/helper.py", atomically: true, encoding: .utf8)
        let trace = dir + "/strace.out"
        let strace = SC.spawn(["/usr/bin/strace", "-f", "-y", "-qq", "-e", "trace=socket,dup,dup2,dup3,fcntl", "-o", trace,
                               "/usr/bin/python3", dir + "/helper.py", String(port), dir + "/plain"])
        XCTAssertEqual(SC.wait(strace), 0, "strace + helper failed")
        let calls = Self.parseStrace(try String(contentsOfFile: trace, encoding: .utf8))
        guard let helperPid = calls.first(where: { $0.name == "socket" })?.pid else { return XCTFail("strace saw no socket() call") }

        // The oracle, by the probes' documented policy.
        let created = calls.filter { c in
            guard c.pid == helperPid, c.name == "socket", c.args.count == 3 else { return false }
            let family = Self.families[c.args[0]] ?? -1, proto = Self.protocols[c.args[2]] ?? -1
            return family != 1 && !(family == 16 && proto == 0)
        }
        let dups = calls.filter { c in
            guard c.pid == helperPid, !c.args.isEmpty, StraceCall.fd(c.args[0]).socket else { return false }
            switch c.name {
            case "dup2", "dup3": return (0...2).contains(StraceCall.fd(c.args[1]).fd)
            case "dup": return (0...2).contains(c.ret)
            case "fcntl": return c.args.count == 3 && c.args[1].hasPrefix("F_DUPFD") && (0...2).contains(c.ret)
            default: return false
            }
        }
        XCTAssertEqual(created.count, 7, "AF_INET, AF_INET6, AF_PACKET, NETLINK_AUDIT, raw ICMP, the refused one, the connected one: \(created)")
        XCTAssertEqual(dups.map(\.name), ["dup2", "dup3", "dup2"], "\(calls)")

        let sockets = events(.socket, count: created.count) { $0.pid == helperPid }
        for (e, c) in zip(sockets, created) {
            assertCommon(e, ret: c.ret, pid: helperPid)
            let typeFlags = c.args[1].split(separator: "|").map(String.init)
            XCTAssertEqual(Int(e.socketCreate.family), Self.families[c.args[0]], "\(c)")
            XCTAssertEqual(Int(e.socketCreate.sockType), Self.types[typeFlags[0]], "\(c)")
            XCTAssertEqual(Int(e.socketCreate.protocol), Self.protocols[c.args[2]], "\(c)")
            XCTAssertEqual(e.socketCreate.nonblock, typeFlags.contains("SOCK_NONBLOCK"), "\(c)")
            XCTAssertEqual(e.socketCreate.cloexec, typeFlags.contains("SOCK_CLOEXEC"), "\(c)")
        }
        let dupEvents = events(.dup, count: dups.count) { $0.pid == helperPid }
        for (e, c) in zip(dupEvents, dups) {
            assertCommon(e, ret: c.ret, pid: helperPid)
            XCTAssertEqual(e.dup.syscall, c.name)
            XCTAssertEqual(e.dup.oldfd, StraceCall.fd(c.args[0]).fd)
            XCTAssertEqual(e.dup.newfd, StraceCall.fd(c.args[1]).fd)
            XCTAssertEqual(e.dup.flags, c.args.count == 3 && c.args[2] == "O_CLOEXEC" ? UInt32(O_CLOEXEC) : 0)
            XCTAssertEqual([e.dup.family, e.dup.sockType, e.dup.protocol], [2, 1, 6])
            XCTAssertEqual(Array(e.dup.remoteAddr), [127, 0, 0, 1])
            XCTAssertEqual(e.dup.remotePort, UInt32(port))
            XCTAssertEqual(Array(e.dup.localAddr), [127, 0, 0, 1])
            XCTAssertGreaterThan(e.dup.localPort, 0)
        }
        // Nothing beyond the oracle: a short wait for stragglers, then exact counts.
        usleep(1_000_000)
        Self.lock.lock()
        let extra = Self.received.filter { $0.event.pid == helperPid && ($0.event.probe == "dup" || $0.event.probe == "socket") }
        Self.lock.unlock()
        XCTAssertEqual(extra.count, created.count + dups.count, "\(extra.map(\.event))")
    }
}
