import Foundation
import XCTest

// The fuzz kit every decoder fuzz test uses (Core, Agent and Enrich tests): a seeded PRNG, byte-level
// mutations, the committed seed corpus in Tests/fuzz-corpus, and the runner that counts and prints.

/// Deterministic PRNG (splitmix64) so a failing run can be replayed with INFRASIGHT_FUZZ_SEED.
public struct FuzzRNG: RandomNumberGenerator {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random and mutation-based input generation for the decoder fuzz tests. Iterations come from
/// INFRASIGHT_FUZZ_ITERATIONS (default 20,000 per decoder; `make fuzz` runs 1,000,000).
public enum FuzzKit {
    public static var iterations: Int {
        Int(ProcessInfo.processInfo.environment["INFRASIGHT_FUZZ_ITERATIONS"] ?? "") ?? 20_000
    }

    public static var seed: UInt64 {
        UInt64(ProcessInfo.processInfo.environment["INFRASIGHT_FUZZ_SEED"] ?? "") ?? UInt64.random(in: 0...UInt64.max)
    }

    /// Tests/fuzz-corpus/<name>/
    static func corpusDirectory(_ name: String) -> URL {
        ProjectPaths.root.appendingPathComponent("Tests/fuzz-corpus/\(name)")
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
    public static func mutate(_ input: [UInt8], other: [UInt8], rng: inout FuzzRNG, maxLength: Int) -> [UInt8] {
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
    public static func run(_ name: String, seeds builtIn: [[UInt8]], maxLength: Int,
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
