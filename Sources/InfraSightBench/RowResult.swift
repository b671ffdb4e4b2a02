/// One printed row of the benchmark table.
struct RowResult {
    var number: String
    var what: String
    var measured: String
    var baseline: String
    var ratio: String
    var target: String
    var loss: String
    /// true: target holds, false: missed, nil: report only.
    var met: Bool?
    var notes: [String] = []
    /// Replaces the verdict (e.g. "not available" for a row that could not measure anything).
    var verdictText: String?

    var verdict: String {
        if let verdictText { return verdictText }
        switch met {
        case .some(true): return "met"
        case .some(false): return "MISSED"
        case .none: return "reported"
        }
    }
}

/// Number formatting for the table.
enum Fmt {
    static func rate(_ v: Double) -> String {
        if v >= 1_000_000 { return String(format: "%.2fM/s", v / 1_000_000) }
        if v >= 1_000 { return String(format: "%.1fk/s", v / 1_000) }
        return String(format: "%.0f/s", v)
    }
    static func count(_ v: Double) -> String {
        if v >= 1_000_000 { return String(format: "%.2fM", v / 1_000_000) }
        if v >= 10_000 { return String(format: "%.1fk", v / 1_000) }
        return String(format: "%.0f", v)
    }
    static func ratio(_ v: Double) -> String { v.isFinite ? String(format: "%.2fx", v) : "n/a" }
    static func int(_ v: Double) -> String { String(Int64(v.isFinite ? v : -1)) }
    static func mb(_ bytes: Double) -> String { String(format: "%.1f MB", bytes / 1_048_576) }
    static func secs(_ v: Double) -> String { v.isFinite ? String(format: "%.2f s", v) : "n/a" }
}
