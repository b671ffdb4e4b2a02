/// Narrows a preset query: a time window, a row limit and an optional host.
public struct QueryFilter: Sendable {
    public var sinceMinutes: Int
    public var limit: Int
    public var host: String?

    public init(sinceMinutes: Int = 60, limit: Int = 50, host: String? = nil) {
        self.sinceMinutes = max(1, sinceMinutes)
        self.limit = min(max(1, limit), 100_000)
        self.host = host
    }

    /// `AND time >= now() - INTERVAL n MINUTE [AND host = '…']`
    func whereClause(timeColumn: String = "time") -> String {
        var s = "\(timeColumn) >= now() - INTERVAL \(SQLLiteral.int(sinceMinutes)) MINUTE"
        if let host { s += " AND host = \(SQLLiteral.string(host))" }
        return s
    }
}

/// A named, documented query over the InfraSight tables (`infrasight query <name>`). The SQL runs on
/// ClickHouse 18.16 and on current servers alike.
public struct QueryPreset: Sendable {
    public let name: String
    public let summary: String
    let build: @Sendable (_ database: String, _ filter: QueryFilter) -> String

    public func sql(database: String = "infrasight", filter: QueryFilter = QueryFilter()) -> String {
        build(database, filter)
    }
}
