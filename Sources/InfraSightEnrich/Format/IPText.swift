import Foundation

/// IP addresses as text from their network-order bytes, following glibc `inet_ntop`: IPv4 as
/// dotted decimal; IPv6 as lower-case hex groups without leading zeros, the longest run (first on a
/// tie) of two or more zero groups shortened to `::`, and the deprecated IPv4-compatible form
/// `::a.b.c.d`. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is normalised to plain `a.b.c.d`, so one peer
/// reads the same over either socket family. Anything that is not exactly 4 or 16 bytes (including
/// empty) gives the empty string. Formatting writes into a stack buffer: no Foundation formatter,
/// and IPv4 results fit the inline small-string storage (no allocation).
public enum IPText {
    /// `bytes` (4 or 16, network order) as text; empty for any other length.
    public static func text(_ bytes: Data) -> String {
        let count = bytes.count
        guard count == 4 || count == 16 else { return "" }
        return bytes.withUnsafeBytes { text(UnsafeRawBufferPointer($0)) }
    }

    /// `bytes` (4 or 16, network order) as text; empty for any other length.
    public static func text(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { text($0) }
    }

    /// `bytes` (4 or 16, network order) as text; empty for any other length.
    public static func text(_ raw: UnsafeRawBufferPointer) -> String {
        switch raw.count {
        case 4:
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buf in
                let n = writeV4(raw[0], raw[1], raw[2], raw[3], into: buf, at: 0)
                return String(decoding: UnsafeBufferPointer(rebasing: buf[0..<n]), as: UTF8.self)
            }
        case 16:
            if isV4Mapped(raw) {
                return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buf in
                    let n = writeV4(raw[12], raw[13], raw[14], raw[15], into: buf, at: 0)
                    return String(decoding: UnsafeBufferPointer(rebasing: buf[0..<n]), as: UTF8.self)
                }
            }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { buf in
                let n = writeV6(raw, into: buf)
                return String(decoding: UnsafeBufferPointer(rebasing: buf[0..<n]), as: UTF8.self)
            }
        default:
            return ""
        }
    }

    /// `::ffff:a.b.c.d`
    @inline(__always)
    static func isV4Mapped(_ raw: UnsafeRawBufferPointer) -> Bool {
        for i in 0..<10 where raw[i] != 0 { return false }
        return raw[10] == 0xff && raw[11] == 0xff
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    @inline(__always)
    private static func writeDecimal(_ v: UInt8, into buf: UnsafeMutableBufferPointer<UInt8>, at i: Int) -> Int {
        var i = i
        if v >= 100 { buf[i] = 0x30 + v / 100; i += 1 }
        if v >= 10 { buf[i] = 0x30 + (v / 10) % 10; i += 1 }
        buf[i] = 0x30 + v % 10
        return i + 1
    }

    private static func writeV4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8,
                                into buf: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
        var i = writeDecimal(a, into: buf, at: start)
        buf[i] = 0x2e; i = writeDecimal(b, into: buf, at: i + 1)
        buf[i] = 0x2e; i = writeDecimal(c, into: buf, at: i + 1)
        buf[i] = 0x2e; i = writeDecimal(d, into: buf, at: i + 1)
        return i
    }

    /// glibc's `inet_ntop6`, transliterated.
    private static func writeV6(_ raw: UnsafeRawBufferPointer, into buf: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var words = (UInt16(0), UInt16(0), UInt16(0), UInt16(0), UInt16(0), UInt16(0), UInt16(0), UInt16(0))
        return withUnsafeMutableBytes(of: &words) { wraw -> Int in
            let w = wraw.bindMemory(to: UInt16.self)
            for k in 0..<8 { w[k] = UInt16(raw[2 * k]) << 8 | UInt16(raw[2 * k + 1]) }
            var bestBase = -1, bestLen = 0, curBase = -1, curLen = 0
            for k in 0..<8 {
                if w[k] == 0 {
                    if curBase == -1 { curBase = k; curLen = 1 } else { curLen += 1 }
                } else if curBase != -1 {
                    if bestBase == -1 || curLen > bestLen { bestBase = curBase; bestLen = curLen }
                    curBase = -1
                }
            }
            if curBase != -1, bestBase == -1 || curLen > bestLen { bestBase = curBase; bestLen = curLen }
            if bestBase != -1, bestLen < 2 { bestBase = -1 }
            var i = 0
            var k = 0
            while k < 8 {
                if bestBase != -1, k >= bestBase, k < bestBase + bestLen {
                    if k == bestBase { buf[i] = 0x3a; i += 1 }
                    k += 1
                    continue
                }
                if k != 0 { buf[i] = 0x3a; i += 1 }
                if k == 6, bestBase == 0, bestLen == 6 || (bestLen == 5 && w[5] == 0xffff) {
                    return writeV4(raw[12], raw[13], raw[14], raw[15], into: buf, at: i)
                }
                let v = w[k]
                var started = false
                for shift in stride(from: 12, through: 0, by: -4) {
                    let nibble = Int((v >> UInt16(shift)) & 0xf)
                    if nibble != 0 || started || shift == 0 {
                        buf[i] = hexDigits[nibble]; i += 1; started = true
                    }
                }
                k += 1
            }
            if bestBase != -1, bestBase + bestLen == 8 { buf[i] = 0x3a; i += 1 }
            return i
        }
    }
}
