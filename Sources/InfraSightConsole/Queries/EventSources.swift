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
        pathColumns: ["filename", "resolved_path"], addressColumns: nil)
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

    static let setid = EventSource(
        table: "setid_events", probes: [.setid],
        detail: "if(toString(syscall) = 'capset', concat('capset effective ', toString(cap_effective), ' permitted ', toString(cap_permitted)), concat(toString(syscall), ' ', toString(new_real), ',', toString(new_effective), ',', toString(new_saved), ' (was uid ', toString(old_uid), ' euid ', toString(old_euid), ' gid ', toString(old_gid), ')'))",
        pathColumns: nil, addressColumns: nil)
    static let dup = EventSource(
        table: "dup_events", probes: [.dup],
        detail: "concat(toString(syscall), ' fd ', toString(oldfd), ' -> ', toString(newfd), ' ', toString(family_name), ' ', remote_ip, ':', toString(remote_port), if(unix_path = '', '', concat(' ', unix_path)))",
        pathColumns: ["unix_path"], addressColumns: ["remote_ip", "local_ip"])
    static let socket = EventSource(
        table: "socket_events", probes: [.socket],
        detail: "concat('socket ', toString(family_name), ' type ', toString(sock_type), ' protocol ', toString(protocol))",
        pathColumns: nil, addressColumns: nil)

    static let link = EventSource(
        table: "link_events", probes: [.link],
        detail: "concat(toString(syscall), ' ', if(old_path = '', '', concat(old_path, ' -> ')), path, if(resolved_path = '' OR resolved_path = path, '', concat(' (', resolved_path, ')')))",
        pathColumns: ["path", "resolved_path", "old_path", "old_resolved_path"], addressColumns: nil)

    static let bind = EventSource(
        table: "bind_events", probes: [.bind],
        detail: "concat(toString(syscall), ' ', toString(family_name), ' ', local_ip, ':', toString(local_port), if(toString(service) = '', '', concat(' (', toString(service), ')')), if(toString(syscall) = 'listen', concat(' backlog ', toString(backlog)), ''))",
        pathColumns: nil, addressColumns: ["local_ip"])

    static let sendto = EventSource(
        table: "sendto_events", probes: [.sendto],
        detail: "concat(toString(syscall), ' ', toString(protocol_name), ' ', remote_ip, ':', toString(remote_port), if(toString(service) = '', '', concat(' (', toString(service), ')')), if(message_count > 1, concat(' x', toString(message_count)), ''))",
        pathColumns: nil, addressColumns: ["remote_ip", "local_ip"])

    static let kernel = EventSource(
        table: "kernel_events", probes: [.kernel],
        detail: "concat(toString(syscall), if(toString(syscall) = 'bpf', concat(' BPF_PROG_LOAD ', toString(prog_type_name), ' ', prog_name, ' (', toString(insn_cnt), ' insns)'), concat(' ', if(resolved_path = '', concat(toString(image_len), ' bytes'), resolved_path), if(params = '', '', concat(' params ', params)))))",
        pathColumns: ["resolved_path"], addressColumns: nil)

    static let all = [exec, file, network, process, setid, dup, socket, link, bind, sendto, kernel]

    /// The columns that fit one probe, shown in place of `detail` when the stream is filtered to that
    /// probe: (result name, SQL expression; fixed text). A name never repeats a different column's name.
    static func columns(for probe: Probe) -> [(name: String, sql: String)] {
        switch probe {
        case .execve:
            return [("filename", "filename"), ("command_line", "arrayStringConcat(argv, ' ')"),
                    ("argv_truncated", "argv_truncated")]
        case .open:
            return [("syscall", "toString(syscall)"), ("path", "path"), ("flags_text", "toString(flags_text)"),
                    ("fd", "fd"), ("sensitive", "sensitive")]
        case .chmod:
            return [("syscall", "toString(syscall)"), ("path", "path"), ("mode_text", "toString(mode_text)"),
                    ("sensitive", "sensitive")]
        case .connect, .accept:
            return [("syscall", "toString(syscall)"), ("family_name", "toString(family_name)"),
                    ("remote_ip", "remote_ip"), ("remote_port", "remote_port"), ("remote_hostname", "remote_hostname"),
                    ("service", "toString(service)"), ("local_ip", "local_ip"), ("local_port", "local_port"),
                    ("unix_path", "unix_path")]
        case .exit:
            return [("exit_code", "exit_code"), ("signal", "signal"), ("core_dumped", "core_dumped")]
        case .ptrace:
            return [("ptrace_request", "ptrace_request"), ("target_pid", "target_pid")]
        case .mount:
            return [("mount_syscall", "toString(mount_syscall)"), ("mount_source", "mount_source"),
                    ("mount_target", "mount_target"), ("fs_type", "toString(fs_type)"), ("mount_flags", "mount_flags")]
        case .setid:
            return [("syscall", "toString(syscall)"), ("old_uid", "old_uid"), ("old_euid", "old_euid"),
                    ("old_gid", "old_gid"), ("new_real", "new_real"), ("new_effective", "new_effective"),
                    ("new_saved", "new_saved"), ("cap_effective", "cap_effective"), ("cap_permitted", "cap_permitted")]
        case .dup:
            return [("syscall", "toString(syscall)"), ("oldfd", "oldfd"), ("newfd", "newfd"),
                    ("family_name", "toString(family_name)"), ("remote_ip", "remote_ip"), ("remote_port", "remote_port"),
                    ("local_ip", "local_ip"), ("local_port", "local_port"), ("unix_path", "unix_path")]
        case .socket:
            return [("family_name", "toString(family_name)"), ("sock_type", "sock_type"), ("protocol", "protocol"),
                    ("protocol_name", "toString(protocol_name)"), ("nonblock", "nonblock"), ("cloexec", "cloexec")]
        case .link:
            return [("syscall", "toString(syscall)"), ("path", "path"), ("resolved_path", "resolved_path"),
                    ("old_path", "old_path"), ("old_resolved_path", "old_resolved_path"), ("flags", "flags"),
                    ("sensitive", "sensitive")]
        case .bind:
            return [("syscall", "toString(syscall)"), ("family_name", "toString(family_name)"),
                    ("protocol_name", "toString(protocol_name)"), ("local_ip", "local_ip"), ("local_port", "local_port"),
                    ("service", "toString(service)"), ("backlog", "backlog"), ("fd", "fd")]
        case .sendto:
            return [("syscall", "toString(syscall)"), ("protocol_name", "toString(protocol_name)"), ("remote_ip", "remote_ip"),
                    ("remote_port", "remote_port"), ("service", "toString(service)"), ("local_ip", "local_ip"),
                    ("local_port", "local_port"), ("message_count", "message_count"), ("send_flags", "send_flags")]
        case .kernel:
            return [("syscall", "toString(syscall)"), ("resolved_path", "resolved_path"), ("params", "params"),
                    ("image_len", "image_len"), ("module_flags", "module_flags"), ("prog_type_name", "toString(prog_type_name)"),
                    ("prog_name", "prog_name"), ("insn_cnt", "insn_cnt")]
        }
    }

    /// The columns every branch of the union selects, in order (names of the result).
    /// The columns every branch of the union selects, in order. No alias repeats a column name
    /// (ClickHouse 18.16 reports such aliases as cyclic).
    static let unionColumns = """
        event_id, time_ns, toString(time) AS time_utc, host, probe, pid, ppid, user, comm, %DETAIL% AS detail, \
        ret, errno_name, latency_ms, if(container_name = '', container_id, container_name) AS container, \
        if(pod_name = '', '', concat(toString(pod_namespace), '/', toString(pod_name))) AS pod, exec_id
        """

    /// One branch: the common columns with `detail`, or with `probe`'s own columns in its place.
    func select(database: String, conditions: [String], probeColumns probe: Probe? = nil) -> String {
        let cols = Self.unionColumns.replacingOccurrences(of: "%DETAIL% AS detail", with: probe.map { p in
            Self.columns(for: p).map { $0.sql == $0.name ? $0.name : "\($0.sql) AS \($0.name)" }.joined(separator: ", ")
        } ?? "\(detail) AS detail")
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
