import InfraSightCore

/// The live event stream: the newest events of every table that the filters allow, newest first,
/// one row per `event_id` (re-delivered copies collapse).
public enum EventStreamQuery {
    /// `time_ns` and `event_id` come last: the console merges incremental polls by them and does not
    /// show them.
    public static let columns = ["time_utc", "host", "probe", "pid", "ppid", "user", "comm", "detail", "ret",
                                 "errno_name", "latency_ms", "container", "pod", "exec_id", "time_ns", "event_id"]

    /// The columns of the answer: with a `probe` filter, that probe's own columns (`EventSource`)
    /// replace the one-line `detail`, so every column fits the rows.
    public static func columns(probe: Probe?) -> [String] {
        guard let probe else { return columns }
        let at = columns.firstIndex(of: "detail")!
        return Array(columns[..<at]) + EventSource.columns(for: probe).map(\.name) + Array(columns[(at + 1)...])
    }

    /// The SQL, or nil when the filters exclude every table (the answer is then empty).
    public static func sql(database: String, filter: EventFilter) -> String? {
        let branches = EventSource.all.compactMap { source in
            filter.conditions(for: source).map { source.select(database: database, conditions: $0, probeColumns: filter.probe) }
        }
        guard !branches.isEmpty else { return nil }
        return """
            SELECT \(columns(probe: filter.probe).joined(separator: ", "))
            FROM (
            \(branches.joined(separator: "\nUNION ALL\n"))
            )
            ORDER BY time_ns DESC
            LIMIT 1 BY event_id
            LIMIT \(SQLText.int(filter.limit))
            """
    }
}
