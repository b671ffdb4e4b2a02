import InfraSightClickHouse
import InfraSightCore
@testable import InfraSightSink
import InfraSightTestSupport
import XCTest

/// The alerts table's DDL per server generation, its row encoding and what the sink refuses to store.
/// (Rows on real servers: LegacyClickHouseSchemaTests on 18.16, ModernClickHouseSchemaTests on chDB.)
final class AlertsTableTests: XCTestCase {
    func testLegacyDDLAvoidsWhat18_16Lacks() {
        let ddl = AlertsTable.createStatement(database: "infrasight", flavor: .legacy, retentionDays: 30)
        for missing in ["DateTime64", "LowCardinality", "TTL", "CODEC", "deduplication"] {
            XCTAssertFalse(ddl.contains(missing), "legacy DDL must not use \(missing):\n\(ddl)")
        }
        XCTAssertTrue(ddl.hasPrefix("CREATE TABLE IF NOT EXISTS infrasight.alerts\n"), ddl)
        XCTAssertTrue(ddl.contains("    time DateTime,\n"), ddl)
        XCTAssertTrue(ddl.contains("    detected_time DateTime,\n"), ddl)
        XCTAssertTrue(ddl.contains("ENGINE = ReplacingMergeTree\nPARTITION BY toYYYYMMDD(time)\nORDER BY (alert_id)"), ddl)
    }

    func testModernDDLUsesNanosecondTimesLowCardinalityTTLAndDedupWindow() {
        let ddl = AlertsTable.createStatement(database: "infrasight", flavor: .modern, retentionDays: 7)
        XCTAssertTrue(ddl.contains("    time DateTime64(9, 'UTC'),\n"), ddl)
        XCTAssertTrue(ddl.contains("    detected_time DateTime64(9, 'UTC'),\n"), ddl)
        XCTAssertTrue(ddl.contains("    severity LowCardinality(String),\n"), ddl)
        XCTAssertTrue(ddl.contains("    tags Array(String),\n"), ddl)
        XCTAssertTrue(ddl.contains("TTL toDateTime(time) + INTERVAL 7 DAY"), ddl)
        XCTAssertTrue(ddl.contains("non_replicated_deduplication_window"), ddl)
        XCTAssertFalse(AlertsTable.createStatement(database: "infrasight", flavor: .modern, retentionDays: 0).contains("TTL"))
    }

    func testDedupViewCollapsesByFinal() {
        XCTAssertEqual(AlertsTable.dedupViewStatement(database: "db"),
                       "CREATE VIEW IF NOT EXISTS db.alerts_dedup AS SELECT * FROM db.alerts FINAL")
    }

    func testEveryFieldOfTheContractHasAColumn() {
        let names = AlertsTable.columns.map(\.name)
        for required in ["time", "alert_id", "rule", "rule_version", "severity", "tags", "host", "pid", "exec_id", "comm", "exe",
                         "uid", "user", "container_id", "container_name", "pod_name", "pod_namespace", "message", "event_ids",
                         "probe", "detected_time", "detected_by", "time_ns", "detected_ns", "schema_version"] {
            XCTAssertTrue(names.contains(required), "alerts lacks \(required)")
        }
        XCTAssertEqual(Set(names).count, names.count, "duplicate column names")
        XCTAssertEqual(AlertsTable.insertStatement(database: "db"),
                       "INSERT INTO db.alerts (\(names.joined(separator: ", "))) FORMAT RowBinary")
    }

    func testSchemaVersionFourCreatesTheTableAndTheView() throws {
        let v4 = try XCTUnwrap(SchemaMigrations.all.first { $0.version == 4 })
        XCTAssertEqual(SchemaMigrations.latest, 11, "v11: kernel_events")
        for flavor in SchemaFlavor.allCases {
            XCTAssertEqual(v4.statements("db", flavor, 30), [AlertsTable.createStatement(database: "db", flavor: flavor, retentionDays: 30),
                                                             AlertsTable.dedupViewStatement(database: "db")])
        }
    }

    /// The row starts with alert_id then time, whose width follows the flavor; the rest is identical.
    func testRowStartsWithAlertIDThenTimePerFlavor() {
        let a = SampleAlerts.three(baseNs: 1_795_000_000_123_456_789)[0]
        var legacy = RowBinaryWriter()
        AlertsTable.encode(a, flavor: .legacy, into: &legacy)
        var modern = RowBinaryWriter()
        AlertsTable.encode(a, flavor: .modern, into: &modern)
        let id = [UInt8(a.alertID.utf8.count)] + Array(a.alertID.utf8)
        XCTAssertEqual(Array(legacy.bytes.prefix(id.count)), id)
        XCTAssertEqual(Array(legacy.bytes[id.count..<id.count + 4]), withUnsafeBytes(of: UInt32(a.timeNs / 1_000_000_000).littleEndian, Array.init))
        XCTAssertEqual(Array(modern.bytes[id.count..<id.count + 8]), withUnsafeBytes(of: Int64(a.timeNs).littleEndian, Array.init))
        XCTAssertEqual(modern.bytes.count, legacy.bytes.count + 8, "time and detected_time are 4 bytes wider each")
    }

    func testProblemRefusesWhatNoFilterOrWindowWouldFind() {
        var a = SampleAlerts.three(baseNs: 1_795_000_000_000_000_000)[0]
        XCTAssertNil(AlertsTable.problem(with: a))
        for severity in AlertSeverity.allCases {
            a.severity = severity.rawValue
            XCTAssertNil(AlertsTable.problem(with: a), severity.rawValue)
        }
        for bad in ["", "WARNING", "Warning", "warn", "info", "critical' OR 1=1"] {
            a.severity = bad
            let problem = AlertsTable.problem(with: a)
            XCTAssertNotNil(problem, bad)
            XCTAssertTrue(problem?.contains("severity") == true && problem?.contains(a.alertID) == true, problem ?? "")
        }
        a.severity = "error"
        a.timeNs = 0
        XCTAssertEqual(AlertsTable.problem(with: a), "alert \(a.alertID): no time_ns")
    }

    func testSeveritiesAreOrderedMostSevereFirst() {
        XCTAssertEqual(AlertSeverity.allCases.map(\.rawValue),
                       ["emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"])
        XCTAssertEqual(AlertSeverity.warning.atLeastAsSevere, [.emergency, .alert, .critical, .error, .warning])
        XCTAssertEqual(AlertSeverity.emergency.atLeastAsSevere, [.emergency])
        XCTAssertEqual(AlertSeverity.debug.atLeastAsSevere, AlertSeverity.allCases)
        XCTAssertTrue(AlertSeverity.critical < .notice)
    }
}
