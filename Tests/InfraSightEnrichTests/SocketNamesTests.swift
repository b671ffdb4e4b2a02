import Foundation
import Glibc
import InfraSightCore
@testable import InfraSightEnrich
import XCTest

/// `SocketNames`, `IPText` and the `socket-names` step.
final class SocketNamesTests: XCTestCase {
    func testFamilies() {
        XCTAssertEqual(SocketNames.family(2), "AF_INET")
        XCTAssertEqual(SocketNames.family(10), "AF_INET6")
        XCTAssertEqual(SocketNames.family(1), "AF_UNIX")
        XCTAssertEqual(SocketNames.family(16), "AF_NETLINK")
        XCTAssertEqual(SocketNames.family(17), "AF_PACKET")
        XCTAssertEqual(SocketNames.family(40), "AF_VSOCK")
        XCTAssertEqual(SocketNames.family(31), "AF_31")
        XCTAssertEqual(SocketNames.family(1000), "AF_1000")
        XCTAssertEqual(SocketNames.family(UInt32(AF_INET6)), "AF_INET6")
        XCTAssertEqual(SocketNames.family(UInt32(AF_NETLINK)), "AF_NETLINK")
        XCTAssertEqual(SocketNames.family(UInt32(AF_PACKET)), "AF_PACKET")
    }

    func testProtocols() {
        let stream = UInt32(SOCK_STREAM.rawValue), dgram = UInt32(SOCK_DGRAM.rawValue), raw = UInt32(SOCK_RAW.rawValue)
        XCTAssertEqual(SocketNames.protocolName(family: 2, sockType: stream, protocol: 0), "TCP")
        XCTAssertEqual(SocketNames.protocolName(family: 10, sockType: stream, protocol: 6), "TCP")
        XCTAssertEqual(SocketNames.protocolName(family: 2, sockType: stream | 0o4000 | 0o2000000, protocol: 0), "TCP",
                       "SOCK_NONBLOCK|SOCK_CLOEXEC ignored")
        XCTAssertEqual(SocketNames.protocolName(family: 2, sockType: dgram, protocol: 0), "UDP")
        XCTAssertEqual(SocketNames.protocolName(family: 10, sockType: dgram, protocol: 17), "UDP")
        XCTAssertEqual(SocketNames.protocolName(family: 2, sockType: dgram, protocol: 1), "ICMP")
        XCTAssertEqual(SocketNames.protocolName(family: 10, sockType: raw, protocol: 58), "ICMPv6")
        XCTAssertEqual(SocketNames.protocolName(family: 2, sockType: raw, protocol: 255), "RAW")
        XCTAssertEqual(SocketNames.protocolName(family: 2, sockType: raw, protocol: 0), "RAW")
        XCTAssertEqual(SocketNames.protocolName(family: 2, sockType: stream, protocol: 132), "SCTP")
        XCTAssertEqual(SocketNames.protocolName(family: 2, sockType: 5, protocol: 0), "")
        XCTAssertEqual(SocketNames.protocolName(family: 2, sockType: raw, protocol: 47), "IPPROTO_47")
        XCTAssertEqual(SocketNames.protocolName(family: 1, sockType: stream, protocol: 0), "", "unix has no IP protocol")
        XCTAssertEqual(SocketNames.protocolName(family: 16, sockType: raw, protocol: 0), "")
        XCTAssertEqual(UInt32(IPPROTO_SCTP), 132)
        XCTAssertEqual(UInt32(IPPROTO_ICMPV6), 58)
    }

    func testIPv4AndIPv6Text() {
        XCTAssertEqual(IPText.text([127, 0, 0, 1]), "127.0.0.1")
        XCTAssertEqual(IPText.text([255, 255, 255, 255]), "255.255.255.255")
        XCTAssertEqual(IPText.text([10, 0, 100, 9]), "10.0.100.9")
        XCTAssertEqual(IPText.text([UInt8](repeating: 0, count: 16)), "::")
        XCTAssertEqual(IPText.text([UInt8](repeating: 0, count: 15) + [1]), "::1")
        XCTAssertEqual(IPText.text([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]), "2001:db8::1")
        XCTAssertEqual(IPText.text([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55]),
                       "fe80::211:22ff:fe33:4455")
        XCTAssertEqual(IPText.text([UInt8](repeating: 0, count: 10) + [0xff, 0xff, 192, 168, 1, 20]), "192.168.1.20",
                       "IPv4-mapped normalised")
        XCTAssertEqual(IPText.text(Data([0, 0, 0, 0])), "0.0.0.0")
    }

