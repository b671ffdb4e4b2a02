import Foundation
import InfraSightCore
import InfraSightSink
import InfraSightTestSupport
import XCTest

/// An alert from a real syscall to a ClickHouse row: the agent (real BPF) sees `cat /etc/shadow`, enrich and
/// the real `infrasight detect` (built-in rules) raise an alert on `infrasight.alerts`, and the sink stores
/// it in ClickHouse 18.16, linked to the events and the process that raised it.
final class AlertsEndToEndIntegrationTests: XCTestCase {
    func testCatOfEtcShadowIsStoredOnceAsAnAlertOfItsProcess() throws {
        let h = try PipelineHarness()
        defer { h.shutdown() }
        try h.startPipeline(probes: "execve,open")
        try h.start("detect", ["detect", "--alert-log", "off", "--rules-poll", "0"])
        try h.waitForLog("detect", containing: "partitions assigned", timeout: 60)

        let cat = CommandSpawner.run(["/bin/cat", "/etc/shadow"])
        let pid = try XCTUnwrap(cat.pid, "spawn failed: \(cat.error)")
        let mine = "infrasight.alerts_dedup WHERE pid = \(pid) AND comm = 'cat'"
        XCTAssertEqual(h.waitForQuery("SELECT count() > 0 FROM \(mine)", equals: "1", timeout: 90), "1", h.dumpLogs())

        let rows = try h.clickhouse.query("""
            SELECT alert_id, rule, severity, host, exec_id, event_ids, time_ns FROM \(mine) FORMAT JSONEachRow
            """).split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertFalse(rows.isEmpty)
        XCTAssertEqual(Set(rows.compactMap { $0["alert_id"] as? String }).count, rows.count, "one row per alert_id: \(rows)")
        let read = try XCTUnwrap(h.clickhouse.query("""
            SELECT event_id, host, exec_id FROM infrasight.file_events WHERE pid = \(pid) AND path = '/etc/shadow' FORMAT TabSeparated
            """).split(separator: "\n").first, "the read of /etc/shadow is not in file_events").split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        let alert = try XCTUnwrap(rows.first { ($0["event_ids"] as? [String])?.contains(read[0]) == true },
                                  "no alert names the read's event \(read[0]): \(rows)")
        XCTAssertNotNil(AlertSeverity(rawValue: alert["severity"] as? String ?? ""), "\(alert)")
        XCTAssertFalse((alert["rule"] as? String ?? "").isEmpty)
        XCTAssertEqual(alert["host"] as? String, read[1])
        XCTAssertEqual(alert["exec_id"] as? String, read[2], "the alert names the process's execution, as its events do")

        // `query alerts` lists it, and `status` lists the detect stage once its stats have landed.
        let listed = try h.cli(["query", "alerts", "--format", "json", "--host", read[1], "--limit", "1000"])
        XCTAssertTrue(listed.contains(alert["alert_id"] as? String ?? "-"), listed)
        XCTAssertEqual(h.waitForQuery("SELECT count() > 0 FROM infrasight.pipeline_stats WHERE stage = 'detect'", equals: "1", timeout: 30),
                       "1", h.dumpLogs())
        let status = try h.cli(["status"])
        XCTAssertTrue(status.split(separator: "\n").contains { $0.hasPrefix("stages") && $0.contains("detect 1") }, status)
    }
}
