/// A `StageCounters` key split into its name and label parts: `lost{ringbuf_reserve}` is name `lost`
/// with parts `["ringbuf_reserve"]`, `lost{ringbuf_reserve,openat}` has parts
/// `["ringbuf_reserve", "openat"]`, `lag{infrasight.raw.execve/3}` is name `lag` with parts
/// `["infrasight.raw.execve", "3"]`, and `kernel_emitted` has no parts. Parts are separated by `,` or `/`.
public struct AbsoluteCounterKey: Sendable, Hashable {
    public var name: String
    public var parts: [String]
    /// The text between the braces, as written (empty without braces).
    public var label: String

    public init(name: String, parts: [String] = []) {
        self.name = name
        self.parts = parts
        self.label = parts.joined(separator: ",")
    }

    /// Parses `name` or `name{a,b}` / `name{a/b}`; nil for malformed keys (empty name, stray braces).
    public init?(parsing key: String) {
        guard let open = key.firstIndex(of: "{") else {
            guard !key.isEmpty, !key.contains("}") else { return nil }
            self.init(name: key)
            return
        }
        guard key.hasSuffix("}"), open != key.startIndex else { return nil }
        let name = String(key[..<open])
        let inner = key[key.index(after: open)..<key.index(before: key.endIndex)]
        guard !inner.contains("{"), !inner.contains("}") else { return nil }
        let parts = inner.isEmpty ? [] : inner.split(omittingEmptySubsequences: false) { $0 == "," || $0 == "/" }.map(String.init)
        self.init(name: name, parts: parts)
        self.label = String(inner)
    }
}
