import InfraSightClickHouse
import InfraSightCore

/// `alerts`: every alert from `infrasight.alerts` (written by `infrasight detect`), and `alerts_dedup`,
/// one row per `alert_id`.
///
/// Why ordered by `alert_id` alone (the event tables use `(host, time, event_id)`): the id is deterministic
/// (rule, rule version, triggering events), so a replayed alert has the same id and collapses on merge and
/// in `alerts_dedup` (`FINAL`) whatever else a replay changed (`detected_time`, `detected_by`). Alerts are
/// few, so queries scan by the day partitions of `time` rather than by the sorting key.
public enum AlertsTable {
    public static let name = "alerts"
    public static let dedupView = "alerts_dedup"

    static let lowCardinality = "LowCardinality(String)"
    static let modernTime = "DateTime64(9, 'UTC')"

    public static let columns: [AlertColumn] = [
        AlertColumn("alert_id", "String") { w, a, _ in w.string(a.alertID) },
        AlertColumn("time", "DateTime", modern: modernTime) { w, a, flavor in w.time(nanos: a.timeNs, flavor: flavor) },
        AlertColumn("time_ns", "UInt64") { w, a, _ in w.uint64(a.timeNs) },
        AlertColumn("host", "String", modern: lowCardinality) { w, a, _ in w.string(a.host) },
        AlertColumn("severity", "String", modern: lowCardinality) { w, a, _ in w.string(a.severity) },
        AlertColumn("rule", "String", modern: lowCardinality) { w, a, _ in w.string(a.rule) },
        AlertColumn("rule_version", "UInt32") { w, a, _ in w.uint32(a.ruleVersion) },
        AlertColumn("tags", "Array(String)") { w, a, _ in w.stringArray(a.tags) },
        AlertColumn("pid", "UInt32") { w, a, _ in w.uint32(a.pid) },
        AlertColumn("exec_id", "String") { w, a, _ in w.string(a.execID) },
        AlertColumn("comm", "String", modern: lowCardinality) { w, a, _ in w.string(a.comm) },
        AlertColumn("exe", "String") { w, a, _ in w.string(a.exe) },
        AlertColumn("uid", "UInt32") { w, a, _ in w.uint32(a.uid) },
        AlertColumn("user", "String", modern: lowCardinality) { w, a, _ in w.string(a.user) },
        AlertColumn("container_id", "String", modern: lowCardinality) { w, a, _ in w.string(a.containerID) },
        AlertColumn("container_name", "String", modern: lowCardinality) { w, a, _ in w.string(a.containerName) },
        AlertColumn("pod_name", "String", modern: lowCardinality) { w, a, _ in w.string(a.podName) },
        AlertColumn("pod_namespace", "String", modern: lowCardinality) { w, a, _ in w.string(a.podNamespace) },
        AlertColumn("probe", "String", modern: lowCardinality) { w, a, _ in w.string(a.probe) },
        AlertColumn("message", "String") { w, a, _ in w.string(a.message) },
        AlertColumn("event_ids", "Array(String)") { w, a, _ in w.stringArray(a.eventIDs) },
        AlertColumn("detected_time", "DateTime", modern: modernTime) { w, a, flavor in w.time(nanos: a.detectedNs, flavor: flavor) },
        AlertColumn("detected_ns", "UInt64") { w, a, _ in w.uint64(a.detectedNs) },
        AlertColumn("detected_by", "String", modern: lowCardinality) { w, a, _ in w.string(a.detectedBy) },
        AlertColumn("schema_version", "UInt32") { w, a, _ in w.uint32(a.schemaVersion) },
    ]

    public static func qualifiedName(database: String) -> String { "\(database).\(name)" }

    /// CREATE TABLE for the flavor. `retentionDays` becomes a TTL where the server has TTL.
    public static func createStatement(database: String, flavor: SchemaFlavor, retentionDays: Int) -> String {
        ReplacingTableDDL.createStatement(qualifiedName: qualifiedName(database: database), columns: columns,
                                          orderBy: "alert_id", flavor: flavor, retentionDays: retentionDays)
    }

    /// `alerts_dedup`: one row per `alert_id`.
    public static func dedupViewStatement(database: String) -> String {
        ReplacingTableDDL.dedupViewStatement(database: database, table: name)
    }

    public static func insertStatement(database: String) -> String {
        ReplacingTableDDL.insertStatement(qualifiedName: qualifiedName(database: database), columns: columns)
    }

    /// Why a decoded alert cannot be stored, or nil when it can. `AlertRecord.decode` already refuses one
    /// without `alert_id` or `rule`; here: a severity outside the contract's (no severity filter would ever
    /// find it) and a missing event time (it would land in 1970, outside every time window).
    public static func problem(with alert: AlertRecord) -> String? {
        if AlertSeverity(rawValue: alert.severity) == nil {
            return "alert \(alert.alertID): severity '\(alert.severity.prefix(64))' is not one of \(AlertSeverity.names)"
        }
        if alert.timeNs == 0 { return "alert \(alert.alertID): no time_ns" }
        return nil
    }

    /// Appends one alert as a RowBinary row.
    public static func encode(_ alert: AlertRecord, flavor: SchemaFlavor, into writer: inout RowBinaryWriter) {
        for column in columns { column.encode(&writer, alert, flavor) }
    }
}
