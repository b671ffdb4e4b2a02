/// Pipeline health from `pipeline_stats`: the newest value of every counter per stage instance
/// (received, produced, inserted, dead-lettered, dropped, lost, lag, …) and a per-stage summary.
/// Filters: `host`, `since` (minutes), `limit`.
public struct PipelineHealthQuery: Sendable, Equatable {
    public var host: String?
    public var sinceMinutes = 60
    public var limit = 500

    public static let names: Set<String> = ["host", "since", "limit"]
    public static let counterColumns = ["stage", "instance", "host", "counter", "latest", "last_seen"]
    public static let instanceColumns = ["stage", "instance", "host", "in_per_s", "out_per_s", "lag", "lost", "dead_lettered",
                                         "dropped", "age_s", "interval_s", "stale"]
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

    /// Newest value per (stage, instance, counter); counters whose newest value is 0 are left out.
    public func countersSQL(database: String) -> String {
        """
        SELECT stage, instance, host, counter, argMax(value, time_ns) AS latest, toString(max(time)) AS last_seen
        FROM \(database).pipeline_stats WHERE \(whereClause)
        GROUP BY stage, instance, host, counter
        HAVING latest != 0
        ORDER BY stage, instance, counter LIMIT \(SQLText.int(limit))
        """
    }

    /// Per stage instance: events in and out per second (over its records of the last minute), the
    /// newest lag, loss, dead letters and drops, the age of its newest stats record, its stats interval
    /// (the mean gap between its records; 10 s, the default, with a single record) and `stale` (1 when
    /// the age exceeds twice the interval: the instance stopped reporting).
    public func instancesSQL(database: String) -> String {
        """
        SELECT stage, instance, host,
               round(sumIf(rate, counter = 'received'), 1) AS in_per_s,
               round(sumIf(rate, counter IN ('produced', 'inserted')), 1) AS out_per_s,
               sumIf(v, counter = 'lag') AS lag,
               sumIf(v, counter LIKE 'lost{%' AND position(counter, ',') = 0) AS lost,
               sumIf(v, counter = 'dead_lettered') AS dead_lettered,
               sumIf(v, counter = 'dropped') AS dropped,
               toInt64(now()) - toInt64(max(seen)) AS age_s,
               round(max(gap), 1) AS interval_s,
               age_s > 2 * interval_s AS stale
        FROM (
            SELECT stage, instance, host, counter, argMax(value, time_ns) AS v, max(time) AS seen,
                   if(uniqExact(time_ns) > 1, (max(time_ns) - min(time_ns)) / 1e9 / (uniqExact(time_ns) - 1), 10) AS gap,
                   if(maxIf(time_ns, time >= now() - 60) > minIf(time_ns, time >= now() - 60),
                      (toInt64(argMaxIf(value, time_ns, time >= now() - 60)) - toInt64(argMinIf(value, time_ns, time >= now() - 60)))
                      / ((maxIf(time_ns, time >= now() - 60) - minIf(time_ns, time >= now() - 60)) / 1e9), 0) AS rate
            FROM \(database).pipeline_stats WHERE \(whereClause)
            GROUP BY stage, instance, host, counter
        )
        GROUP BY stage, instance, host ORDER BY stage, instance
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
