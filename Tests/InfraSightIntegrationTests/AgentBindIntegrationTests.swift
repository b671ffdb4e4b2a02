import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The `bind` probe through the real agent and broker, with strace as the oracle: a real Python helper
/// binds and listens on IPv4 and IPv6, TCP and UDP (one bind refused with EADDRINUSE, one listen on an
/// unbound socket), and binds and listens on a unix socket and binds a netlink socket (neither may be
/// reported). Every bind and listen strace saw on an IP socket must arrive, in order, with the address
/// strace printed (bind) or the one getsockname gave the helper (listen); nothing else may.
extension AgentProbeIntegrationTests {
    static let bindHelper = """
    import socket, sys
    unix_path, out = sys.argv[1], open(sys.argv[2], 'w')
    a = socket.socket(); a.bind(('127.0.0.1', 0)); a.listen(5)
    out.write('%d %s %d\\n' % (a.fileno(), *a.getsockname()))
    b = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); b.bind(('::1', 0))
    c = socket.socket()
    try:
        c.bind(('127.0.0.1', a.getsockname()[1]))
    except OSError:
        pass
    d = socket.socket(socket.AF_INET6); d.listen(3)
    out.write('%d %s %d\\n' % (d.fileno(), *d.getsockname()[:2]))
    u = socket.socket(socket.AF_UNIX); u.bind(unix_path); u.listen(1)
    n = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); n.bind((0, 0))
    out.close()
    """

    /// A regex's first capture group in `text`, nil when it does not match.
    static func capture(_ pattern: String, in text: String) -> String? {
        guard let re = try? NSRegularExpression(pattern: pattern),
              let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), m.numberOfRanges > 1,
              let r = Range(m.range(at: 1), in: text) else { return nil }
        return String(text[r])
    }

    func testBindAndListenEventsMatchWhatStraceSaw() throws {
        try ready()
        let dir = NSTemporaryDirectory() + "is-bind-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.bindHelper.write(toFile: dir + "/helper.py", atomically: true, encoding: .utf8)
        let trace = dir + "/strace.out"
        let strace = SC.spawn(["/usr/bin/strace", "-f", "-y", "-qq", "-e", "trace=bind,listen", "-o", trace,
                               "/usr/bin/python3", dir + "/helper.py", dir + "/unix.sock", dir + "/names"])
        XCTAssertEqual(SC.wait(strace), 0, "strace + helper failed")
        // strace pads a short call to put " = " in column 40: "listen(4<socket:[1]>, 5)          = 0".
        let text = try String(contentsOfFile: trace, encoding: .utf8)
        let calls = Self.parseStrace(text.replacingOccurrences(of: "\\)\\s+= ", with: ") = ", options: .regularExpression))
        guard let helperPid = calls.first(where: { $0.name == "bind" })?.pid else { return XCTFail("strace saw no bind() call") }
        // getsockname after each listen, by fd: (address text, port).
        var listened: [Int32: (String, UInt32)] = [:]
        for line in try String(contentsOfFile: dir + "/names", encoding: .utf8).split(separator: "\n") {
            let f = line.split(separator: " ")
            listened[Int32(f[0])!] = (String(f[1]), UInt32(f[2])!)
        }
        XCTAssertEqual(listened.count, 2)

        // The oracle, by the probe's documented policy: IP sockets only (the unix and netlink ones are left out).
        let kept = calls.filter { c in
            guard c.pid == helperPid, !c.args.isEmpty else { return false }
            let raw = c.args.joined(separator: ", ")
            if c.name == "bind" { return raw.contains("sa_family=AF_INET") }
            return c.name == "listen" && StraceCall.fd(c.args[0]).socket && listened[StraceCall.fd(c.args[0]).fd] != nil
        }
        XCTAssertEqual(kept.map(\.name), ["bind", "listen", "bind", "bind", "listen"], "\(calls)")
        XCTAssertEqual(calls.filter { $0.pid == helperPid }.count, kept.count + 3, "the unix bind and listen and the netlink bind: \(calls)")
        XCTAssertEqual(kept.map(\.ret), [0, 0, 0, -Int64(EADDRINUSE), 0])

        let binds = events(.bind, count: kept.count) { $0.pid == helperPid }
        XCTAssertEqual(binds.count, kept.count)
        for (e, c) in zip(binds, kept) {
            assertCommon(e, ret: c.ret, pid: helperPid)
            let raw = c.args.joined(separator: ", ")
            let fd = StraceCall.fd(c.args[0]).fd
            XCTAssertEqual(e.bind.syscall, c.name, raw)
            XCTAssertEqual(e.bind.fd, fd, raw)
            let address: String, port: UInt32
            if c.name == "bind" {
                XCTAssertEqual(Int(e.bind.family), Self.families[Self.capture("sa_family=(AF_[A-Z0-9]+)", in: raw) ?? ""], raw)
                address = Self.capture("inet_addr\\(\"([^\"]+)\"\\)", in: raw) ?? Self.capture("inet_pton\\(AF_INET6, \"([^\"]+)\"", in: raw) ?? "?"
                port = UInt32(Self.capture("sin6?_port=htons\\(([0-9]+)\\)", in: raw) ?? "") ?? 99999
                XCTAssertEqual(e.bind.backlog, 0, raw)
            } else {
                (address, port) = listened[fd]!
                XCTAssertEqual(e.bind.backlog, Int32(c.args[1]), raw)
                XCTAssertEqual(e.bind.family, address.contains(":") ? 10 : 2, raw)
            }
            XCTAssertEqual(e.bind.port, port, raw)
            var bytes = [UInt8](repeating: 0, count: 16)
            let family = address.contains(":") ? AF_INET6 : AF_INET
            XCTAssertEqual(inet_pton(family, address, &bytes), 1, address)
            XCTAssertEqual(Array(e.bind.addr), Array(bytes.prefix(family == AF_INET6 ? 16 : 4)), raw)
            // type and protocol from the kernel socket: the IPv6 UDP socket is the only datagram one
            let udp = raw.contains("AF_INET6") && c.name == "bind"
            XCTAssertEqual([e.bind.sockType, e.bind.protocol], udp ? [2, 17] : [1, 6], raw)
        }
        // Nothing beyond the oracle: a short wait for stragglers, then exact counts.
        usleep(1_000_000)
        Self.lock.lock()
        let extra = Self.received.filter { $0.event.pid == helperPid && $0.event.probe == "bind" }
        Self.lock.unlock()
        XCTAssertEqual(extra.count, kept.count, "\(extra.map(\.event))")
    }
}
