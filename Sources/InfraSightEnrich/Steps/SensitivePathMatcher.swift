import Foundation

/// A precompiled list of sensitive-path patterns, matched without regular expressions or
/// allocation per path.
///
/// Pattern language, one pattern per line of a patterns file (`#` starts a comment, blank lines
/// are ignored):
/// - `/etc/shadow` — exactly that path;
/// - `/etc/ssh/` — a trailing `/` makes a prefix: the directory itself and everything below it;
/// - `*` as a whole component matches any one component: `/home/*/.ssh/`. `*` inside a component
///   (`id_*`) and relative patterns are rejected;
/// - an optional second word `write` limits the pattern to modifications: opens with write access
///   or `O_CREAT`/`O_TRUNC`/`O_APPEND`/`O_TMPFILE`, and chmods; not reads or execs. Used for
///   `/etc/passwd`, which every user lookup reads. (Patterns therefore cannot contain spaces.)
///
/// Paths are normalised lexically before matching (`//` and `.` dropped, `..` removes the previous
/// component) so `/tmp/../etc/shadow` matches `/etc/shadow`; symlinks are not resolved here, and
/// relative paths never match. `SensitivePathStep` gives it the path the kernel resolved (absolute,
/// symlinks followed) when the event carries one.
public struct SensitivePathMatcher: Sendable {
    /// One compiled pattern.
    public struct Pattern: Sendable, Equatable {
        /// The pattern as written (without the `write` qualifier).
        public let text: String
        /// Whether it matches only modifications (`write` qualifier).
        public let writesOnly: Bool
        /// Components; nil is `*`.
        let components: [[UInt8]?]
        let isPrefix: Bool
    }

    /// Every pattern, in file order.
    public let patterns: [Pattern]

    /// The compiled form, flat and trivially copyable so matching does no reference counting:
    /// all literal component bytes in one array, each component as (offset, length) with length
    /// -1 for `*`, each pattern as a range of components.
    private struct Compiled: Sendable {
        var firstComponent: Int
        var componentCount: Int
        var isPrefix: Bool
        var writesOnly: Bool
    }
    private let compiled: [Compiled]
    private let componentBounds: [Int]   // offset, length pairs
    private let literalBytes: [UInt8]
    /// Bit set of the first bytes of every first component (all set when a pattern starts with
    /// `*`): most paths (/usr, /lib, /tmp, ...) are rejected after one lookup.
    private let firstBytes: (UInt64, UInt64, UInt64, UInt64)

    /// The built-in list, used when no patterns file is given.
    public static let defaultPatternLines: [String] = [
        "/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d/", "/etc/ssh/", "/root/.ssh/",
        "/home/*/.ssh/", "/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
        "/run/crio/crio.sock", "/etc/kubernetes/", "/var/lib/kubelet/pki/", "/proc/kcore", "/dev/mem",
        "/boot/", "/etc/passwd write", "/etc/crontab", "/etc/cron.d/",
    ]

    /// The built-in list, compiled.
    public static let defaults: SensitivePathMatcher = try! SensitivePathMatcher(lines: defaultPatternLines)

