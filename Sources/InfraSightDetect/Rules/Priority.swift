/// Falco's priorities, most severe first; an alert's `severity` is the rule's priority.
public enum Priority: String, CaseIterable, Sendable, Comparable {
    case emergency, alert, critical, error, warning, notice, informational, debug

    /// A priority as written in a rules file (any case; `info` for informational).
    public init?(text: String) {
        let t = text.lowercased()
        if t == "info" { self = .informational; return }
        self.init(rawValue: t)
    }

    private var rank: Int { Priority.allCases.firstIndex(of: self)! }
    /// More severe compares smaller: `.critical < .warning`.
    public static func < (a: Priority, b: Priority) -> Bool { a.rank < b.rank }
}
