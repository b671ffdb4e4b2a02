import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The `sendto` probe through the real agent and broker, with strace as the oracle: a real Python
/// helper sends UDP datagrams to explicit IPv4 and IPv6 destinations (sendto, sendmsg), sends on a
/// connected UDP socket without a destination (send, sendmsg) and to a unix datagram socket (neither
/// may be reported). Every send strace saw with an AF_INET/AF_INET6 destination must arrive, in order,
/// with the destination strace printed; nothing else may.
extension AgentProbeIntegrationTests {
    static let sendtoHelper = """
    import socket, sys
    port4, port6, unix_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.sendto(b'one', ('127.0.0.1', port4))
    b = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    b.sendmsg([b'two'], [], 0, ('::1', port6))
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.connect(('127.0.0.1', port4))
    c.send(b'three'); c.sendmsg([b'four'])
    c.sendto(b'five', socket.MSG_DONTWAIT, ('127.0.0.1', port4))
    u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        u.sendto(b'six', unix_path)
    except OSError:
        pass
    """

    func testSendtoEventsMatchWhatStraceSaw() throws {
        try ready()
        let dgram = Int32(SOCK_DGRAM.rawValue)
        let (server4, port4) = SK.bound(family: AF_INET, type: dgram, listen: false)
        let (server6, port6) = SK.bound(family: AF_INET6, type: dgram, listen: false)
        defer { close(server4); close(server6) }
        let dir = NSTemporaryDirectory() + "is-sendto-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.sendtoHelper.write(toFile: dir + "/helper.py", atomically: true, encoding: .utf8)
        let trace = dir + "/strace.out"
        let strace = SC.spawn(["/usr/bin/strace", "-f", "-y", "-qq", "-e", "trace=sendto,sendmsg,sendmmsg", "-o", trace,
                               "/usr/bin/python3", dir + "/helper.py", String(port4), String(port6), dir + "/nobody.sock"])
        XCTAssertEqual(SC.wait(strace), 0, "strace + helper failed")
        // strace pads a short call to put " = " in column 40.
        let text = try String(contentsOfFile: trace, encoding: .utf8)
        let calls = Self.parseStrace(text.replacingOccurrences(of: "\\)\\s+= ", with: ") = ", options: .regularExpression))
        guard let helperPid = calls.first(where: { $0.name == "sendto" })?.pid else { return XCTFail("strace saw no sendto() call") }
        let mine = calls.filter { $0.pid == helperPid }
        // The oracle, by the probe's documented policy: an explicit AF_INET/AF_INET6 destination.
        let kept = mine.filter { $0.args.joined(separator: ", ").contains("sa_family=AF_INET") }
        XCTAssertEqual(kept.map(\.name), ["sendto", "sendmsg", "sendto"], "\(calls)")
        XCTAssertEqual(mine.count, kept.count + 3, "the connected send and sendmsg and the unix sendto: \(mine)")

        let sends = events(.sendto, count: kept.count) { $0.pid == helperPid }
        XCTAssertEqual(sends.count, kept.count)
        for (e, c) in zip(sends, kept) {
            let raw = c.args.joined(separator: ", ")
            assertCommon(e, ret: c.ret, pid: helperPid)
            XCTAssertEqual(e.sendto.syscall, c.name, raw)
            XCTAssertEqual(e.sendto.fd, StraceCall.fd(c.args[0]).fd, raw)
            XCTAssertEqual(Int(e.sendto.family), Self.families[Self.capture("sa_family=(AF_[A-Z0-9]+)", in: raw) ?? ""], raw)
            let address = Self.capture("inet_addr\\(\"([^\"]+)\"\\)", in: raw) ?? Self.capture("inet_pton\\(AF_INET6, \"([^\"]+)\"", in: raw) ?? "?"
            let family = address.contains(":") ? AF_INET6 : AF_INET
            var bytes = [UInt8](repeating: 0, count: 16)
            XCTAssertEqual(inet_pton(family, address, &bytes), 1, address)
            XCTAssertEqual(Array(e.sendto.remoteAddr), Array(bytes.prefix(family == AF_INET6 ? 16 : 4)), raw)
            XCTAssertEqual(e.sendto.remotePort, UInt32(Self.capture("sin6?_port=htons\\(([0-9]+)\\)", in: raw) ?? "") ?? 0, raw)
            let flags = c.name == "sendto" ? c.args[3] : c.args.last!
            XCTAssertEqual(e.sendto.flags, flags == "MSG_DONTWAIT" ? UInt32(MSG_DONTWAIT) : UInt32(flags) ?? 99, raw)
            XCTAssertEqual(e.sendto.count, 1, raw)
            XCTAssertEqual([e.sendto.sockType, e.sendto.protocol], [2, 17], raw)
            XCTAssertGreaterThan(e.sendto.localPort, 0, "the send bound a local port: \(raw)")
        }
        // Nothing beyond the oracle: a short wait for stragglers, then exact counts.
        usleep(1_000_000)
        Self.lock.lock()
        let extra = Self.received.filter { $0.event.pid == helperPid && $0.event.probe == "sendto" }
        Self.lock.unlock()
        XCTAssertEqual(extra.count, kept.count, "\(extra.map(\.event))")
    }
}
