import InfraSightCore
@testable import InfraSightSink
import InfraSightTestSupport
import XCTest
import Foundation
import InfraSightClickHouse

/// Preset SQL is valid on ClickHouse 26 (chDB) and values from users stay literals.
final class QueryPresetTests: XCTestCase {
    func testStringLiteralsEscapeEverything() {
        XCTAssertEqual(SQLLiteral.string("plain"), "'plain'")
        XCTAssertEqual(SQLLiteral.string("x' OR 1=1 --"), "'x\\' OR 1=1 --'")
        XCTAssertEqual(SQLLiteral.string("a\\'b"), "'a\\\\\\'b'")
        XCTAssertEqual(SQLLiteral.string("tab\tnl\n\u{1}"), "'tab\\tnl\\n\\x01'")
    }

    func testFilterBoundsUserNumbers() {
        let f = QueryFilter(sinceMinutes: -5, limit: 10_000_000, host: "h")
        XCTAssertEqual(f.sinceMinutes, 1)
        XCTAssertEqual(f.limit, 100_000)
    }

    func testEveryPresetRunsOnCurrentClickHouse() throws {
        let ddl = ["CREATE DATABASE IF NOT EXISTS infrasight"] +
            SchemaMigrations.all.flatMap { $0.statements("infrasight", .modern, 30) }
        for preset in QueryPresets.all {
            let sql = preset.sql(filter: QueryFilter(sinceMinutes: 60, limit: 5, host: "node-'a"))
            XCTAssertNoThrow(try ChDB.run(statements: ddl + [sql + " FORMAT TabSeparatedWithNames"]), preset.name)
        }
    }

    /// `query alerts`: rule and severity narrow it (severity: this or more severe), the host and rule are one
    /// literal each whatever they hold, and a replayed alert is listed once.
    func testAlertsPresetFiltersOnCurrentClickHouse() throws {
        let preset = try XCTUnwrap(QueryPresets.named("alerts"))
        XCTAssertTrue(preset.takesAlertFilters)
        XCTAssertEqual(QueryPresets.all.filter(\.takesAlertFilters).map(\.name), ["alerts"])
        let payload = "x' OR 1=1 OR rule='\\"
        let evil = preset.sql(filter: QueryFilter(host: payload, rule: payload, minimumSeverity: .error))
        XCTAssertEqual(evil.components(separatedBy: SQLLiteral.string(payload)).count - 1, 2, evil)
        XCTAssertTrue(evil.contains("severity IN ('emergency', 'alert', 'critical', 'error')"), evil)

        let now = UInt64(Date().timeIntervalSince1970) * 1_000_000_000
        let alerts = SampleAlerts.three(baseNs: now - 600_000_000_000)   // warning, critical, notice; ten minutes ago
        var replay = alerts[0]
        replay.detectedBy = "node-b:1"
        var w = RowBinaryWriter()
        for a in alerts + [replay] { AlertsTable.encode(a, flavor: .modern, into: &w) }
        let ddl = ["CREATE DATABASE IF NOT EXISTS infrasight"] + SchemaMigrations.all.flatMap { $0.statements("infrasight", .modern, 30) }
        let insert = AlertsTable.insertStatement(database: "infrasight").replacingOccurrences(of: "FORMAT RowBinary", with: "FROM INFILE '{file:rows}' FORMAT RowBinary")
        let cases: [(QueryFilter, [String])] = [
            (QueryFilter(), [alerts[2].alertID, alerts[1].alertID, alerts[0].alertID]),
            (QueryFilter(minimumSeverity: .warning), [alerts[1].alertID, alerts[0].alertID]),
            (QueryFilter(minimumSeverity: .critical), [alerts[1].alertID]),
            (QueryFilter(minimumSeverity: .emergency), []),
            (QueryFilter(rule: alerts[2].rule), [alerts[2].alertID]),
            (QueryFilter(host: "node-a", rule: alerts[2].rule, minimumSeverity: .critical), []),
            (QueryFilter(host: "other"), []),
            (QueryFilter(limit: 1), [alerts[2].alertID]),
            (QueryFilter(host: payload, rule: payload), []),
        ]
        for (filter, expected) in cases {
            let sql = preset.sql(filter: filter)
            let out = try ChDB.run(statements: ddl + [insert, "SELECT alert_id FROM (\(sql)) FORMAT TabSeparated"], files: ["rows": w.bytes])
            XCTAssertEqual(out.split(separator: "\n").map(String.init), expected, sql)
        }
    }

    func testTableRendering() {
        let t = TabSeparatedTable(parsing: "a\tb\n1\tx\\ty\n22\tz\n")
        XCTAssertEqual(t.columns, ["a", "b"])
        XCTAssertEqual(t.rows, [["1", "x\ty"], ["22", "z"]])
        XCTAssertTrue(t.rendered().hasSuffix("(2 rows)"))
    }
}
