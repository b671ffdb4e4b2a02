/// A ClickHouse server version such as `18.16.1` or `26.9.2.1`, as returned by `SELECT version()`.
///
/// Compared component by component; missing trailing components count as 0 (so `18.16 == 18.16.0`).
public struct ClickHouseVersion: Comparable, Sendable, CustomStringConvertible {
    public var components: [Int]

    /// Parses the leading dotted numbers (`"24.3.1.2672-lts"` → 24.3.1.2672); nil when there are none.
    public init?(_ text: String) {
        var parts: [Int] = []
        var current: Int?
        for ch in text.trimmedWhitespace() {
            if let d = ch.wholeNumberValue, ch.isASCII {
                let (m, o1) = (current ?? 0).multipliedReportingOverflow(by: 10)
                let (v, o2) = m.addingReportingOverflow(d)
                if o1 || o2 { return nil }
                current = v
            } else if ch == ".", let c = current {
                parts.append(c)
                current = nil
            } else {
                break
            }
        }
        if let c = current { parts.append(c) }
        guard !parts.isEmpty else { return nil }
        components = parts
    }

    public init(_ components: Int...) {
        self.components = components.isEmpty ? [0] : components
    }

    public var major: Int { components[0] }
    public var minor: Int { components.count > 1 ? components[1] : 0 }
    public var patch: Int { components.count > 2 ? components[2] : 0 }

    public var description: String { components.map(String.init).joined(separator: ".") }

    public static func == (a: ClickHouseVersion, b: ClickHouseVersion) -> Bool { compare(a, b) == 0 }
    public static func < (a: ClickHouseVersion, b: ClickHouseVersion) -> Bool { compare(a, b) < 0 }

    private static func compare(_ a: ClickHouseVersion, _ b: ClickHouseVersion) -> Int {
        for i in 0..<max(a.components.count, b.components.count) {
            let x = i < a.components.count ? a.components[i] : 0
            let y = i < b.components.count ? b.components[i] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }
}
