/// The overview charts: events per probe and the pipeline's loss, drops, dead letters and lag, both
/// per minute over the last `since` minutes (15 by default), so the landing page shows a rate over
/// time instead of a table; the newest alerts; and the top talkers, files and binaries of the same window
/// (`TopQuery`, `topRows` each). Filters: `host`, `since` (1…1440).
public struct OverviewQuery: Sendable, Equatable {
    public var host: String?
    public var sinceMinutes = 15

    public static let names: Set<String> = ["host", "since"]
    public static let maxSinceMinutes = 24 * 60
    public static let rateColumns = ["probe", "minute", "events"]
    public static let pipelineColumns = ["minute", "lost", "dropped", "dead_lettered", "lag"]

    public init() {}

    public init(_ pairs: [(String, String)]) throws {
        let p = try ConsoleParameters(pairs, allowed: Self.names)
        host = p.string("host")
        sinceMinutes = try p.int("since", in: 1...Self.maxSinceMinutes) ?? 15
    }

    /// How many alerts the landing page shows.
    public static let newestAlerts = 10

    /// The landing page's alerts: the newest `newestAlerts` of the last day (not of `since`, so an alert
    /// stays in sight after the charts' window has moved on), on `host` when set.
    public var alerts: AlertsQuery {
        var q = AlertsQuery()
        q.host = host
        q.sinceMinutes = 24 * 60
        q.limit = Self.newestAlerts
        return q
    }

    /// How many rows each of the landing page's top tables shows.
    public static let topRows = 5
    /// The landing page's top tables, in the order shown.
    public static let tops: [TopQuery] = [.talkers, .files, .binaries]

    /// The top views' filter for the overview: its window and host, `topRows` rows.
    public var topFilter: EventFilter {
        var f = EventFilter()
        f.host = host
        f.sinceMinutes = sinceMinutes
        f.limit = Self.topRows
        return f
    }

    /// The SQL of one of the landing page's top tables (the Top view's query with `topFilter`).
    public func topSQL(_ top: TopQuery, database: String) -> String {
        top.sql(database: database, filter: topFilter)
    }

    private var conditions: [String] {
        var c = [Condition.window(minutes: sinceMinutes)]
        if let host { c.append(Condition.equals("host", host)) }
        return c
    }

    /// Events per probe and minute (`minute` as `YYYY-MM-DD hh:mm:00` UTC), one count per `event_id`
    /// of every event table; the page divides by 60 for events per second.
    public func ratesSQL(database: String) -> String {
        let branches = EventSource.all.map {
            "SELECT event_id, probe, toStartOfMinute(time) AS m FROM \(database).\($0.table) WHERE \(conditions.joined(separator: " AND "))"
        }
        return """
            SELECT probe, toString(m) AS minute, uniqExact(event_id) AS events
            FROM (
            \(branches.joined(separator: "\nUNION ALL\n"))
            )
            GROUP BY probe, m ORDER BY probe, m
            """
    }

    /// Per minute, summed over stage instances: the newest cumulative totals of kernel loss (the agent's
    /// all-probe `lost{reason}` counters), drops and dead letters, and the consumer lag.
    public func pipelineSQL(database: String) -> String {
        """
        SELECT toString(m) AS minute,
               sumIf(v, counter LIKE 'lost{%' AND position(counter, ',') = 0) AS lost,
               sumIf(v, counter = 'dropped') AS dropped,
               sumIf(v, counter = 'dead_lettered') AS dead_lettered,
               sumIf(v, counter = 'lag') AS lag
        FROM (
            SELECT toStartOfMinute(time) AS m, stage, instance, counter, argMax(value, time_ns) AS v
            FROM \(database).pipeline_stats WHERE \(conditions.joined(separator: " AND "))
            GROUP BY m, stage, instance, counter
        )
        GROUP BY m ORDER BY m
        """
    }
}
