/// The severity of an alert: Falco's priorities, most severe first, as the alert contract
/// (topics/proto/infrasight/v1/alert.proto) spells them.
///
/// Why a type: the sink refuses an alert whose severity is none of them (it could never be found by a
/// severity filter), a detect rule's `priority` is one, and `query alerts --severity` / the console's `severity` filter mean "this or more
/// severe", as Falco's `priority` setting does, which needs their order.
public enum AlertSeverity: String, CaseIterable, Sendable, Comparable {
    case emergency, alert, critical, error, warning, notice, informational, debug

    /// Rank: 0 for emergency (most severe) … 7 for debug.
    public var rank: Int { Self.allCases.firstIndex(of: self)! }

    /// More severe compares lower: `.emergency < .debug`.
    public static func < (a: AlertSeverity, b: AlertSeverity) -> Bool { a.rank < b.rank }

    /// This severity and every more severe one, most severe first.
    public var atLeastAsSevere: [AlertSeverity] { Self.allCases.filter { $0 <= self } }

    /// A severity as written in a rules file: any case, and `info` for informational.
    public init?(text: String) {
        let t = text.lowercased()
        self.init(rawValue: t == "info" ? "informational" : t)
    }

    /// The names, most severe first, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
