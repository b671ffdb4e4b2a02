import Foundation
import InfraSightCore
@testable import InfraSightDetect
import XCTest

/// The default rules on bind events: a new network listener outside the known servers, a shell or
/// interpreter listening (bind shell), what each leaves out, and the fields they read.
final class BindRuleTests: XCTestCase {
    func bind(_ syscall: String = "listen", comm: String = "webcache", family: UInt32 = 2, type: UInt32 = 1,
              ip: String = "0.0.0.0", port: UInt32 = 4444, backlog: Int32 = 5, ret: Int64 = 0, pid: UInt32 = 4242) -> Event {
        var e = DetectTestEvents.base(.bind, pid: pid, comm: comm)
        var d = BindDetail()
        d.syscall = syscall; d.fd = 3; d.family = family; d.sockType = type; d.protocol = type == 2 ? 17 : 6
        d.port = port; d.backlog = syscall == "listen" ? backlog : 0
        e.bind = d
        e.enriched.localIp = ip
        e.enriched.protocolName = type == 2 ? "UDP" : "TCP"
        e.ret = ret
        return e
    }

    static let listener = "New listening socket by a process that is not a known server"
    static let bindShell = "Shell or interpreter listening on a network port"

    func testUnknownListenerRaisesAndServersLoopbackFailuresAndTcpBindsDoNot() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [
            bind(),                                                   // raises
            bind("bind", pid: 2),                                     // TCP bind alone: no listener yet
            bind(comm: "nginx", pid: 3), bind(comm: "sshd", pid: 4),  // known servers
            bind(ip: "127.0.0.1", pid: 5), bind(family: 10, ip: "::1", pid: 6),   // loopback only
            bind(ret: -98, pid: 7),                                   // failed listen
            bind(family: 1, ip: "", port: 0, pid: 8),                 // not IP
            bind("bind", type: 2, port: 0, pid: 9),                   // UDP client's ephemeral bind
            bind("bind", type: 2, ip: "::", port: 5353, pid: 10),     // UDP server: raises
        ])
        XCTAssertEqual(alerts.map(\.record.rule), [Self.listener, Self.listener])
        XCTAssertEqual(alerts.map(\.record.pid), [4242, 10])
        let message = alerts.first?.record.message ?? ""
        XCTAssertTrue(message.hasPrefix("webcache listens on 0.0.0.0:4444 (TCP listen"), message)
    }

    func testShellsAndInterpretersListeningRaiseTheBindShellRuleOnly() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [
            bind(comm: "python3"), bind(comm: "nc", ip: "127.0.0.1", pid: 2), bind(comm: "perl", family: 10, ip: "::", pid: 3),
            bind("bind", comm: "bash", pid: 4), bind(comm: "sh", ret: -13, pid: 5),
        ])
        XCTAssertEqual(alerts.map(\.record.rule), Array(repeating: Self.bindShell, count: 3))
        XCTAssertEqual(alerts.map(\.record.pid), [4242, 2, 3], "loopback counts for a shell; a bind alone or a failure does not")
        XCTAssertEqual(alerts.first?.record.severity, "critical")
    }

    func testBindFieldsReadOnlyTheirProbe() throws {
        let book = try RuleBook(yaml: """
        - rule: fields
          condition: evt.type = listen and bind.family = 10 and bind.type = 1 and bind.backlog = 128 and net.lport = 8080
          output: "%bind.backlog"
          priority: INFO
          tags: [T1]
        - rule: none on open
          condition: evt.probe = open and (bind.family exists or bind.backlog exists or net.lport exists)
          output: "x"
          priority: INFO
          tags: [T1]
        """)
        let engine = DetectionEngine(book: book, detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [bind(family: 10, port: 8080, backlog: 128), DetectTestEvents.open("/etc/hosts")])
        XCTAssertEqual(alerts.map(\.record.rule), ["fields"])
        XCTAssertEqual(alerts.first?.record.message, "128")
    }
}
