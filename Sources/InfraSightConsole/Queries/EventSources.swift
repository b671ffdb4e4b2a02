import InfraSightCore

/// How each event table appears in the console's cross-table views: a one-line `detail` and which
/// of its columns the `path` and `address` filters look at.
///
/// Every table shares the common columns (time, host, probe, pid, ppid, user, comm, ret, errno_name,
/// latency_ms, container_*, exec_id), so their rows line up in one `UNION ALL`.
struct EventSource: Sendable {
    let table: String
    let probes: [Probe]
    /// SQL expression (fixed text, no user input) summarising the event.
    let detail: String
    /// Columns matched by `path` (substring); nil: a path filter excludes this table.
    let pathColumns: [String]?
    /// Columns matched by `address` (substring); nil: an address filter excludes this table.
    let addressColumns: [String]?

    static let exec = EventSource(
        table: "exec_events", probes: [.execve],
        detail: "arrayStringConcat(argv, ' ')",
        pathColumns: ["filename"], addressColumns: nil)
    static let file = EventSource(
        table: "file_events", probes: [.open, .chmod],
        detail: "concat(toString(syscall), ' ', path, if(flags_text = '', '', concat(' ', toString(flags_text))))",
        pathColumns: ["path"], addressColumns: nil)
    static let network = EventSource(
        table: "network_events", probes: [.connect, .accept],
        detail: "concat(toString(syscall), ' ', remote_ip, ':', toString(remote_port), if(unix_path = '', '', concat(' ', unix_path)), if(toString(service) = '', '', concat(' (', toString(service), ')')))",
        pathColumns: ["unix_path"], addressColumns: ["remote_ip", "local_ip", "remote_hostname"])
    static let process = EventSource(
        table: "process_events", probes: [.exit, .ptrace, .mount],
        detail: "multiIf(probe = 'exit', concat('exit code ', toString(exit_code), ' signal ', toString(signal)), probe = 'ptrace', concat('ptrace request ', toString(ptrace_request), ' target ', toString(target_pid)), concat(toString(mount_syscall), ' ', mount_source, ' ', mount_target, ' ', toString(fs_type)))",
        pathColumns: ["mount_target"], addressColumns: nil)

    static let all = [exec, file, network, process]

    /// The columns every branch of the union selects, in order (names of the result).
    /// The columns every branch of the union selects, in order. No alias repeats a column name
    /// (ClickHouse 18.16 reports such aliases as cyclic).
    static let unionColumns = """
        event_id, time_ns, toString(time) AS time_utc, host, probe, pid, ppid, user, comm, %DETAIL% AS detail, \
        ret, errno_name, latency_ms, if(container_name = '', container_id, container_name) AS container, exec_id
        """

    func select(database: String, conditions: [String]) -> String {
        let cols = Self.unionColumns.replacingOccurrences(of: "%DETAIL%", with: detail)
        return "SELECT \(cols) FROM \(database).\(table) WHERE \(conditions.joined(separator: " AND "))"
    }
}

/// Condition builders: every user value enters SQL only as a `SQLLiteral`.
enum Condition {
    static func equals(_ column: String, _ value: String) -> String { "\(column) = \(SQLText.string(value))" }

    /// Substring match in any of `columns` (`position`, so `%` and `_` in the value are plain text).
    static func contains(_ columns: [String], _ value: String) -> String {
        let literal = SQLText.string(value)
        return "(" + columns.map { "position(\($0), \(literal)) > 0" }.joined(separator: " OR ") + ")"
    }

    /// A container given by name, by full id or by an id prefix (the 12-character short id).
    static func container(_ value: String) -> String {
        let literal = SQLText.string(value)
        return "(container_name = \(literal) OR substring(container_id, 1, \(value.utf8.count)) = \(literal) OR pod_name = \(literal))"
    }

    static func window(minutes: Int) -> String { "time >= now() - INTERVAL \(SQLText.int(minutes)) MINUTE" }
}
