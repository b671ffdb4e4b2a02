/// Checks that bytes are well-formed UTF-8 (Unicode 15, table 3-7: no overlong forms, no surrogates,
/// nothing above U+10FFFF, no cut-off sequences) without creating a `String`.
///
/// Why: SwiftProtobuf rejects a message whose string field is not valid UTF-8, and the view-based
/// readers must reject the same messages (they go to the dead-letter queue) while writing the bytes
/// on unchanged. ASCII, the common case, is checked eight bytes at a time.
public enum UTF8Validation {
    /// Whether `bytes` is well-formed UTF-8.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        return isValid(base, from: 0, to: bytes.count)
    }

    /// Whether `base[from..<to]` is well-formed UTF-8.
    @inline(__always)
    static func isValid(_ base: UnsafeRawPointer, from: Int, to end: Int) -> Bool {
        let high: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func word(_ i: Int) -> UInt64 { base.loadUnaligned(fromByteOffset: i, as: UInt64.self) }
        var i = from
        if end &- i >= 8 {
            while end &- i >= 32 {
                if (word(i) | word(i &+ 8) | word(i &+ 16) | word(i &+ 24)) & high != 0 { return isValidSlow(base, from: i, to: end) }
                i &+= 32
            }
            while end &- i >= 8 {
                if word(i) & high != 0 { return isValidSlow(base, from: i, to: end) }
                i &+= 8
            }
            // The last (up to 7) bytes: one overlapping load of the final eight.
            return word(end &- 8) & high == 0 || isValidSlow(base, from: i, to: end)
        }
        while i < end {
            if base.load(fromByteOffset: i, as: UInt8.self) >= 0x80 { return isValidSlow(base, from: i, to: end) }
            i &+= 1
        }
        return true
    }

    static func isValidSlow(_ base: UnsafeRawPointer, from: Int, to end: Int) -> Bool {
        @inline(__always) func at(_ k: Int) -> UInt8 { base.load(fromByteOffset: k, as: UInt8.self) }
        @inline(__always) func isContinuation(_ b: UInt8) -> Bool { b & 0xc0 == 0x80 }
        var i = from
        while i < end {
            let b0 = at(i)
            if b0 < 0x80 { i += 1; continue }
            switch b0 {
            case 0xc2...0xdf:
                guard end - i >= 2, isContinuation(at(i + 1)) else { return false }
                i += 2
            case 0xe0...0xef:
                guard end - i >= 3 else { return false }
                let b1 = at(i + 1)
                let low: UInt8 = b0 == 0xe0 ? 0xa0 : 0x80
                let high: UInt8 = b0 == 0xed ? 0x9f : 0xbf
                guard b1 >= low, b1 <= high, isContinuation(at(i + 2)) else { return false }
                i += 3
            case 0xf0...0xf4:
                guard end - i >= 4 else { return false }
                let b1 = at(i + 1)
                let low: UInt8 = b0 == 0xf0 ? 0x90 : 0x80
                let high: UInt8 = b0 == 0xf4 ? 0x8f : 0xbf
                guard b1 >= low, b1 <= high, isContinuation(at(i + 2)), isContinuation(at(i + 3)) else { return false }
                i += 4
            default:
                return false
            }
        }
        return true
    }
}
