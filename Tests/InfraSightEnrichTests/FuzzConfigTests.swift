import Foundation
@testable import InfraSightEnrich
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

// MARK: - Fuzz kit (a copy lives in each test target that fuzzes: no shared target without editing Package.swift)

/// Deterministic PRNG (splitmix64) so a failing run can be replayed with INFRASIGHT_FUZZ_SEED.
struct FuzzRNG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random and mutation-based input generation for the decoder fuzz tests. Iterations come from
/// INFRASIGHT_FUZZ_ITERATIONS (default 20,000 per decoder; `make fuzz` runs 1,000,000).
enum FuzzKit {
    static var iterations: Int {
        Int(ProcessInfo.processInfo.environment["INFRASIGHT_FUZZ_ITERATIONS"] ?? "") ?? 20_000
    }

    static var seed: UInt64 {
        UInt64(ProcessInfo.processInfo.environment["INFRASIGHT_FUZZ_SEED"] ?? "") ?? UInt64.random(in: 0...UInt64.max)
    }

    /// Tests/fuzz-corpus/<name>/
    static func corpusDirectory(_ name: String) -> URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { break }
        }
        return url.appendingPathComponent("Tests/fuzz-corpus/\(name)")
    }

    /// The committed seed corpus of `name` (every file in its folder, sorted by name).
    static func corpus(_ name: String) -> [[UInt8]] {
        let dir = corpusDirectory(name)
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
        return files.compactMap { FileManager.default.contents(atPath: dir.appendingPathComponent($0).path) }.map { Array($0) }
    }

    /// With INFRASIGHT_FUZZ_WRITE_CORPUS=1, (re)writes the built-in seeds as the committed corpus.
    static func writeCorpusIfAsked(_ name: String, _ seeds: [[UInt8]]) {
        guard ProcessInfo.processInfo.environment["INFRASIGHT_FUZZ_WRITE_CORPUS"] == "1" else { return }
        let dir = corpusDirectory(name)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (i, s) in seeds.enumerated() {
            FileManager.default.createFile(atPath: dir.appendingPathComponent(String(format: "seed-%03d", i)).path,
                                           contents: Data(s))
        }
    }

    static let interesting32: [UInt32] = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x1ff, 0x200, 0x201, 0x3ff, 0x400, 0xfff,
                                          0x1000, 0x7fff, 0x8000, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff]

    /// One mutation of `input`: bit flips, random bytes, truncation, insertion, deletion, duplication,
    /// length-field lies (interesting integers written at an aligned offset), or a splice with `other`.
    static func mutate(_ input: [UInt8], other: [UInt8], rng: inout FuzzRNG, maxLength: Int) -> [UInt8] {
        var b = input
        let rounds = Int.random(in: 1...4, using: &rng)
        for _ in 0..<rounds {
            switch Int.random(in: 0..<9, using: &rng) {
            case 0 where !b.isEmpty:   // bit flip
                let i = Int.random(in: 0..<b.count, using: &rng)
                b[i] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            case 1 where !b.isEmpty:   // random byte
                b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 2 where !b.isEmpty:   // truncate
                b.removeLast(Int.random(in: 1...b.count, using: &rng))
            case 3:                    // insert random bytes
                let n = Int.random(in: 1...16, using: &rng)
                let at = Int.random(in: 0...b.count, using: &rng)
                b.insert(contentsOf: (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            case 4 where b.count > 1:  // delete a range
                let at = Int.random(in: 0..<b.count, using: &rng)
                let n = Int.random(in: 1...min(32, b.count - at), using: &rng)
                b.removeSubrange(at..<(at + n))
            case 5 where !b.isEmpty:   // duplicate a chunk
                let at = Int.random(in: 0..<b.count, using: &rng)
                let n = Int.random(in: 1...min(64, b.count - at), using: &rng)
                b.insert(contentsOf: b[at..<(at + n)], at: Int.random(in: 0...b.count, using: &rng))
            case 6 where b.count >= 4: // length-field lie: an interesting 32-bit value at an aligned offset
                let at = Int.random(in: 0...((b.count - 4) / 4), using: &rng) * 4
                let v = interesting32.randomElement(using: &rng)! &+ UInt32(Int.random(in: -1...1, using: &rng) & 0xffff_ffff)
                withUnsafeBytes(of: v.littleEndian) { for (i, x) in $0.enumerated() { b[at + i] = x } }
            case 7 where !other.isEmpty: // splice
                let cut = Int.random(in: 0...b.count, using: &rng)
                let from = Int.random(in: 0..<other.count, using: &rng)
                b = Array(b[..<cut]) + Array(other[from...])
            default:                   // a NUL, newline or high byte somewhere
                let special: [UInt8] = [0, 0x0a, 0x0d, 0x3a, 0x2f, 0x2a, 0x20, 0x23, 0xff, 0xc3, 0x80]
                b.insert(special.randomElement(using: &rng)!, at: Int.random(in: 0...b.count, using: &rng))
            }
        }
        if b.count > maxLength { b.removeLast(b.count - maxLength) }
        return b
    }

    /// Runs `body` on `iterations` inputs: a quarter random bytes (length up to `maxLength`), the rest
    /// mutations of the seeds. `body` returns nil when the input was handled correctly (decoded within
    /// the documented bounds, or rejected with an error), else why not. A crash ends the test process,
    /// so reaching the end means 0 crashes. Prints `fuzz <name>: N inputs, 0 crashes`.
    static func run(_ name: String, seeds builtIn: [[UInt8]], maxLength: Int,
                    file: StaticString = #filePath, line: UInt = #line,
                    _ body: ([UInt8]) -> String?) {
        writeCorpusIfAsked(name, builtIn)
        let corpus = corpus(name)
        XCTAssertFalse(corpus.isEmpty, "seed corpus Tests/fuzz-corpus/\(name)/ is empty", file: file, line: line)
        let seeds = builtIn + corpus
        let n = iterations
        let seed = self.seed
        var rng = FuzzRNG(state: seed)
        let start = Date()
        var failures = 0
        // Every seed as is first (valid inputs must pass).
        for s in seeds {
            if let why = body(s) {
                failures += 1
                XCTFail("fuzz \(name): seed input failed: \(why)\ninput (\(s.count) bytes): \(hex(s))", file: file, line: line)
            }
        }
        var done = seeds.count
        while done < n {
            let input: [UInt8]
            if Int.random(in: 0..<4, using: &rng) == 0 {
                input = (0..<Int.random(in: 0...maxLength, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                input = mutate(seeds.randomElement(using: &rng)!, other: seeds.randomElement(using: &rng)!,
                               rng: &rng, maxLength: maxLength)
            }
            if let why = body(input) {
                failures += 1
                if failures <= 5 {
                    XCTFail("fuzz \(name) (INFRASIGHT_FUZZ_SEED=\(seed)): \(why)\ninput (\(input.count) bytes): \(hex(input))",
                            file: file, line: line)
                }
            }
            done += 1
        }
        let secs = Date().timeIntervalSince(start)
        print("fuzz \(name): \(done) inputs, 0 crashes, \(failures) property failures, "
              + String(format: "%.1f s", secs) + " (seed \(seed))")
    }

    static func hex(_ b: [UInt8]) -> String {
        let shown = b.prefix(4096).map { String(format: "%02x", $0) }.joined()
        return b.count > 4096 ? shown + "…" : shown
    }
}
