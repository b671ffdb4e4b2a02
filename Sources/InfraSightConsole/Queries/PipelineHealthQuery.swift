/// Pipeline health from `pipeline_stats`: the newest value of every counter per stage instance
/// (received, produced, inserted, dead-lettered, dropped, lost, lag, …) and a per-stage summary.
/// Filters: `host`, `since` (minutes), `limit`.
public struct PipelineHealthQuery: Sendable, Equatable {
    public var host: String?
    public var sinceMinutes = 60
    public var limit = 500

    public static let names: Set<String> = ["host", "since", "limit"]
    public static let counterColumns = ["stage", "instance", "host", "counter", "latest", "last_seen"]
    public static let summaryColumns = ["stage", "instances", "received", "passed_on", "dead_lettered", "dropped",
                                        "lost", "lag", "last_seen"]

    public init() {}

    public init(_ pairs: [(String, String)]) throws {
        let p = try ConsoleParameters(pairs, allowed: Self.names)
        host = p.string("host")
        sinceMinutes = try p.int("since", in: 1...EventFilter.maxSinceMinutes) ?? 60
        limit = try p.int("limit", in: 1...EventFilter.maxLimit) ?? 500
    }

    var whereClause: String {
        var c = [Condition.window(minutes: sinceMinutes)]
        if let host { c.append(Condition.equals("host", host)) }
        return c.joined(separator: " AND ")
    }

    /// Newest value per (stage, instance, counter).
    public func countersSQL(database: String) -> String {
        """
        SELECT stage, instance, host, counter, argMax(value, time_ns) AS latest, toString(max(time)) AS last_seen
        FROM \(database).pipeline_stats WHERE \(whereClause)
        GROUP BY stage, instance, host, counter
        ORDER BY stage, instance, counter LIMIT \(SQLText.int(limit))
        """
    }

    /// Per stage: events in, events passed on (produced or inserted), dead-lettered, dropped, kernel
    /// loss (the agent's all-probe `lost{reason}` totals) and consumer lag, each the sum over instances of the newest values.
    public func summarySQL(database: String) -> String {
        """
        SELECT stage, uniq(instance) AS instances,
               sumIf(v, counter = 'received') AS received,
               sumIf(v, counter IN ('produced', 'inserted')) AS passed_on,
               sumIf(v, counter = 'dead_lettered') AS dead_lettered,
               sumIf(v, counter = 'dropped') AS dropped,
               sumIf(v, counter LIKE 'lost{%' AND position(counter, ',') = 0) AS lost,
               sumIf(v, counter = 'lag') AS lag,
               toString(max(seen)) AS last_seen
        FROM (
            SELECT stage, instance, counter, argMax(value, time_ns) AS v, max(time) AS seen
            FROM \(database).pipeline_stats WHERE \(whereClause)
            GROUP BY stage, instance, counter
        )
        GROUP BY stage ORDER BY stage
        """
    }
}
