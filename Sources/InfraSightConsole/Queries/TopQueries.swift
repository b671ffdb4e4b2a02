/// The top views: comm by syscall latency, files by access count, talkers by container, binaries by
/// executions. Filters: `host`, `container`, `user`, `comm`, `since`, `limit`. Each is one GROUP BY over
/// the window's rows of one table (latency: of the four event tables), so its cost follows the window.
public enum TopQuery: String, CaseIterable, Sendable {
    case latency, files, talkers, binaries

    public static let names: Set<String> = ["host", "container", "user", "comm", "since", "limit"]

    public var columns: [String] {
        switch self {
        case .latency: return ["comm", "calls", "avg_ms", "p99_ms", "max_ms"]
        case .files: return ["path", "accesses", "failures", "processes", "comms"]
        case .talkers: return ["container", "host", "connections", "failures", "peers", "sample_peers"]
        case .binaries:
            return ["binary", "executions", "failures", "processes", "users", "hosts", "parents", "sample_command_lines"]
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
        case .binaries:
            // The executed file as the kernel resolved it (`resolved_path`, schema v5), else as execve named
            // it (`filename`: a failed exec has no resolved path); failed execs count too (ret < 0: a
            // missing or refused binary is worth seeing). Processes by host + pid, parents by the
            // parent's comm (`ancestors_comm[1]`), up to 3 distinct command lines from the first 100
            // executions (bounded, so one busy binary cannot blow up the state).
            let c = filter.conditions(for: .exec) ?? ["0"]
            return """
                SELECT if(resolved_path = '', filename, resolved_path) AS binary, count() AS executions, countIf(ret < 0) AS failures, uniq(host, pid) AS processes,
                       uniq(user) AS users, uniq(host) AS hosts,
                       arrayStringConcat(arraySlice(arrayFilter(x -> x != '', arrayReduce('groupUniqArray', groupArray(100)(toString(ancestors_comm[1])))), 1, 5), ' ') AS parents,
                       arrayStringConcat(arraySlice(arrayReduce('groupUniqArray', groupArray(100)(arrayStringConcat(argv, ' '))), 1, 3), ' | ') AS sample_command_lines
                FROM \(database).exec_events WHERE \(c.joined(separator: " AND "))
                GROUP BY binary ORDER BY executions DESC, binary LIMIT \(SQLText.int(filter.limit))
                """
        }
    }
}
