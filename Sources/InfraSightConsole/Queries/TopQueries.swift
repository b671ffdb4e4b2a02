/// The top views: comm by syscall latency, files by access count, talkers by container.
/// Filters: `host`, `container`, `user`, `comm`, `since`, `limit`.
public enum TopQuery: String, CaseIterable, Sendable {
    case latency, files, talkers

    public static let names: Set<String> = ["host", "container", "user", "comm", "since", "limit"]

    public var columns: [String] {
        switch self {
        case .latency: return ["comm", "calls", "avg_ms", "p99_ms", "max_ms"]
        case .files: return ["path", "accesses", "failures", "processes", "comms"]
        case .talkers: return ["container", "host", "connections", "failures", "peers", "sample_peers"]
        }
    }

    public func sql(database: String, filter: EventFilter) -> String {
        switch self {
        case .latency:
            let branches = [EventSource.exec, .file, .network, .process].compactMap { source in
                filter.conditions(for: source).map {
                    "SELECT comm, latency_ms FROM \(database).\(source.table) WHERE \($0.joined(separator: " AND "))"
                }
            }
            return """
                SELECT comm, count() AS calls, round(avg(latency_ms), 3) AS avg_ms,
                       round(quantile(0.99)(latency_ms), 3) AS p99_ms, round(max(latency_ms), 3) AS max_ms
                FROM (
                \(branches.joined(separator: "\nUNION ALL\n"))
                )
                GROUP BY comm ORDER BY p99_ms DESC, calls DESC LIMIT \(SQLText.int(filter.limit))
                """
        case .files:
            let c = filter.conditions(for: .file) ?? ["0"]
            return """
                SELECT path, count() AS accesses, countIf(ret < 0) AS failures, uniq(pid) AS processes,
                       arrayStringConcat(arraySlice(groupUniqArray(toString(comm)), 1, 5), ' ') AS comms
                FROM \(database).file_events WHERE \(c.joined(separator: " AND "))
                GROUP BY path ORDER BY accesses DESC, path LIMIT \(SQLText.int(filter.limit))
                """
        case .talkers:
            let c = filter.conditions(for: .network) ?? ["0"]
            return """
                SELECT if(container_name = '', if(container_id = '', '(host)', container_id), container_name) AS container,
                       host, count() AS connections, countIf(ret < 0) AS failures, uniq(remote_ip) AS peers,
                       arrayStringConcat(arraySlice(groupUniqArray(remote_ip), 1, 5), ' ') AS sample_peers
                FROM \(database).network_events WHERE \(c.joined(separator: " AND "))
                GROUP BY container, host ORDER BY connections DESC, container LIMIT \(SQLText.int(filter.limit))
                """
        }
    }
}
