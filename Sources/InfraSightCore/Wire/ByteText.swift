/// Comparisons of UTF-8 bytes read from an event (`EventView` strings) with literal text, without
/// making a `String`.
///
/// Why: rules such as "fchmodat* carries a dirfd" or "accept* reports the local port" run per event
/// on the hot paths, where the field is a byte range of the message.
public enum ByteText {
    /// Whether `bytes` starts with the ASCII `prefix`, with `String.hasPrefix`'s answer: when a
    /// non-ASCII scalar follows the prefix (it could be a combining mark that makes the last
    /// character differ), the strings are compared as `String`s (rare).
    @inlinable
    public static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard bytes.count >= n else { return false }
        let p = prefix.utf8Start
        for i in 0..<n where bytes[i] != p[i] { return false }
        if bytes.count > n && bytes[n] >= 0x80 {
            return String(decoding: bytes, as: UTF8.self).hasPrefix(prefix.description)
        }
        return true
    }

    /// Whether `bytes` is exactly the ASCII `text` (no other UTF-8 is canonically equivalent to it).
    @inlinable
    public static func equals(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        bytes.count == text.utf8CodeUnitCount && hasPrefix(bytes, text)
    }
}