    /// Compiles pattern lines (file syntax: comments and blank lines allowed); throws `EnrichError`
    /// naming the first bad line.
    public init(lines: [String]) throws {
        var compiled: [Pattern] = []
        for (number, raw) in lines.enumerated() {
            let line = raw.prefix { $0 != "#" }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if words.isEmpty { continue }
            func bad(_ why: String) -> EnrichError {
                EnrichError("sensitive-path pattern on line \(number + 1) (\"\(raw)\"): \(why)")
            }
            guard words.count == 1 || (words.count == 2 && words[1] == "write") else {
                throw bad("expected PATTERN or PATTERN write")
            }
            let text = String(words[0])
            guard text.hasPrefix("/") else { throw bad("must be an absolute path") }
            var components: [[UInt8]?] = []
            for part in text.split(separator: "/") {
                if part == "*" { components.append(nil); continue }
                if part.contains("*") { throw bad("* must be a whole path component") }
                if part == "." || part == ".." { throw bad(". and .. are not allowed") }
                components.append(Array(part.utf8))
            }
            guard !components.isEmpty else { throw bad("matches every path") }
            compiled.append(Pattern(text: text, writesOnly: words.count == 2, components: components,
                                    isPrefix: text.hasSuffix("/")))
        }
        patterns = compiled
        var flat: [Compiled] = [], bounds: [Int] = [], bytes: [UInt8] = []
        var first: [UInt64] = [0, 0, 0, 0]
        for p in compiled {
            flat.append(Compiled(firstComponent: bounds.count / 2, componentCount: p.components.count,
                                 isPrefix: p.isPrefix, writesOnly: p.writesOnly))
            for c in p.components {
                if let c {
                    bounds += [bytes.count, c.count]
                    bytes += c
                } else {
                    bounds += [0, -1]
                }
            }
            if let b = p.components[0]?.first {
                first[Int(b >> 6)] |= 1 << UInt64(b & 63)
            } else {
                first = [.max, .max, .max, .max]
            }
        }
        self.compiled = flat
        componentBounds = bounds
        literalBytes = bytes
        firstBytes = (first[0], first[1], first[2], first[3])
    }

    /// Reads and compiles a patterns file.
    public init(contentsOfFile path: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw EnrichError("cannot read sensitive-paths file \(path): \(error.localizedDescription)")
        }
        try self.init(lines: text.components(separatedBy: "\n"))
    }

    /// Whether `path` matches a pattern; `write` says whether the access modifies the file (for
    /// `write`-qualified patterns).
    public func matches(_ path: String, write: Bool) -> Bool {
        var path = path
        return path.withUTF8 { matches(utf8: $0, write: write) }
    }

    /// `matches` on a path's UTF-8 bytes (a field of an event read in place).
    public func matches(utf8 path: UnsafeRawBufferPointer, write: Bool) -> Bool {
        matches(utf8: path.assumingMemoryBound(to: UInt8.self), write: write)
    }

    private func matches(utf8 p: UnsafeBufferPointer<UInt8>, write: Bool) -> Bool {
        let n = p.count
        guard n > 0, p[0] == 0x2f else { return false }
        // Component boundaries (start, end) after lexical normalisation.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: n + 2) { bounds -> Bool in
            var count = 0
            var i = 0
            while i < n {
                while i < n && p[i] == 0x2f { i += 1 }
                let start = i
                while i < n && p[i] != 0x2f { i += 1 }
                let len = i - start
                if len == 0 || (len == 1 && p[start] == 0x2e) { continue }
                if len == 2 && p[start] == 0x2e && p[start + 1] == 0x2e {
                    if count > 0 { count -= 1 }
                    continue
                }
                bounds[2 * count] = start
                bounds[2 * count + 1] = i
                count += 1
            }
            guard count > 0 else { return false }
            let b0 = p[bounds[0]]
            let word: UInt64
            switch b0 >> 6 {
            case 0: word = firstBytes.0
            case 1: word = firstBytes.1
            case 2: word = firstBytes.2
            default: word = firstBytes.3
            }
            guard word & (1 << UInt64(b0 & 63)) != 0 else { return false }
            return compiled.withUnsafeBufferPointer { pats in
                componentBounds.withUnsafeBufferPointer { cb in
                    literalBytes.withUnsafeBufferPointer { lit in
                        patternLoop: for pattern in pats {
                            if pattern.writesOnly && !write { continue }
                            let m = pattern.componentCount
                            if pattern.isPrefix ? count < m : count != m { continue }
                            for c in 0..<m {
                                let len = cb[2 * (pattern.firstComponent + c) + 1]
                                if len < 0 { continue }   // *
                                let s = bounds[2 * c], e = bounds[2 * c + 1]
                                if e - s != len { continue patternLoop }
                                let off = cb[2 * (pattern.firstComponent + c)]
                                var k = 0
                                while k < len {
                                    if p[s + k] != lit[off + k] { continue patternLoop }
                                    k += 1
                                }
                            }
                            return true
                        }
                        return false
                    }
                }
            }
        }
    }
}
