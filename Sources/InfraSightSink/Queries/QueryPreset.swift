import InfraSightCore

/// Narrows a preset query: a time window, a row limit and an optional host; for `alerts` also a rule and
/// a minimum severity.
public struct QueryFilter: Sendable {
    public var sinceMinutes: Int
    public var limit: Int
    public var host: String?
    /// Only alerts of this rule (the `alerts` preset).
    public var rule: String?
    /// Only alerts of this severity or a more severe one (the `alerts` preset).
    public var minimumSeverity: AlertSeverity?

    public init(sinceMinutes: Int = 60, limit: Int = 50, host: String? = nil, rule: String? = nil,
                minimumSeverity: AlertSeverity? = nil) {
        self.sinceMinutes = max(1, sinceMinutes)
        self.limit = min(max(1, limit), 100_000)
        self.host = host
        self.rule = rule
        self.minimumSeverity = minimumSeverity
    }

    /// `AND time >= now() - INTERVAL n MINUTE [AND host = '…']`
    func whereClause(timeColumn: String = "time") -> String {
        var s = "\(timeColumn) >= now() - INTERVAL \(SQLLiteral.int(sinceMinutes)) MINUTE"
        if let host { s += " AND host = \(SQLLiteral.string(host))" }
        return s
    }

    /// `whereClause()` with the rule and the severities at least as severe as `minimumSeverity`.
    func alertWhereClause() -> String {
        var s = whereClause()
        if let rule { s += " AND rule = \(SQLLiteral.string(rule))" }
        if let minimumSeverity {
            s += " AND severity IN (\(minimumSeverity.atLeastAsSevere.map { SQLLiteral.string($0.rawValue) }.joined(separator: ", ")))"
        }
        return s
    }
}

/// A named, documented query over the InfraSight tables (`infrasight query <name>`). The SQL runs on
/// ClickHouse 18.16 and on current servers alike.
public struct QueryPreset: Sendable {
    public let name: String
    public let summary: String
    /// Whether the preset reads `QueryFilter.rule` and `minimumSeverity` (only `alerts` does).
    public let takesAlertFilters: Bool
    let build: @Sendable (_ database: String, _ filter: QueryFilter) -> String

    init(name: String, summary: String, takesAlertFilters: Bool = false,
         build: @escaping @Sendable (_ database: String, _ filter: QueryFilter) -> String) {
        self.name = name
        self.summary = summary
        self.takesAlertFilters = takesAlertFilters
        self.build = build
    }

    public func sql(database: String = "infrasight", filter: QueryFilter = QueryFilter()) -> String {
        build(database, filter)
    }
}
