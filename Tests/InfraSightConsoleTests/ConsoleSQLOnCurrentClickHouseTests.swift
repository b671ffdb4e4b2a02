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
            "INSERT INTO infrasight.exec_events (event_id, time, time_ns, host, probe, pid, ppid, user, comm, filename, argv, exec_id) VALUES ('e1', now(), toUInt64(toUnixTimestamp(now())) * 1000000000, 'h1', 'execve', 42, 1, 'root', 'echo', '/bin/echo', ['/bin/echo', 'hi'], 'ab-12')",
            "INSERT INTO infrasight.file_events (event_id, time, time_ns, host, probe, pid, ppid, user, comm, syscall, path) VALUES ('f1', now(), toUInt64(toUnixTimestamp(now())) * 1000000000, 'h1', 'open', 42, 1, 'root', 'echo', 'openat', '/etc/ld.so.cache')",
            "INSERT INTO infrasight.pipeline_stats (time, time_ns, stage, instance, host, counter, value) VALUES (now(), 1, 'sink', 'i1', 'h1', 'inserted', 5)",
        ]
        let payload = "' OR 1=1 --\\ <img src=x onerror=alert(1)>"
        let filters: [[(String, String)]] = [[], [("host", "h1"), ("probe", "execve"), ("comm", "echo"), ("path", "/bin")],
                                             EventFilter.names.subtracting(["probe", "since", "limit", "after_ns", "own"]).map { ($0, payload) }]
        var queries: [(String, String, Int?)] = []  // name, SQL, expected row count
        for (i, f) in filters.enumerated() {
            queries.append(("events \(i)", try XCTUnwrap(EventStreamQuery.sql(database: "infrasight", filter: try EventFilter(f))),
                            [2, 1, 0][i]))
            for top in TopQuery.allCases {
                queries.append(("top \(top) \(i)", top.sql(database: "infrasight",
                                                             filter: try EventFilter(f.filter { TopQuery.names.contains($0.0) }, allowed: TopQuery.names)), nil))
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
        let health = try PipelineHealthQuery([("since", "60")])
        queries.append(("health counters", health.countersSQL(database: "infrasight"), 1))
        queries.append(("health summary", health.summarySQL(database: "infrasight"), 1))
        queries.append(("health instances", health.instancesSQL(database: "infrasight"), 1))
        // One minute (or two, across a minute boundary) of each: the exec and the file event, one stats row.
        let overview = try OverviewQuery([("host", "h1")])
        queries.append(("overview rates", overview.ratesSQL(database: "infrasight"), nil))
        queries.append(("overview pipeline", overview.pipelineSQL(database: "infrasight"), 1))
        queries.append(("overview payload", try OverviewQuery([("host", payload)]).ratesSQL(database: "infrasight"), 0))
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
