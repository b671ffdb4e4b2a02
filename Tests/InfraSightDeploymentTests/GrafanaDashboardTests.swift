import Foundation
import InfraSightTestSupport
import XCTest

/// The provisioned dashboards (compose/grafana/dashboards/*.json): each parses, has a unique uid and a title,
/// every panel and query uses the provisioned ClickHouse datasource with plugin-expandable SQL, and the
/// required security, performance, pipeline and alerts panels are there. Their SQL runs on really captured events in
/// DashboardPanelIntegrationTests.
final class GrafanaDashboardTests: XCTestCase {
    static let required: [String: [String]] = [
        "infrasight-security-audit": [
            "Binaries executed for the first time per host", "Sensitive file access",
            "chmod on sensitive paths or to world-writable modes", "Outbound connections by process and container",
            "New listening services (accept side)", "Processes run by unusual users"],
        "infrasight-performance": [
            "Syscall latency by comm", "p99 syscall latency by probe", "Top files", "Top talkers by container and pod"],
        "infrasight-pipeline-health": ["Events per second by stage", "Consumer lag by stage", "Loss, drops and dead letters"],
        "infrasight-alerts": ["Alerts by severity", "Newest alerts", "Alerts by rule", "Alerts by host and container",
                              "MITRE ATT&CK techniques and rule tags"],
    ]

    func provisionedDatasource() throws -> (type: String, uid: String) {
        let docs = try Deploy.yamlDocuments(file: Deploy.path("compose/grafana/provisioning/datasources/clickhouse.yaml"))
        let source = try XCTUnwrap(docs.first?.array("datasources")?.first as? [String: Any])
        return (try XCTUnwrap(source.string("type")), try XCTUnwrap(source.string("uid")))
    }

    func testEveryDashboardIsValidAndUsesTheProvisionedClickHouse() throws {
        let ds = try provisionedDatasource()
        let dashboards = try GrafanaDashboard.loadAll()
        XCTAssertGreaterThanOrEqual(dashboards.count, 5, dashboards.map(\.file).description)
        var uids: Set<String> = []
        let macros = GrafanaMacros(from: Date(timeIntervalSince1970: 1_700_000_000), to: Date(timeIntervalSince1970: 1_700_003_600),
                                   intervalSeconds: 30)
        for d in dashboards {
            let uid = try XCTUnwrap(d.uid, "\(d.file): no uid")
            XCTAssertFalse(uid.isEmpty, d.file)
            XCTAssertLessThanOrEqual(uid.count, 40, "\(d.file): Grafana uids have at most 40 characters")
            XCTAssertTrue(uids.insert(uid).inserted, "\(d.file): uid \(uid) used twice")
            XCTAssertFalse((d.title ?? "").isEmpty, "\(d.file): no title")
            XCTAssertFalse(d.panels.isEmpty, "\(d.file): no panels")
            var ids: Set<Int> = []
            for p in d.panels {
                let name = "\(d.file) / \(p.title)"
                XCTAssertFalse(p.title.isEmpty, "\(d.file): a panel without title")
                XCTAssertTrue(ids.insert(p.id ?? -1).inserted, "\(name): missing or repeated panel id")
                XCTAssertEqual(p.datasourceType, ds.type, name)
                XCTAssertEqual(p.datasourceUID, ds.uid, name)
                XCTAssertFalse(p.targets.isEmpty, "\(name): no query")
                for t in p.targets {
                    XCTAssertEqual(t.datasourceType, ds.type, name)
                    XCTAssertEqual(t.datasourceUID, ds.uid, name)
                    XCTAssertEqual(t.editorType, "sql", name)
                    XCTAssertEqual(t.queryType, p.type == "timeseries" ? "timeseries" : "table", name)
                    XCTAssertFalse(t.rawSql.isEmpty, "\(name): empty SQL")
                    let expanded = try macros.expand(t.rawSql)
                    XCTAssertFalse(expanded.contains("$"), "\(name): unexpanded variable in \(expanded)")
                    // ClickHouse 18.16 has no toStartOfInterval: $__timeInterval would fail there.
                    XCTAssertFalse(GrafanaMacros.used(in: t.rawSql).contains { $0.hasPrefix("timeInterval") },
                                   "\(name): $__timeInterval needs toStartOfInterval, which ClickHouse 18.16 lacks")
                }
            }
        }
        for (uid, titles) in Self.required {
            let d = try XCTUnwrap(dashboards.first { $0.uid == uid }, "no dashboard \(uid)")
            XCTAssertEqual(Set(d.panels.map(\.title)).intersection(titles).count, titles.count,
                           "\(uid) lacks \(Set(titles).subtracting(d.panels.map(\.title)))")
        }
    }

    /// The expansions the plugin's own macro tests expect (pkg/macros/macros_test.go), for one time range.
    func testMacrosExpandAsThePluginDoes() throws {
        let m = GrafanaMacros(from: Date(timeIntervalSince1970: 1_664_000_000.123), to: Date(timeIntervalSince1970: 1_664_003_600.456),
                              intervalSeconds: 0.5)
        XCTAssertEqual(try m.expand("$__timeFilter(time)"), "time >= toDateTime(1664000000) AND time <= toDateTime(1664003600)")
        XCTAssertEqual(try m.expand("$__timeFilter_ms( t )"),
                       "t >= fromUnixTimestamp64Milli(1664000000123) AND t <= fromUnixTimestamp64Milli(1664003600456)")
        XCTAssertEqual(try m.expand("a >= $__fromTime AND a <= $__toTime"), "a >= toDateTime(1664000000) AND a <= toDateTime(1664003600)")
        XCTAssertEqual(try m.expand("$__fromTime_ms"), "fromUnixTimestamp64Milli(1664000000123)")
        XCTAssertEqual(try m.expand("$__dateFilter(d)"), "d >= toDate('2022-09-24') AND d <= toDate('2022-09-24')")
        XCTAssertEqual(try m.expand("$__dt(d, t)"),
                       "(d >= toDate('2022-09-24') AND d <= toDate('2022-09-24')) AND (t >= toDateTime(1664000000) AND t <= toDateTime(1664003600))")
        XCTAssertEqual(try m.expand("$__timeInterval(time)"), "toStartOfInterval(toDateTime(time), INTERVAL 1 second)")
        XCTAssertEqual(try m.expand("$__interval_s"), "1")
        let wide = GrafanaMacros(from: m.from, to: m.to, intervalSeconds: 60)
        XCTAssertEqual(try wide.expand("intDiv(x, $__interval_s) * $__interval_s"), "intDiv(x, 60) * 60")
        XCTAssertThrowsError(try m.expand("$__timeFilter(a, b)"))
        XCTAssertThrowsError(try m.expand("$__timeFilter_ns(time)"))
        XCTAssertThrowsError(try m.expand("$__conditionalAll(x, $v)"))
    }
}
