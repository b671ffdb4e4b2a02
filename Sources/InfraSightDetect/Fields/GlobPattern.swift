import Foundation

/// A rule's glob compiled once into cheap literal tests that run before the backtracking matcher.
///
/// Why: a glob such as `*/.aws/credentials` meets every open event of every process, and almost none
/// match. Backtracking over each path costs more than all the other rules together; a pattern's
/// literal prefix, its literal suffix and the literal runs between its stars must all appear in a
/// matching text, and memcmp/memchr reject the rest. Only a text that passes them all is walked by
/// `ByteMatch.glob`, so the answer is always the full glob's.
struct GlobPattern {
    enum Shape {
        /// No wildcard at all: equality.
        case literal
        /// `literal*`: a prefix test.
        case prefix
        /// `*literal`: a suffix test.
        case suffix
        /// Anything else: the literal tests first, then the full match.
        case general
    }

    let pattern: [UInt8]
    let shape: Shape
    /// The bytes before the first wildcard (the whole pattern when `literal`).
    let prefix: [UInt8]
    /// The bytes after the last wildcard when nothing but literals follow it.
    let suffix: [UInt8]
    /// The longest literal run between two stars (it must occur somewhere in a match).
    let inner: [UInt8]

    init(_ pattern: [UInt8]) {
        self.pattern = pattern
        let runs = Self.literalRuns(pattern)
        let firstMeta = runs.firstMeta ?? pattern.count
        prefix = Array(pattern[..<firstMeta])
        suffix = runs.lastMeta.map { Array(pattern[($0 + 1)...]) } ?? []
        inner = runs.starRuns.max { $0.count < $1.count } ?? []
        if runs.firstMeta == nil {
            shape = .literal
        } else if runs.onlyStar, runs.firstMeta == pattern.count - 1 {
            shape = .prefix
        } else if runs.onlyStar, runs.firstMeta == 0, runs.lastMeta == 0 {
            shape = .suffix
        } else {
            shape = .general
        }
    }

    func matches(_ text: UnsafeRawBufferPointer) -> Bool {
        switch shape {
        case .literal: return ByteMatch.equal(text, prefix)
        case .prefix: return ByteMatch.hasPrefix(text, prefix)
        case .suffix: return ByteMatch.hasSuffix(text, suffix)
        case .general:
            guard text.count >= prefix.count + suffix.count,
                  ByteMatch.hasPrefix(text, prefix), ByteMatch.hasSuffix(text, suffix),
                  inner.isEmpty || ByteMatch.contains(text, inner) else { return false }
            return ByteMatch.glob(text, pattern)
        }
    }

    /// Where the wildcards are, and the literal runs that lie between two `*` (runs next to `?`, `[` or
    /// `\` are left out: their bytes are not literal in the text).
    private static func literalRuns(_ p: [UInt8]) -> (firstMeta: Int?, lastMeta: Int?, onlyStar: Bool, starRuns: [[UInt8]]) {
        let star = UInt8(ascii: "*")
        var firstMeta: Int?, lastMeta: Int?
        var onlyStar = true
        var runs: [[UInt8]] = []
        var runStart: Int?   // start of a literal run that began right after a '*'
        var i = 0
        while i < p.count {
            let c = p[i]
            let isMeta = c == star || c == UInt8(ascii: "?") || c == UInt8(ascii: "[") || c == UInt8(ascii: "\\")
            if isMeta {
                if firstMeta == nil { firstMeta = i }
                if c != star { onlyStar = false }
                if c == star, let s = runStart, i > s { runs.append(Array(p[s..<i])) }
                runStart = c == star ? i + 1 : nil
                // A class or an escape spans several bytes: the last meta is where it ends.
                if c == UInt8(ascii: "[") {
                    var j = i + 1
                    if j < p.count, p[j] == UInt8(ascii: "!") || p[j] == UInt8(ascii: "^") { j += 1 }
                    if j < p.count { j += 1 }   // a ']' first is a member
                    while j < p.count, p[j] != UInt8(ascii: "]") { j += 1 }
                    i = j < p.count ? j : i
                } else if c == UInt8(ascii: "\\"), i + 1 < p.count {
                    i += 1
                }
                lastMeta = i
            }
            i += 1
        }
        return (firstMeta, lastMeta, onlyStar, runs)
    }
}
