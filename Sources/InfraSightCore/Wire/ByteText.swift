/// Comparisons of UTF-8 bytes read from an event (`EventView` strings) with literal text, without
/// making a `String`.
///
/// Why: rules such as "fchmodat* carries a dirfd" or "accept* reports the local port" run per event
/// on the hot paths, where the field is a byte range of the message.
public enum ByteText {
    /// Whether `bytes` starts with `prefix`.
    @inlinable
    public static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard bytes.count >= n else { return false }
        let p = prefix.utf8Start
        for i in 0..<n where bytes[i] != p[i] { return false }
        return true
    }

    /// Whether `bytes` is exactly `text`.
    @inlinable
    public static func equals(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        bytes.count == text.utf8CodeUnitCount && hasPrefix(bytes, text)
    }
}
