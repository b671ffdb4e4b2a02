import Foundation
import InfraSightCore
@testable import InfraSightDetect
import XCTest

/// The default rule on sendto events: a datagram to a non-DNS port from a process named as a shell,
/// what it leaves out (DNS, other programs, failures, raw sockets), and the fields it reads.
final class SendtoRuleTests: XCTestCase {
    func send(comm: String = "bash", port: UInt32 = 4444, type: UInt32 = 2, ret: Int64 = 6, pid: UInt32 = 4242,
              syscall: String = "sendto", count: UInt32 = 1) -> Event {
        var e = DetectTestEvents.base(.sendto, pid: pid, comm: comm)
        var d = SendtoDetail()
        d.syscall = syscall; d.fd = 3; d.family = 2; d.sockType = type; d.protocol = type == 2 ? 17 : 1
        d.remoteAddr = Data([198, 51, 100, 7]); d.remotePort = port; d.localAddr = Data([0, 0, 0, 0]); d.localPort = 40_000
        d.count = count
        e.sendto = d
        e.enriched.remoteIp = "198.51.100.7"
        e.ret = ret
        return e
    }

    static let rule = "Outbound UDP to a non-DNS port from a shell"

    func testShellDatagramsToNonDNSPortsRaise() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [
            send(),                                             // raises
            send(comm: "sh", port: 53, pid: 2),                 // DNS
            send(comm: "python3", pid: 3),                      // not a shell
            send(comm: "dash", ret: -101, pid: 4),              // failed (ENETUNREACH)
            send(comm: "bash", type: 3, pid: 5),                // raw socket (ICMP): not UDP
            send(comm: "busybox", port: 123, pid: 6, syscall: "sendmmsg", count: 4),   // raises
        ])
        XCTAssertEqual(alerts.map(\.record.rule), [Self.rule, Self.rule])
        XCTAssertEqual(alerts.map(\.record.pid), [4242, 6])
        let message = alerts.last?.record.message ?? ""
        XCTAssertTrue(message.hasPrefix("UDP datagram from busybox to 198.51.100.7:123 (sendmmsg count=4"), message)
    }

    func testSendtoFieldsReadOnlyTheirProbe() throws {
        let book = try RuleBook(yaml: """
        - rule: fields
          condition: evt.type = sendmsg and sendto.family = 2 and sendto.type = 2 and sendto.count = 1 and net.rport = 4444 and net.lport = 40000
          output: "%sendto.count"
          priority: INFO
          tags: [T1]
        - rule: none on open
          condition: evt.probe = open and (sendto.family exists or sendto.count exists or sendto.type exists)
          output: "x"
          priority: INFO
          tags: [T1]
        """)
        let engine = DetectionEngine(book: book, detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [send(syscall: "sendmsg"), DetectTestEvents.open("/etc/hosts")])
        XCTAssertEqual(alerts.map(\.record.rule), ["fields"])
    }
}
