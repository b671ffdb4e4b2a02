import Foundation
@testable import InfraSightEnrich
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Fuzzes the enrichment worker's parsers of operator config and event bytes: the sensitive-path
/// patterns file and socket address text (IPText against glibc's inet_ntop/inet_pton).
final class FuzzConfigTests: XCTestCase {
    static let patternsSeed = """
        # sensitive paths
        /etc/shadow
        /etc/ssh/
        /home/*/.ssh/
        /etc/passwd write

        /var/run/docker.sock\t# trailing comment
        """

    func testFuzzSensitivePathConfig() throws {
        let m = try SensitivePathMatcher(lines: Self.patternsSeed.components(separatedBy: "\n"))
        XCTAssertEqual(m.patterns.map(\.text), ["/etc/shadow", "/etc/ssh/", "/home/*/.ssh/", "/etc/passwd", "/var/run/docker.sock"])
        XCTAssertTrue(m.matches("/home/alice/.ssh/id_ed25519", write: false))
        XCTAssertTrue(m.matches("/tmp/../etc/shadow", write: false))
        XCTAssertFalse(m.matches("/etc/passwd", write: false))
        // Round trip: the compiled patterns written back as a file compile to the same patterns.
        let written = m.patterns.map { $0.text + ($0.writesOnly ? " write" : "") }
        XCTAssertEqual(try SensitivePathMatcher(lines: written).patterns, m.patterns)

        let defaults = SensitivePathMatcher.defaultPatternLines.joined(separator: "\n")
        let probes = ["/etc/shadow", "/etc/ssh/sshd_config", "/home/x/.ssh/a", "/usr/bin/ls", "relative/etc/shadow",
                      "/", "", "//etc//shadow", "/etc/./ssh/../shadow", "/../../etc/shadow"]
        FuzzKit.run("sensitive-paths", seeds: [Array(Self.patternsSeed.utf8), Array(defaults.utf8)], maxLength: 1024) { input in
            let text = String(decoding: input, as: UTF8.self)
            let matcher: SensitivePathMatcher
            do { matcher = try SensitivePathMatcher(lines: text.components(separatedBy: "\n")) } catch let e as EnrichError {
                return "\(e)".contains("line ") ? nil : "error does not name the line: \(e)"
            } catch { return "unexpected error type \(error)" }
            for p in matcher.patterns {
                if !p.text.hasPrefix("/") { return "relative pattern accepted: \(p.text)" }
                if p.text.contains(" ") || p.text.contains("\t") { return "whitespace in pattern" }
            }
            // Compiled patterns round-trip, and matching arbitrary paths (including the input) never crashes.
            let again = matcher.patterns.map { $0.text + ($0.writesOnly ? " write" : "") }
            guard let re = try? SensitivePathMatcher(lines: again), re.patterns == matcher.patterns else {
                return "patterns do not round-trip"
            }
            for path in probes + [text, "/" + text] {
                let r = matcher.matches(path, write: true)
                if !path.hasPrefix("/") && r { return "relative path \(path) matched" }
                _ = matcher.matches(path, write: false)
            }
            return nil
        }
    }

    static func ntop(_ bytes: [UInt8]) -> String {
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        var buf = [CChar](repeating: 0, count: 64)
        let ok = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buf, 64) } != nil
        return ok ? String(cString: buf) : "?"
    }

    func testFuzzSocketAddressText() {
        XCTAssertEqual(IPText.text([127, 0, 0, 1]), "127.0.0.1")
        XCTAssertEqual(IPText.text([UInt8](repeating: 0, count: 10) + [0xff, 0xff, 10, 1, 2, 3]), "10.1.2.3")
        XCTAssertEqual(IPText.text([1, 2, 3]), "")
        let seeds: [[UInt8]] = [[127, 0, 0, 1], [UInt8](repeating: 0, count: 16), [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1],
                                [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 192, 168, 0, 1], [0xfe, 0x80] + [UInt8](repeating: 0, count: 13) + [1],
                                [UInt8](repeating: 0xff, count: 16)]
        FuzzKit.run("socket-address", seeds: seeds, maxLength: 20) { input in
            let text = IPText.text(input)
            guard input.count == 4 || input.count == 16 else { return text.isEmpty ? nil : "text for a \(input.count)-byte address" }
            if text.utf8.count > 45 { return "over-long address text \(text)" }   // INET6_ADDRSTRLEN - 1
            let mapped = input.count == 16 && input[0..<10].allSatisfy { $0 == 0 } && input[10] == 0xff && input[11] == 0xff
            let expected = mapped ? Self.ntop(Array(input[12...])) : Self.ntop(input)
            if text != expected { return "IPText \(text) != inet_ntop \(expected)" }
            // And back: inet_pton of the text gives the bytes again (IPv4 for mapped addresses).
            let back = mapped ? Array(input[12...]) : input
            var out = [UInt8](repeating: 0, count: 16)
            guard inet_pton(back.count == 4 ? AF_INET : AF_INET6, text, &out) == 1, Array(out.prefix(back.count)) == back else {
                return "\(text) does not parse back to the address"
            }
            return nil
        }
    }
}
