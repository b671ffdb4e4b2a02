/// The process view: one process execution, by `exec_id`, or by `host` + `pid` (for events whose
/// `exec_id` is empty), its events in time order, its ancestry (the parent chain via `ppid`) and its
/// children (the processes whose `ppid` it is).
public struct ProcessQuery: Sendable, Equatable {
    /// Which process: an execution id, or a host and a pid.
    public enum Key: Sendable, Equatable {
        case execID(String)
        case hostPID(host: String, pid: Int)
    }

    public var key: Key
    public var sinceMinutes: Int = 24 * 60
    public var limit: Int = 200

    public static let names: Set<String> = ["exec_id", "host", "pid", "since", "limit"]
    public static let maxDepth = 16
    public static let maxChildren = 100
    public static let eventColumns = EventStreamQuery.columns
    public static let processColumns = ["host", "pid", "ppid", "exec_id", "time_ns", "time_utc", "probe", "comm",
                                        "user", "detail", "container", "pod"]

    public init(key: Key) { self.key = key }

    /// `exec_id` (hex digits and dashes, at most 64) or both `host` and `pid` (1…4194304).
    public init(_ pairs: [(String, String)]) throws {
        let p = try ConsoleParameters(pairs, allowed: Self.names)
        if let id = p.string("exec_id") {
            guard id.count <= 64, id.unicodeScalars.allSatisfy({ $0 == "-" || $0.properties.isASCIIHexDigit }) else {
                throw ConsoleBadRequest("parameter 'exec_id' must be an execution id (hex digits and dashes)")
            }
            key = .execID(id)
        } else if let host = p.string("host"), let pid = try p.int("pid", in: 1...4_194_304) {
            key = .hostPID(host: host, pid: pid)
        } else {
            throw ConsoleBadRequest("give exec_id, or host and pid")
        }
        sinceMinutes = try p.int("since", in: 1...EventFilter.maxSinceMinutes) ?? 24 * 60
        limit = try p.int("limit", in: 1...EventFilter.maxLimit) ?? 200
    }

    var keyCondition: String {
        switch key {
        case .execID(let id): return Condition.equals("exec_id", id)
        case .hostPID(let host, let pid): return "\(Condition.equals("host", host)) AND pid = \(SQLText.int(pid))"
        }
    }

    /// Every table's rows matching `conditions`, in one `UNION ALL` (database left as `%DB%`).
    private static func union(_ conditions: [String]) -> String {
        EventSource.all.map { $0.select(database: "%DB%", conditions: conditions) }.joined(separator: "\nUNION ALL\n")
    }

    /// Every event of the process, oldest first.
    public func eventsSQL(database: String) -> String {
        """
        SELECT \(Self.eventColumns.joined(separator: ", "))
        FROM (
        \(Self.union([Condition.window(minutes: sinceMinutes), keyCondition]))
        )
        ORDER BY time_ns
        LIMIT 1 BY event_id
        LIMIT \(SQLText.int(limit))
        """.replacingOccurrences(of: "%DB%", with: database)
    }

    /// The newest event of the process (its exec event when there is one), for its ppid.
    public func processSQL(database: String) -> String {
        Self.latest(database: database, conditions: [Condition.window(minutes: sinceMinutes), keyCondition])
    }

    /// The newest event of `pid` on `host` at or before `beforeNs`: one step up the parent chain.
    public func parentSQL(database: String, host: String, pid: Int, beforeNs: UInt64) -> String {
        Self.latest(database: database, conditions: [
            Condition.window(minutes: sinceMinutes), Condition.equals("host", host),
            "pid = \(SQLText.int(pid))", "time_ns <= \(beforeNs)",
        ])
    }

    /// The children of `pid` on `host` seen from `sinceNs` on (the process's exec): one row per
    /// child pid (its exec event when there is one), oldest first.
    public func childrenSQL(database: String, host: String, pid: Int, sinceNs: UInt64) -> String {
        let branches = Self.union([
            Condition.window(minutes: sinceMinutes), Condition.equals("host", host),
            "ppid = \(SQLText.int(pid))", "pid != \(SQLText.int(pid))", "time_ns >= \(sinceNs)",
        ])
        return """
            SELECT \(Self.processColumns.joined(separator: ", "))
            FROM (
                SELECT \(Self.processColumns.joined(separator: ", "))
                FROM (
                \(branches)
                )
                ORDER BY probe = 'execve' DESC, time_ns DESC
                LIMIT 1 BY pid
            )
            ORDER BY time_ns
            LIMIT \(Self.maxChildren)
            """.replacingOccurrences(of: "%DB%", with: database)
    }

    /// Prefers the exec event (it names the binary and argv), else the newest event of any kind.
    static func latest(database: String, conditions: [String]) -> String {
        let branches = union(conditions)
        return """
            SELECT \(processColumns.joined(separator: ", "))
            FROM (
            \(branches)
            )
            ORDER BY probe = 'execve' DESC, time_ns DESC
            LIMIT 1
            """.replacingOccurrences(of: "%DB%", with: database)
    }
}
