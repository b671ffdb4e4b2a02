import Foundation
import InfraSightCore
@testable import InfraSightEnrich
import InfraSightTestSupport
import XCTest

/// `ServiceNames` and the `service` step.
final class ServiceNameTests: XCTestCase {
    private func socketEvent(probe: String, type: UInt32 = 1, proto: UInt32 = 0, local: UInt32, remote: UInt32) -> Event {
        var d = SocketDetail()
        d.family = 2
        d.sockType = type
        d.protocol = proto
        d.localPort = local
        d.remotePort = remote
        d.syscall = probe
        var e = Event()
        e.probe = probe
        e.socket = d
        return e
    }

    func testBuiltinNames() {
        let s = ServiceNames()
        XCTAssertEqual(s.name(port: 22, transport: .tcp), "ssh")
        XCTAssertEqual(s.name(port: 53, transport: .udp), "domain")
        XCTAssertEqual(s.name(port: 53, transport: .tcp), "domain")
        XCTAssertEqual(s.name(port: 443, transport: .tcp), "https")
        XCTAssertEqual(s.name(port: 5432, transport: .tcp), "postgresql")
        XCTAssertEqual(s.name(port: 3306, transport: .tcp), "mysql")
        XCTAssertEqual(s.name(port: 6379, transport: .tcp), "redis")
        XCTAssertEqual(s.name(port: 9092, transport: .tcp), "kafka")
        XCTAssertEqual(s.name(port: 8123, transport: .tcp), "clickhouse")
        XCTAssertEqual(s.name(port: 9000, transport: .tcp), "clickhouse")
        XCTAssertEqual(s.name(port: 123, transport: .udp), "ntp")
        XCTAssertEqual(s.name(port: 123, transport: .tcp), "", "protocol-aware")
        XCTAssertEqual(s.name(port: 22, transport: .udp), "")
        XCTAssertEqual(s.name(port: 0, transport: .tcp), "")
        XCTAssertEqual(s.name(port: 70_000, transport: .tcp), "")
        XCTAssertEqual(s.name(port: 40_123, transport: .tcp), "")
    }

    func testServicesFileExtendsButDoesNotOverride() {
        let text = """
        # comment line
        cslistener\t9000/tcp
        gopher\t\t70/tcp\t\t\t# Internet Gopher
        myproto 7777/udp alias1 alias2
        broken line
        bad 99999/tcp
        sctponly 4444/sctp
        """
        let s = ServiceNames().merging(servicesText: text)
        XCTAssertEqual(s.name(port: 9000, transport: .tcp), "clickhouse", "built-in wins")
        XCTAssertEqual(s.name(port: 70, transport: .tcp), "gopher")
        XCTAssertEqual(s.name(port: 7777, transport: .udp), "myproto")
        XCTAssertEqual(s.name(port: 7777, transport: .tcp), "")
        XCTAssertEqual(s.name(port: 4444, transport: .tcp), "")
    }

    func testMissingServicesFileKeepsBuiltin() {
        let s = ServiceNames().merging(servicesFile: "/nonexistent/services")
        XCTAssertEqual(s.name(port: 443, transport: .tcp), "https")
    }

    func testSystemServicesFile() throws {
        guard FileManager.default.fileExists(atPath: "/etc/services") else { throw TestSupportError("no /etc/services") }
        let s = ServiceNames().merging(servicesFile: "/etc/services")
        XCTAssertEqual(s.name(port: 22, transport: .tcp), "ssh")
        XCTAssertEqual(s.name(port: 21, transport: .udp), "fsp", "Debian's /etc/services lists fsp 21/udp")
    }

    func testConnectUsesRemotePortAcceptUsesLocalPort() {
        let step = ServiceNameStep()
        var c = socketEvent(probe: "connect", local: 45_678, remote: 443)
        step.apply(to: &c)
        XCTAssertEqual(c.enriched.service, "https")
        var a = socketEvent(probe: "accept", local: 22, remote: 51_000)
        step.apply(to: &a)
        XCTAssertEqual(a.enriched.service, "ssh")
        var u = socketEvent(probe: "connect", type: 2, local: 40_000, remote: 53)
        step.apply(to: &u)
        XCTAssertEqual(u.enriched.service, "domain")
        var ntpTCP = socketEvent(probe: "connect", type: 1, local: 40_000, remote: 123)
        step.apply(to: &ntpTCP)
        XCTAssertEqual(ntpTCP.enriched.service, "")
        var ntpUDP = socketEvent(probe: "connect", type: 2, proto: 17, local: 40_000, remote: 123)
        step.apply(to: &ntpUDP)
        XCTAssertEqual(ntpUDP.enriched.service, "ntp")
    }

    func testUnixSocketsHaveNoService() {
        var e = socketEvent(probe: "connect", local: 0, remote: 22)
        e.socket.family = 1
        ServiceNameStep().apply(to: &e)
        XCTAssertEqual(e.enriched.service, "")
    }
}
