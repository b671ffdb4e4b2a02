import Foundation

/// Comparisons of UTF-8 bytes read in place against a rule's constant, without building strings.
enum ByteMatch {
    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if b.isEmpty { return true }
        return b.withUnsafeBytes { memcmp(a.baseAddress!, $0.baseAddress!, b.count) == 0 }
    }

    @inline(__always)
    static func hasPrefix(_ a: UnsafeRawBufferPointer, _ p: [UInt8]) -> Bool {
        guard a.count >= p.count else { return false }
        if p.isEmpty { return true }
        return p.withUnsafeBytes { memcmp(a.baseAddress!, $0.baseAddress!, p.count) == 0 }
    }

    @inline(__always)
    static func hasSuffix(_ a: UnsafeRawBufferPointer, _ s: [UInt8]) -> Bool {
        guard a.count >= s.count else { return false }
        if s.isEmpty { return true }
        return s.withUnsafeBytes { memcmp(a.baseAddress! + (a.count - s.count), $0.baseAddress!, s.count) == 0 }
    }

    static func contains(_ a: UnsafeRawBufferPointer, _ n: [UInt8]) -> Bool {
        guard !n.isEmpty else { return true }
        guard a.count >= n.count else { return false }
        return n.withUnsafeBytes { needle in
            // memchr to each candidate first byte, then memcmp (Glibc's memmem is not exported to Swift).
            let base = a.baseAddress!
            let first = Int32(n[0])
            var at = 0
            let last = a.count - n.count
            while at <= last {
                guard let hit = memchr(base + at, first, last - at + 1) else { return false }
                at = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + at, needle.baseAddress!, n.count) == 0 { return true }
                at += 1
            }
            return false
        }
    }

    /// ASCII case-insensitive `contains`; `lowered` is already lowercase.
    static func containsIgnoringCase(_ a: UnsafeRawBufferPointer, _ lowered: [UInt8]) -> Bool {
        guard !lowered.isEmpty else { return true }
        guard a.count >= lowered.count else { return false }
        outer: for start in 0...(a.count - lowered.count) {
            for j in 0..<lowered.count where lower(a[start + j]) != lowered[j] { continue outer }
            return true
        }
        return false
    }

    @inline(__always)
    static func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }

    /// A path equal to `dir` or inside it (`/etc` matches `/etc` and `/etc/shadow`, not `/etcetera`).
    static func isPath(_ a: UnsafeRawBufferPointer, under dir: [UInt8]) -> Bool {
        guard hasPrefix(a, dir) else { return false }
        if a.count == dir.count || dir.last == UInt8(ascii: "/") { return true }
        return a[dir.count] == UInt8(ascii: "/")
    }

    /// Shell-style glob: `*` any run of bytes (slashes included), `?` one byte, `[abc]` / `[a-z]` / `[!a]`
    /// one byte of a set, `\x` a literal x.
    static func glob(_ text: UnsafeRawBufferPointer, _ pattern: [UInt8]) -> Bool {
        var t = 0, p = 0
        var starP = -1, starT = 0
        while t < text.count {
            if p < pattern.count {
                let c = pattern[p]
                if c == UInt8(ascii: "*") {
                    starP = p; starT = t; p += 1
                    continue
                }
                if let next = matchOne(pattern, p, text[t]) {
                    p = next; t += 1
                    continue
                }
            }
            guard starP >= 0 else { return false }
            p = starP + 1
            starT += 1
            t = starT
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    /// The pattern index after the element at `p` when it matches byte `c`, else nil.
    private static func matchOne(_ pattern: [UInt8], _ p: Int, _ c: UInt8) -> Int? {
        let e = pattern[p]
        if e == UInt8(ascii: "?") { return p + 1 }
        if e == UInt8(ascii: "\\"), p + 1 < pattern.count { return pattern[p + 1] == c ? p + 2 : nil }
        if e == UInt8(ascii: "[") {
            var i = p + 1
            var negate = false
            if i < pattern.count, pattern[i] == UInt8(ascii: "!") || pattern[i] == UInt8(ascii: "^") { negate = true; i += 1 }
            var matched = false
            var first = true
            while i < pattern.count, pattern[i] != UInt8(ascii: "]") || first {
                first = false
                if i + 2 < pattern.count, pattern[i + 1] == UInt8(ascii: "-"), pattern[i + 2] != UInt8(ascii: "]") {
                    if c >= pattern[i] && c <= pattern[i + 2] { matched = true }
                    i += 3
                } else {
                    if c == pattern[i] { matched = true }
                    i += 1
                }
            }
            guard i < pattern.count else { return e == c ? p + 1 : nil }   // no closing ']': a literal '['
            return matched != negate ? i + 1 : nil
        }
        return e == c ? p + 1 : nil
    }
}
