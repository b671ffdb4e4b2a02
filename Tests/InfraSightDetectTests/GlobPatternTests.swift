import XCTest
@testable import InfraSightDetect

/// The compiled glob's literal shortcuts must never change an answer: every pattern and text here is
/// judged by both `GlobPattern.matches` and the full `ByteMatch.glob`, and they must agree.
final class GlobPatternTests: XCTestCase {
    private func both(_ text: String, _ pattern: String) -> (compiled: Bool, full: Bool) {
        let p = Array(pattern.utf8)
        return Array(text.utf8).withUnsafeBytes { (GlobPattern(p).matches($0), ByteMatch.glob($0, p)) }
    }

    func testShapesAndKnownAnswers() {
        let cases: [(String, String, Bool)] = [
            ("/etc/shadow", "/etc/shadow", true), ("/etc/shadow2", "/etc/shadow", false),
            ("/root/.ssh/id_rsa", "/root/.ssh/id_*", true), ("/root/.ssh/known_hosts", "/root/.ssh/id_*", false),
            ("/home/u/.aws/credentials", "*/.aws/credentials", true), ("/home/u/.aws/config", "*/.aws/credentials", false),
            ("/home/bob/.ssh/id_rsa", "/home/*/.ssh/id_*", true), ("/home/bob/.ssh/config", "/home/*/.ssh/id_*", false),
            ("/u/.config/gcloud/legacy_credentials/x", "*/.config/gcloud/*credentials*", true),
            ("/u/.config/gcloud/configurations", "*/.config/gcloud/*credentials*", false),
            ("/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_*_key", true), ("/etc/ssh/ssh_host_rsa_key.pub", "/etc/ssh/ssh_host_*_key", false),
            ("../../etc/x", "*../*../*", true), ("../etc/x", "*../*../*", false),
            ("a1", "a[0-9]", true), ("ab", "a[!b]", false), ("a?", "a\\?", true), ("ab", "a\\?", false),
            ("x[y", "x[y", true), ("ab", "a*b*", true), ("a", "a*b*", false), ("", "*", true), ("", "", true), ("a", "", false),
            ("abc", "a**c", true), ("a]c", "a[]]c", true), ("/usr/bin/xfind", "*/find", false), ("/usr/bin/find", "*/find", true),
        ]
        for (text, pattern, expected) in cases {
            let r = both(text, pattern)
            XCTAssertEqual(r.full, expected, "full glob \(pattern) on \(text)")
            XCTAssertEqual(r.compiled, expected, "compiled glob \(pattern) on \(text)")
        }
    }

    func testAgreesWithTheFullMatcherOnRandomInputs() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("ab/.*?[]!-\\".utf8)
        let textAlphabet = Array("ab/.[]-\\*?".utf8)
        for _ in 0..<20_000 {
            let pattern = (0..<Int.random(in: 0...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let text = (0..<Int.random(in: 0...10, using: &rng)).map { _ in textAlphabet.randomElement(using: &rng)! }
            let compiled = text.withUnsafeBytes { GlobPattern(pattern).matches($0) }
            let full = text.withUnsafeBytes { ByteMatch.glob($0, pattern) }
            XCTAssertEqual(compiled, full, "pattern \(String(decoding: pattern, as: UTF8.self)) text \(String(decoding: text, as: UTF8.self))")
            if compiled != full { return }
        }
    }
}

/// `pmatch`'s length buckets must answer as the plain "equal to or under any entry" test does.
final class PathPrefixSetTests: XCTestCase {
    func testAgreesWithIsPathOverEveryEntry() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("ab/".utf8)
        func random(_ max: Int) -> [UInt8] { (0..<Int.random(in: 0...max, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! } }
        for _ in 0..<5_000 {
            let entries = (0..<Int.random(in: 0...5, using: &rng)).map { _ in random(5) }
            let set = PathPrefixSet(entries)
            for _ in 0..<8 {
                let path = random(9)
                let expected = path.withUnsafeBytes { p in entries.contains { ByteMatch.isPath(p, under: $0) } }
                let got = path.withUnsafeBytes { set.contains($0) }
                XCTAssertEqual(got, expected, "entries \(entries.map { String(decoding: $0, as: UTF8.self) }) path \(String(decoding: path, as: UTF8.self))")
                if got != expected { return }
            }
        }
    }

    func testSensitiveDirectories() {
        let set = PathPrefixSet(["/etc/shadow", "/etc/sudoers.d", "/var/run/secrets/kubernetes.io/serviceaccount", "/tmp/"].map { Array($0.utf8) })
        func has(_ p: String) -> Bool { Array(p.utf8).withUnsafeBytes { set.contains($0) } }
        XCTAssertTrue(has("/etc/shadow"))
        XCTAssertFalse(has("/etc/shadow.bak"))
        XCTAssertTrue(has("/etc/sudoers.d/90-x"))
        XCTAssertTrue(has("/var/run/secrets/kubernetes.io/serviceaccount/token"))
        XCTAssertTrue(has("/tmp/x"))
        XCTAssertTrue(has("/tmp/"))
        XCTAssertFalse(has("/tmp"))
        XCTAssertFalse(has("/etc"))
        XCTAssertFalse(has(""))
    }
}
