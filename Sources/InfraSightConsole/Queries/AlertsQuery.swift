import InfraSightCore
import InfraSightSink

/// The alerts view: alerts raised by `infrasight detect`, one per `alert_id` (`alerts_dedup`), newest first.
/// Filters: `host`, `rule`, `container` (name, id or id prefix, pod name), `severity` (this or more severe,
/// as Falco's `priority` setting), `since` (minutes, 1…10080; a day by default), `limit` (1…1000).
///
/// Each row carries what the page needs to link it to the process view: `exec_id`, and `host` + `pid`.
public struct AlertsQuery: Sendable, Equatable {
    public var host: String?
    public var rule: String?
    public var container: String?
    public var minimumSeverity: AlertSeverity?
    public var sinceMinutes = 24 * 60
    public var limit = 100

    public static let names: Set<String> = ["host", "rule", "container", "severity", "since", "limit"]
    public static let columns = ["time_utc", "severity", "rule", "host", "pid", "comm", "user", "container", "pod",
                                 "message", "rule_tags", "exec_id", "alert_id", "time_ns"]

    public init() {}

    public init(_ pairs: [(String, String)]) throws {
        let p = try ConsoleParameters(pairs, allowed: Self.names)
        host = p.string("host")
        rule = p.string("rule")
        container = p.string("container")
        minimumSeverity = try p.severity("severity")
        sinceMinutes = try p.int("since", in: 1...EventFilter.maxSinceMinutes) ?? 24 * 60
        limit = try p.int("limit", in: 1...EventFilter.maxLimit) ?? 100
    }

    var conditions: [String] {
        var c = [Condition.window(minutes: sinceMinutes)]
        if let host { c.append(Condition.equals("host", host)) }
        if let rule { c.append(Condition.equals("rule", rule)) }
        if let container { c.append(Condition.container(container)) }
        if let minimumSeverity {
            c.append("severity IN (\(minimumSeverity.atLeastAsSevere.map { SQLText.string($0.rawValue) }.joined(separator: ", ")))")
        }
        return c
    }

    public func sql(database: String) -> String {
        """
        SELECT toString(time) AS time_utc, severity, rule, host, pid, comm, user,
               if(container_name = '', container_id, container_name) AS container,
               if(pod_name = '', '', concat(toString(pod_namespace), '/', toString(pod_name))) AS pod,
               message, arrayStringConcat(tags, ' ') AS rule_tags, exec_id, alert_id, time_ns
        FROM \(database).\(AlertsTable.dedupView)
        WHERE \(conditions.joined(separator: " AND "))
        ORDER BY time_ns DESC, alert_id
        LIMIT \(SQLText.int(limit))
        """
    }
}