    func testMalformedLengthsAreEmpty() {
        for n in 0..<40 where n != 4 && n != 16 {
            XCTAssertEqual(IPText.text([UInt8](repeating: 0xab, count: n)), "", "\(n) bytes")
            XCTAssertEqual(IPText.text(Data(repeating: 0xab, count: n)), "", "\(n) bytes")
        }
    }

    /// Random addresses (biased towards zero groups, mapped and compatible forms) against glibc's
    /// `inet_ntop`.
    func testMatchesGlibcInetNtop() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50_000 {
            var bytes = [UInt8](repeating: 0, count: 16)
            for g in 0..<8 where Int.random(in: 0..<3, using: &rng) == 0 {
                bytes[2 * g] = Int.random(in: 0..<4, using: &rng) == 0 ? 0 : UInt8.random(in: 0...255, using: &rng)
                bytes[2 * g + 1] = UInt8.random(in: 0...255, using: &rng)
            }
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: bytes.replaceSubrange(0..<12, with: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])
            case 1: bytes.replaceSubrange(0..<12, with: [UInt8](repeating: 0, count: 12))
            case 2: bytes.replaceSubrange(0..<12, with: [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0])
            default: break
            }
            let expected = ntop(AF_INET6, bytes)
            let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
            XCTAssertEqual(IPText.text(bytes), mapped ? ntop(AF_INET, Array(bytes[12...])) : expected, "\(bytes)")
            let v4 = Array(bytes[12...])
            XCTAssertEqual(IPText.text(v4), ntop(AF_INET, v4))
        }
    }

    private func ntop(_ family: Int32, _ bytes: [UInt8]) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        let ok = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buf, socklen_t(buf.count)) }
        XCTAssertNotNil(ok)
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Arbitrary detail payloads never crash the step.
    func testFuzzedDetailsNeverCrash() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            var d = SocketDetail()
            d.family = UInt32.random(in: 0...70, using: &rng)
            d.sockType = UInt32.random(in: 0...UInt32.max, using: &rng)
            d.protocol = UInt32.random(in: 0...UInt32.max, using: &rng)
            d.localAddr = Data((0..<Int.random(in: 0...20, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            d.remoteAddr = Data((0..<Int.random(in: 0...20, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            var e = Event()
            e.socket = d
            SocketNamesStep().apply(to: &e)
            ServiceNameStep().apply(to: &e)
            XCTAssertEqual(e.enriched.localIp.isEmpty, d.localAddr.count != 4 && d.localAddr.count != 16)
        }
    }

    func testStepOnConnectEvent() {
        var d = SocketDetail()
        d.family = 10
        d.sockType = 1
        d.localAddr = Data([UInt8](repeating: 0, count: 10) + [0xff, 0xff, 10, 1, 2, 3])
        d.remoteAddr = Data([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x53])
        var e = Event()
        e.socket = d
        SocketNamesStep().apply(to: &e)
        XCTAssertEqual(e.enriched.familyName, "AF_INET6")
        XCTAssertEqual(e.enriched.protocolName, "TCP")
        XCTAssertEqual(e.enriched.localIp, "10.1.2.3")
        XCTAssertEqual(e.enriched.remoteIp, "2001:db8::53")

        var u = SocketDetail()
        u.family = 1
        u.sockType = 1
        u.unixPath = "/run/docker.sock"
        var ue = Event()
        ue.socket = u
        SocketNamesStep().apply(to: &ue)
        XCTAssertEqual(ue.enriched.familyName, "AF_UNIX")
        XCTAssertEqual(ue.enriched.protocolName, "")
        XCTAssertEqual(ue.enriched.localIp, "")
        XCTAssertEqual(ue.enriched.remoteIp, "")
    }
}
