import InfraSightCore
@testable import InfraSightDetect
import XCTest

/// The default rules on dup and socket events: a network socket on stdin (alone, and followed by an
/// exec in the same process), packet sockets outside the sniffer list, and the fields they read.
final class DupSocketRuleTests: XCTestCase {
    let t0: UInt64 = 1_700_000_000_000_000_000

    func dup(newfd: Int32, family: UInt32 = 2, ret: Int64? = nil, comm: String = "python3", pid: UInt32 = 4242,
             timeNs: UInt64 = 1_700_000_000_000_000_000) -> Event {
        var e = DetectTestEvents.base(.dup, pid: pid, comm: comm, timeNs: timeNs)
        var d = DupDetail()
        d.syscall = "dup2"; d.oldfd = 3; d.newfd = newfd; d.family = family; d.sockType = 1; d.protocol = 6
        d.localAddr = Data([127, 0, 0, 1]); d.localPort = 40_000; d.remoteAddr = Data([198, 51, 100, 7]); d.remotePort = 4444
        e.dup = d
        e.ret = ret ?? Int64(newfd)
        return e
    }

    func socket(family: UInt32, type: UInt32 = 3, comm: String = "python3", ret: Int64 = 5) -> Event {
        var e = DetectTestEvents.base(.socket, comm: comm)
        var d = SocketCreateDetail()
        d.family = family; d.sockType = type; d.protocol = 0x0300
        e.socketCreate = d
        e.ret = ret
        return e
    }

    func testSocketOnStdinRaisesOnceAndStdoutOrUnixOrFailedDoNot() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [
            dup(newfd: 0), dup(newfd: 1), dup(newfd: 2),
            dup(newfd: 0, family: 1, pid: 5),
            dup(newfd: 0, ret: -9, pid: 6),
            dup(newfd: 0, comm: "xinetd", pid: 7),
        ])
        XCTAssertEqual(alerts.map(\.record.rule), ["Socket redirected to a standard stream"])
        XCTAssertEqual(alerts.first?.record.pid, 4242)
        let message = alerts.first?.record.message ?? ""
        XCTAssertTrue(message.contains("put on stdin of python3 by dup2 (oldfd=3"), message)
    }

    func testSocketOnStdinThenExecRaisesTheSequence() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let exec = DetectTestEvents.exec("/bin/sh", argv: ["sh", "-i"], timeNs: t0 + 1_000_000)
        let alerts = try DetectTestEvents.run(engine, [dup(newfd: 0, timeNs: t0), exec])
        XCTAssertEqual(alerts.map(\.record.rule).sorted(),
                       ["Shell executed with a network socket as standard input", "Socket redirected to a standard stream"])
        // The exec before the redirection is no sequence.
        let other = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let early = DetectTestEvents.exec("/bin/sh", argv: ["sh"], pid: 77, timeNs: t0)
        let none = try DetectTestEvents.run(other, [early, dup(newfd: 0, pid: 77, timeNs: t0 + 1)])
        XCTAssertEqual(none.map(\.record.rule), ["Socket redirected to a standard stream"])
    }

    func testPacketSocketsOutsideTheSniffersRaise() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [
            socket(family: 17), socket(family: 17, comm: "tcpdump"), socket(family: 2, type: 1),
            socket(family: 2, type: 10, comm: "sniffer"), socket(family: 17, comm: "dhclient", ret: -1),
        ])
        XCTAssertEqual(alerts.map(\.record.rule), Array(repeating: "Packet socket created by a process other than known sniffers", count: 2))
        XCTAssertTrue(alerts[0].record.message.contains("family=17 type=3 protocol=768"), alerts[0].record.message)
    }

    func testDupAndSocketFieldsReadOnlyTheirProbe() throws {
        let book = try RuleBook(yaml: """
        - rule: fields
          condition: dup.newfd = 1 and dup.oldfd = 3 and dup.family = 2 and net.rport = 4444 and net.lport = 40000 and evt.type = dup2
          output: "%dup.flags"
          priority: INFO
          tags: [T1]
        - rule: socket fields
          condition: socket.family = 17 and socket.type = 3 and socket.protocol = 768 and not socket.nonblock and evt.type = socket
          output: "x"
          priority: INFO
          tags: [T1]
        - rule: none on open
          condition: evt.probe = open and (dup.newfd exists or socket.family exists)
          output: "x"
          priority: INFO
          tags: [T1]
        """)
        let engine = DetectionEngine(book: book, detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [dup(newfd: 1), socket(family: 17), DetectTestEvents.open("/etc/hosts")])
        XCTAssertEqual(alerts.map(\.record.rule), ["fields", "socket fields"])
    }
}
