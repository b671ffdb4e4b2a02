import InfraSightCore
import InfraSightConsole
import InfraSightSink
import InfraSightTestSupport
import XCTest

/// Every query the console builds runs on a current ClickHouse (chDB 26, modern schema) with a few
/// rows in it, payloads included; ClickHouse 18.16 runs them in ConsoleIntegrationTests.
final class ConsoleSQLOnCurrentClickHouseTests: XCTestCase {
    func testEveryConsoleQueryRunsOnCurrentClickHouse() throws {
        let ddl = ["CREATE DATABASE IF NOT EXISTS infrasight"] +
            SchemaMigrations.all.flatMap { $0.statements("infrasight", .modern, 30) }
        let rows = [
            "INSERT INTO infrasight.exec_events (event_id, time, time_ns, host, probe, pid, ppid, user, comm, filename, resolved_path, argv, exec_id, ancestors_comm) VALUES ('e1', now(), toUInt64(toUnixTimestamp(now())) * 1000000000, 'h1', 'execve', 42, 1, 'root', 'echo', '/bin/echo', '/usr/bin/echo', ['/bin/echo', 'hi'], 'ab-12', ['bash', 'init'])",
            "INSERT INTO infrasight.file_events (event_id, time, time_ns, host, probe, pid, ppid, user, comm, syscall, path) VALUES ('f1', now(), toUInt64(toUnixTimestamp(now())) * 1000000000, 'h1', 'open', 42, 1, 'root', 'echo', 'openat', '/etc/ld.so.cache')",
            "INSERT INTO infrasight.pipeline_stats (time, time_ns, stage, instance, host, counter, value) VALUES (now(), 1, 'sink', 'i1', 'h1', 'inserted', 5)",
            // Two alerts, the first replayed by another detect worker (alerts_dedup shows it once).
            """
            INSERT INTO infrasight.alerts (alert_id, time, time_ns, host, severity, rule, tags, pid, exec_id, comm, container_name, pod_name, pod_namespace, message, event_ids, detected_by)
            VALUES ('a1', now(), toUInt64(toUnixTimestamp(now())) * 1000000000, 'h1', 'critical', 'r1', ['T1003.008'], 42, 'ab-12', 'echo', 'web', 'web-1', 'shop', 'm1', ['e1'], 'w1'),
                   ('a2', now() - 60, (toUInt64(toUnixTimestamp(now())) - 60) * 1000000000, 'h1', 'notice', 'r2', [], 43, '', 'cat', '', '', '', 'm2', ['f1'], 'w1'),
                   ('a1', now(), toUInt64(toUnixTimestamp(now())) * 1000000000, 'h1', 'critical', 'r1', ['T1003.008'], 42, 'ab-12', 'echo', 'web', 'web-1', 'shop', 'm1', ['e1'], 'w2')
            """,
        ]
        let payload = "' OR 1=1 --\\ <img src=x onerror=alert(1)>"
        let filters: [[(String, String)]] = [[], [("host", "h1"), ("probe", "execve"), ("comm", "echo"), ("path", "/bin")],
                                             EventFilter.names.subtracting(["probe", "since", "limit", "after_ns", "own"]).map { ($0, payload) }]
        var queries: [(String, String, Int?)] = []  // name, SQL, expected row count
        for (i, f) in filters.enumerated() {
            queries.append(("events \(i)", try XCTUnwrap(EventStreamQuery.sql(database: "infrasight", filter: try EventFilter(f))),
                            [2, 1, 0][i]))
            for top in TopQuery.allCases {
                // Binaries: the one exec (/bin/echo) unfiltered and for h1 + echo, none for the payloads.
                queries.append(("top \(top) \(i)", top.sql(database: "infrasight",
                                                             filter: try EventFilter(f.filter { TopQuery.names.contains($0.0) }, allowed: TopQuery.names)),
                                top == .binaries ? [1, 1, 0][i] : nil))
            }
        }
        // Filtered to one probe, the stream selects that probe's own columns instead of `detail`.
        for probe in Probe.allCases {
            queries.append(("events of \(probe.rawValue)", try XCTUnwrap(EventStreamQuery.sql(database: "infrasight", filter: try EventFilter([("probe", probe.rawValue)]))),
                            [.execve, .open].contains(probe) ? 1 : 0))
        }
        // The asking browser's tree (pid 42 on h1: both events) is left out, unless own=1; another pid or host keeps them.
        for (name, host, pid, own, expected) in [("browser tree", "h1", UInt32(42), false, 0), ("browser tree, own=1", "h1", 42, true, 2),
                                                 ("other pid", "h1", 43, false, 2), ("other host", "h2", 42, false, 2)] {
            var filter = try EventFilter(own ? [("own", "1")] : [])
            filter.excludedTree = EventFilter.ProcessTree(host: host, pid: pid)
            queries.append(("events without the \(name)", try XCTUnwrap(EventStreamQuery.sql(database: "infrasight", filter: filter)), expected))
        }
        queries.append(("events after 0", try XCTUnwrap(EventStreamQuery.sql(database: "infrasight", filter: try EventFilter([("after_ns", "0")]))), 2))
        queries.append(("events after the future", try XCTUnwrap(EventStreamQuery.sql(
            database: "infrasight", filter: try EventFilter([("after_ns", "18000000000000000000")]))), 0))
        // The file row has no exec_id: by exec_id one event, by host + pid both.
        for (key, events) in [(ProcessQuery(key: .execID("ab-12")), 1), (ProcessQuery(key: .hostPID(host: "h1", pid: 42)), 2)] {
            queries.append(("process", key.processSQL(database: "infrasight"), 1))
            queries.append(("process events", key.eventsSQL(database: "infrasight"), events))
            queries.append(("parent", key.parentSQL(database: "infrasight", host: "h1", pid: 42, beforeNs: UInt64.max), 1))
            // pid 42's two events both have ppid 1: one child, by its exec event.
            queries.append(("children", key.childrenSQL(database: "infrasight", host: "h1", pid: 1, sinceNs: 0), 1))
            queries.append(("no children", key.childrenSQL(database: "infrasight", host: "h1", pid: 42, sinceNs: 0), 0))
        }
        // Alerts: one row per alert_id, newest first; severity means this or more severe.
        for (name, pairs, expected) in [("alerts", [], 2), ("alerts critical", [("severity", "critical")], 1),
                                        ("alerts emergency", [("severity", "emergency")], 0), ("alerts notice", [("severity", "notice")], 2),
                                        ("alerts r2", [("rule", "r2")], 1), ("alerts container", [("container", "web")], 1),
                                        ("alerts pod", [("container", "web-1")], 1), ("alerts host", [("host", "h2")], 0),
                                        ("alerts payload", [("host", payload), ("rule", payload), ("container", payload)], 0),
                                        ("alerts limit", [("limit", "1")], 1)] as [(String, [(String, String)], Int)] {
            queries.append((name, try AlertsQuery(pairs).sql(database: "infrasight"), expected))
        }
        queries.append(("overview alerts", try OverviewQuery([("host", "h1")]).alerts.sql(database: "infrasight"), 2))
        let newest = try ChDB.run(statements: ddl + rows + [try AlertsQuery([]).sql(database: "infrasight") + "\nFORMAT TabSeparatedWithNames"])
        let table = ConsoleTable(tabSeparatedWithNames: newest, columns: [])
        XCTAssertEqual(table.columns, AlertsQuery.columns, newest)
        XCTAssertEqual(table.column("alert_id"), ["a1", "a2"], "newest first:\n\(newest)")
        XCTAssertEqual(table.column("pod"), ["shop/web-1", ""], newest)
        XCTAssertEqual(table.column("rule_tags"), ["T1003.008", ""], newest)
        let health = try PipelineHealthQuery([("since", "60")])
        queries.append(("health counters", health.countersSQL(database: "infrasight"), 1))
        queries.append(("health summary", health.summarySQL(database: "infrasight"), 1))
        queries.append(("health instances", health.instancesSQL(database: "infrasight"), 1))
        // One minute (or two, across a minute boundary) of each: the exec and the file event, one stats row.
        let overview = try OverviewQuery([("host", "h1")])
        queries.append(("overview rates", overview.ratesSQL(database: "infrasight"), nil))
        queries.append(("overview pipeline", overview.pipelineSQL(database: "infrasight"), 1))
        queries.append(("overview payload", try OverviewQuery([("host", payload)]).ratesSQL(database: "infrasight"), 0))
        // The overview's tops: no connection, one file, one binary on h1; nothing for the payload host.
        for (top, expected) in zip(OverviewQuery.tops, [0, 1, 1]) {
            queries.append(("overview top \(top)", overview.topSQL(top, database: "infrasight"), expected))
            queries.append(("overview top \(top) payload", try OverviewQuery([("host", payload)]).topSQL(top, database: "infrasight"), 0))
        }
        let binaries = try ChDB.run(statements: ddl + rows + [TopQuery.binaries.sql(database: "infrasight", filter: EventFilter()) + "\nFORMAT TabSeparatedWithNames"])
        XCTAssertEqual(binaries.split(separator: "\n"), [Substring(TopQuery.binaries.columns.joined(separator: "\t")),
                                                        "/usr/bin/echo\t1\t0\t1\t1\t1\tbash\t/bin/echo hi"], "the binary as resolved:\n" + binaries)
        // An instance whose newest record is 10 minutes old (its records 5 s apart) is stale; a fresh one is not.
        let stale = try ChDB.run(statements: ddl + rows + [
            "INSERT INTO infrasight.pipeline_stats (time, time_ns, stage, instance, host, counter, value) VALUES (now() - 605, 1, 'enrich', 'old', 'h1', 'received', 1), (now() - 600, 5000000001, 'enrich', 'old', 'h1', 'received', 3)",
            "SELECT stage, instance, stale, interval_s FROM (\(health.instancesSQL(database: "infrasight"))) FORMAT TabSeparated",
        ])
        XCTAssertEqual(stale.split(separator: "\n"), ["enrich\told\t1\t5", "sink\ti1\t0\t10"], stale)
        for (name, sql, expected) in queries {
            let out: String
            do {
                out = try ChDB.run(statements: ddl + rows + [sql + "\nFORMAT TabSeparated"])
            } catch {
                XCTFail("\(name): \(error)\n\(sql)")
                continue
            }
            if let expected {
                XCTAssertEqual(out.split(separator: "\n").count, expected, "\(name):\n\(out)\n\(sql)")
            }
        }
    }
}
