import Foundation
import InfraSightCore
import InfraSightKafka
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Every panel of every provisioned Grafana dashboard, its SQL read from the dashboard JSON and its macros
/// expanded as the grafana-clickhouse-datasource plugin does, runs against events really captured by the
/// agent (real BPF) and carried through tansu, enrich and the sink: on ClickHouse 18.16 (legacy schema) and on
/// a current ClickHouse (chDB, modern schema, loaded with the same captured rows). Each panel must return
/// the expected columns and types and the row made by the syscalls this test issues.
final class DashboardPanelIntegrationTests: XCTestCase {
    nonisolated(unsafe) static var harness: PipelineHarness?
    nonisolated(unsafe) static var startupError: Error?
    nonisolated(unsafe) static var activity: Activity?
    nonisolated(unsafe) static var start = Date()
    static let hotFileOpens = 3000

    /// What the test did, to recognise the rows it caused.
    struct Activity {
        var freshBinary = ""
        var catPID: Int32 = 0
        var worldWritable = ""
        var hotFile = ""
        var sensitiveChmod = ""
        var port: UInt16 = 0
        var host = ""
        /// Alerts produced to infrasight.alerts (warning, critical, notice) and stored by the sink, on their own host.
        var alerts: [AlertRecord] = []
    }

    override class func setUp() {
        super.setUp()
        start = Date()
        do {
            let h = try PipelineHarness()
            harness = h
            try h.startPipeline(probes: "execve,open,chmod,connect,accept")
            var a = try makeActivity(h)
            try waitForActivity(h, a)
            a.host = try h.clickhouse.query("SELECT host FROM infrasight.exec_events WHERE filename = '\(a.freshBinary)' LIMIT 1 FORMAT TabSeparated")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            activity = a
        } catch {
            startupError = error
        }
    }

    override class func tearDown() {
        harness?.shutdown()
        super.tearDown()
    }

    func pipeline() throws -> (PipelineHarness, Activity) {
        if let error = Self.startupError { throw TestSupportError("pipeline did not start or capture: \(error)") }
        return (Self.harness!, Self.activity!)
    }

    // MARK: - the syscalls each panel should show

    static func makeActivity(_ h: PipelineHarness) throws -> Activity {
        var a = Activity()
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        // A binary no host has run before.
        let dir = h.workDir.appendingPathComponent("bin-\(tag)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        a.freshBinary = dir.appendingPathComponent("infrasight-fresh-\(tag)").path
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: a.freshBinary)
        guard CommandSpawner.run([a.freshBinary]).pid != nil else { throw TestSupportError("cannot run \(a.freshBinary)") }
        // A secret read.
        guard let cat = CommandSpawner.run(["/bin/cat", "/etc/shadow"]).pid else { throw TestSupportError("cannot run cat") }
        a.catPID = cat
        // A file opened more often than any other, to top "Top files".
        a.hotFile = h.workDir.appendingPathComponent("hot-file-\(tag)").path
        guard FileManager.default.createFile(atPath: a.hotFile, contents: Data()) else { throw TestSupportError("cannot create \(a.hotFile)") }
        for _ in 0..<Self.hotFileOpens {
            let fd = open(a.hotFile, O_RDONLY)
            guard fd >= 0 else { throw TestSupportError("open \(a.hotFile): errno \(errno)") }
            close(fd)
        }
        // chmod to world-writable, and a chmod attempt on a sensitive path (/etc/sudoers.d/ is on the default
        // list; the file does not exist, so nothing on the host changes and the attempt fails with ENOENT).
        a.worldWritable = h.workDir.appendingPathComponent("world-writable-\(tag)").path
        guard FileManager.default.createFile(atPath: a.worldWritable, contents: Data()) else { throw TestSupportError("cannot create \(a.worldWritable)") }
        guard CommandSpawner.run(["/bin/chmod", "0777", a.worldWritable]).pid != nil else { throw TestSupportError("cannot run chmod") }
        a.sensitiveChmod = "/etc/sudoers.d/infrasight-dash-\(tag)"
        let rc = ProbeSyscalls.withPath(a.sensitiveChmod) { ProbeSyscalls.call(ProbeSyscalls.chmod, $0, 0o600) }
        guard rc == -Int(ENOENT) else { throw TestSupportError("chmod \(a.sensitiveChmod) returned \(rc), expected -ENOENT") }
        // A TCP connection from bash to a listener of this process, then accepted here.
        let (listener, port) = ProbeSockets.bound(family: AF_INET, type: Int32(SOCK_STREAM.rawValue))
        defer { close(listener) }
        a.port = port
        guard CommandSpawner.run(["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"]).pid != nil else {
            throw TestSupportError("cannot run bash")
        }
        let accepted = accept(listener, nil, nil)
        guard accepted >= 0 else { throw TestSupportError("accept failed: errno \(errno)") }
        close(accepted)
        // A program run by an unusual user (nobody).
        guard CommandSpawner.run(["/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "/usr/bin/id"]).pid != nil else {
            throw TestSupportError("cannot run setpriv")
        }
        // A poison message: enrich dead-letters it (DLQ counters).
        let producer = try KafkaProducer(config: KafkaClientConfig(brokers: h.broker.bootstrap, clientId: "it-dashboards")) { _ in }
        try producer.send(topic: Probe.execve.rawTopic, key: Array("it/1".utf8), value: Array("not protobuf \(tag)".utf8) + [0xff, 0xfe], token: 1)
        // Alerts as infrasight detect publishes them, stored by the sink; timed from now on, so they are all
        // after `start` (the chDB copy takes rows from then on).
        a.alerts = SampleAlerts.three(baseNs: WallClock.nowNanos(), host: "dash-node-\(tag)")
        for (i, alert) in a.alerts.enumerated() {
            try producer.send(topic: TopicNames.alerts, key: alert.key, value: alert.encoded(), token: UInt64(2 + i))
        }
        _ = producer.flush(timeoutMs: 30_000)
        producer.close()
        return a
    }

    /// Waits until every captured event of the activity and the stats that follow it are stored.
    static func waitForActivity(_ h: PipelineHarness, _ a: Activity) throws {
        let checks = [
            "exec_events WHERE filename = '\(a.freshBinary)'",
            "exec_events WHERE uid = 65534 AND filename = '/usr/bin/id'",
            "file_events WHERE probe = 'open' AND path = '/etc/shadow' AND pid = \(a.catPID)",
            "file_events WHERE probe = 'chmod' AND path = '\(a.worldWritable)'",
            "file_events WHERE probe = 'chmod' AND path = '\(a.sensitiveChmod)'",
            "network_events WHERE probe = 'connect' AND remote_port = \(a.port)",
            "network_events WHERE probe = 'accept' AND local_port = \(a.port)",
            "pipeline_stats WHERE stage = 'enrich' AND counter = 'dead_lettered' AND value >= 1",
        ]
        for check in checks {
            let sql = "SELECT count() > 0 FROM infrasight.\(check)"
            guard h.waitForQuery(sql, equals: "1", timeout: 90) == "1" else {
                throw TestSupportError("never stored: \(check)\n\(h.dumpLogs())")
            }
        }
        let alerts = "SELECT count() FROM infrasight.alerts_dedup WHERE host = '\(a.alerts[0].host)'"
        guard h.waitForQuery(alerts, equals: String(a.alerts.count), timeout: 60) == String(a.alerts.count) else {
            throw TestSupportError("the alerts were not all stored\n\(h.dumpLogs())")
        }
        let hot = "SELECT count() >= \(hotFileOpens) FROM infrasight.file_events WHERE probe = 'open' AND path = '\(a.hotFile)'"
        guard h.waitForQuery(hot, equals: "1", timeout: 90) == "1" else {
            throw TestSupportError("fewer than \(hotFileOpens) opens of \(a.hotFile) stored\n\(h.dumpLogs())")
        }
        // A few more stats records of every stage after the activity, so rates span it.
        let after = WallClock.nowNanos()
        for stage in ["agent", "enrich", "sink"] {
            let sql = "SELECT uniq(time_ns) >= 2 FROM infrasight.pipeline_stats WHERE stage = '\(stage)' AND time_ns > \(after)"
            guard h.waitForQuery(sql, equals: "1", timeout: 60) == "1" else {
                throw TestSupportError("no new stats records of \(stage)\n\(h.dumpLogs())")
            }
        }
    }

    // MARK: - expectations per panel

    enum Kind { case time, text, integer, number }
    enum Cell { case equals(String), positive, atLeast(Double), contains(String) }
    struct Expectation {
        var columns: [(String, Kind)]
        var rows: [[String: Cell]]
    }

    func expectations(_ a: Activity) -> [String: Expectation] {
        [
            "infrasight-overview/exec events per minute": Expectation(
                columns: [("t", .time), ("count()", .integer)], rows: [["count()": .positive]]),
            "infrasight-security-audit/Binaries executed for the first time per host": Expectation(
                columns: [("host", .text), ("filename", .text), ("first_seen", .time), ("executions", .integer), ("users", .text), ("sample_comm", .text)],
                rows: [["host": .equals(a.host), "filename": .equals(a.freshBinary), "executions": .equals("1"), "users": .equals("root")]]),
            "infrasight-security-audit/Sensitive file access": Expectation(
                columns: [("time", .time), ("host", .text), ("user", .text), ("uid", .integer), ("comm", .text), ("pid", .integer),
                          ("syscall", .text), ("path", .text), ("flags_text", .text), ("ret", .integer), ("errno_name", .text), ("container", .text)],
                rows: [["path": .equals("/etc/shadow"), "comm": .equals("cat"), "pid": .equals(String(a.catPID)), "user": .equals("root"), "uid": .equals("0")]]),
            "infrasight-security-audit/chmod on sensitive paths or to world-writable modes": Expectation(
                columns: [("time", .time), ("host", .text), ("user", .text), ("comm", .text), ("pid", .integer), ("syscall", .text), ("path", .text),
                          ("mode_text", .text), ("ret", .integer), ("errno_name", .text), ("reason", .text), ("container", .text)],
                rows: [["path": .equals(a.worldWritable), "comm": .equals("chmod"), "reason": .equals("world-writable"), "ret": .equals("0")],
                       ["path": .equals(a.sensitiveChmod), "reason": .equals("sensitive path"), "errno_name": .equals("ENOENT")]]),
            "infrasight-security-audit/Outbound connections by process and container": Expectation(
                columns: [("host", .text), ("container", .text), ("comm", .text), ("remote_ip", .text), ("remote_port", .integer), ("service", .text),
                          ("connections", .integer), ("failures", .integer), ("last_seen", .time)],
                rows: [["comm": .equals("bash"), "remote_ip": .equals("127.0.0.1"), "remote_port": .equals(String(a.port)),
                        "connections": .positive, "failures": .equals("0")]]),
            "infrasight-security-audit/New listening services (accept side)": Expectation(
                columns: [("host", .text), ("container", .text), ("comm", .text), ("local_ip", .text), ("local_port", .integer), ("service", .text),
                          ("first_seen", .time), ("accepted", .integer), ("clients", .integer)],
                rows: [["local_ip": .equals("127.0.0.1"), "local_port": .equals(String(a.port)), "accepted": .equals("1"), "clients": .equals("1")]]),
            "infrasight-security-audit/Processes run by unusual users": Expectation(
                columns: [("host", .text), ("user", .text), ("uid", .integer), ("comm", .text), ("filename", .text), ("executions", .integer),
                          ("first_seen", .time), ("last_seen", .time)],
                rows: [["user": .equals("nobody"), "uid": .equals("65534"), "comm": .equals("id"), "filename": .equals("/usr/bin/id"), "executions": .positive]]),
            "infrasight-performance/Syscall latency by comm": Expectation(
                columns: [("comm", .text), ("calls", .integer), ("avg_ms", .number), ("p99_ms", .number), ("max_ms", .number)],
                rows: [["comm": .equals("cat"), "calls": .positive], ["comm": .equals("chmod"), "calls": .positive]]),
            "infrasight-performance/p99 syscall latency by probe": Expectation(
                columns: [("t", .time), ("probe", .text), ("p99_ms", .number)],
                rows: ["execve", "open", "chmod", "connect", "accept"].map { ["probe": .equals($0)] }),
            "infrasight-performance/Top files": Expectation(
                columns: [("path", .text), ("accesses", .integer), ("failures", .integer), ("processes", .integer), ("comms", .text)],
                rows: [["path": .equals(a.hotFile), "accesses": .atLeast(Double(Self.hotFileOpens)), "failures": .equals("0"),
                        "processes": .equals("1")]]),
            "infrasight-performance/Top talkers by container and pod": Expectation(
                columns: [("host", .text), ("container", .text), ("pod_namespace", .text), ("pod_name", .text), ("connections", .integer),
                          ("outbound", .integer), ("inbound", .integer), ("failures", .integer), ("peers", .integer), ("sample_peers", .text)],
                rows: [["host": .equals(a.host), "outbound": .positive, "inbound": .positive, "sample_peers": .contains("127.0.0.1")]]),
            "infrasight-alerts/Alerts by severity": Expectation(
                columns: [("t", .time), ("severity", .text), ("alerts", .integer)],
                rows: ["warning", "critical", "notice"].map { ["severity": .equals($0), "alerts": .positive] }),
            "infrasight-alerts/Newest alerts": Expectation(
                columns: [("time", .time), ("severity", .text), ("rule", .text), ("host", .text), ("pid", .integer), ("comm", .text),
                          ("user", .text), ("container", .text), ("pod", .text), ("message", .text), ("rule_tags", .text),
                          ("exec_id", .text), ("alert_id", .text)],
                rows: a.alerts.map { alert in
                    ["alert_id": .equals(alert.alertID), "severity": .equals(alert.severity), "rule": .equals(alert.rule),
                     "host": .equals(alert.host), "pid": .equals(String(alert.pid)), "container": .equals(alert.containerName),
                     "pod": .equals("\(alert.podNamespace)/\(alert.podName)"), "message": .equals(alert.message),
                     "rule_tags": .equals(alert.tags.joined(separator: " ")), "exec_id": .equals(alert.execID)]
                }),
            "infrasight-alerts/Alerts by rule": Expectation(
                columns: [("rule", .text), ("worst_severity", .text), ("alerts", .integer), ("hosts", .integer),
                          ("first_seen", .time), ("last_seen", .time)],
                rows: a.alerts.map { ["rule": .equals($0.rule), "worst_severity": .equals($0.severity), "alerts": .atLeast(1)] }),
            "infrasight-alerts/Alerts by host and container": Expectation(
                columns: [("host", .text), ("container", .text), ("alerts", .integer), ("critical_or_worse", .integer),
                          ("rules", .integer), ("last_seen", .time)],
                rows: [["host": .equals(a.alerts[0].host), "container": .equals("web-1"), "alerts": .equals("3"),
                        "critical_or_worse": .equals("1"), "rules": .equals("3")]]),
            "infrasight-alerts/MITRE ATT&CK techniques and rule tags": Expectation(
                columns: [("tag", .text), ("alerts", .integer), ("rules", .integer), ("hosts", .integer)],
                rows: [["tag": .equals("T1003.008"), "alerts": .atLeast(1)], ["tag": .equals("T1071"), "alerts": .atLeast(1)]]),
            "infrasight-pipeline-health/Events per second by stage": Expectation(
                columns: [("t", .time), ("series", .text), ("events_per_second", .number)],
                rows: ["agent received", "agent produced", "enrich received", "enrich produced", "sink received", "sink inserted"]
                    .map { ["series": .equals($0), "events_per_second": .positive] }
                    + [["series": .equals("enrich dead_lettered"), "events_per_second": .positive]]),
            "infrasight-pipeline-health/Consumer lag by stage": Expectation(
                columns: [("t", .time), ("stage", .text), ("consumer_lag", .integer)],
                rows: [["stage": .equals("enrich")], ["stage": .equals("sink")]]),
            "infrasight-pipeline-health/Loss, drops and dead letters": Expectation(
                columns: [("stage", .text), ("counter", .text), ("in_range", .integer), ("total", .integer)],
                rows: [["stage": .equals("enrich"), "counter": .equals("dead_lettered"), "total": .atLeast(1)],
                       ["stage": .equals("enrich"), "counter": .equals("dead_lettered{malformed}"), "total": .atLeast(1)],
                       ["stage": .equals("agent"), "counter": .equals("lost{ringbuf_reserve}")],
                       ["stage": .equals("agent"), "counter": .equals("throttled{open}")]]),
        ]
    }

    // MARK: - running the panels

    /// A query result: column names, ClickHouse types, and every cell as text.
    struct Result {
        var names: [String]
        var types: [String]
        var rows: [[String]]

        init(json text: String) throws {
            guard let o = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let meta = o["meta"] as? [[String: Any]], let data = o["data"] as? [[Any]] else {
                throw TestSupportError("not a JSONCompact result: \(text.prefix(500))")
            }
            names = meta.map { $0["name"] as? String ?? "" }
            types = meta.map { $0["type"] as? String ?? "" }
            rows = data.map { $0.map { v in (v as? String) ?? (v as? NSNumber)?.stringValue ?? "\(v)" } }
        }
    }

    func panels() throws -> [(key: String, sql: String)] {
        try GrafanaDashboard.loadAll().flatMap { d in
            d.panels.flatMap { p in p.targets.map { (key: "\(d.uid ?? d.file)/\(p.title)", sql: $0.rawSql) } }
        }
    }

    var macros: GrafanaMacros {
        GrafanaMacros(from: Self.start.addingTimeInterval(-600), to: Date().addingTimeInterval(300), intervalSeconds: 10)
    }

    func check(_ result: Result, _ e: Expectation, _ label: String, _ sql: String) {
        XCTAssertEqual(result.names, e.columns.map(\.0), "\(label): columns\n\(sql)")
        for (i, (name, kind)) in e.columns.enumerated() where i < result.types.count {
            let type = result.types[i]
            let ok: Bool
            switch kind {
            case .time: ok = type.hasPrefix("DateTime")
            case .text: ok = type == "String" || type == "LowCardinality(String)"
            case .integer: ok = type.range(of: #"^U?Int(8|16|32|64)$"#, options: .regularExpression) != nil
            case .number: ok = type.range(of: #"^(U?Int(8|16|32|64)|Float(32|64))$"#, options: .regularExpression) != nil
            }
            XCTAssertTrue(ok, "\(label): column \(name) has type \(type), expected \(kind)")
        }
        for wanted in e.rows {
            let match = result.rows.contains { row in
                wanted.allSatisfy { column, cell in
                    guard let i = result.names.firstIndex(of: column), i < row.count else { return false }
                    let v = row[i]
                    switch cell {
                    case .equals(let s): return v == s
                    case .contains(let s): return v.contains(s)
                    case .positive: return (Double(v) ?? 0) > 0
                    case .atLeast(let n): return (Double(v) ?? -.infinity) >= n
                    }
                }
            }
            XCTAssertTrue(match, "\(label): no row with \(wanted) among \(result.rows.count) rows:\n\(result.rows.prefix(40).map { $0.joined(separator: " | ") }.joined(separator: "\n"))\n\(sql)")
        }
    }

    func testEveryPanelHasAnExpectation() throws {
        let (_, a) = try pipeline()
        let known = expectations(a)
        let keys = try panels().map(\.key)
        XCTAssertEqual(Set(keys), Set(known.keys), "panels without expectation / expectations without panel")
    }

    func testEveryPanelOnClickHouse18() throws {
        let (h, a) = try pipeline()
        let known = expectations(a)
        for (key, raw) in try panels() {
            let sql = try macros.expand(raw)
            let e = try XCTUnwrap(known[key], "no expectation for \(key)")
            let text: String
            do {
                text = try h.clickhouse.query(sql + "\nFORMAT JSONCompact")
            } catch {
                XCTFail("\(key) on ClickHouse 18.16: \(error)\n\(sql)")
                continue
            }
            check(try Result(json: text), e, "\(key) on ClickHouse 18.16", sql)
        }
    }

    func testEveryPanelOnCurrentClickHouse() throws {
        let (h, a) = try pipeline()
        let known = expectations(a)
        let load = try currentClickHouseLoad(h, a)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("infrasight-dash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        let list = try panels()
        var statements = load.statements
        for (i, panel) in list.enumerated() {
            statements.append(try macros.expand(panel.sql) + "\nINTO OUTFILE '\(out.path)/panel-\(i).json' FORMAT JSONCompact")
        }
        statements.append("SELECT 1")
        _ = try ChDB.run(statements: statements, files: load.files)
        for (i, panel) in list.enumerated() {
            let e = try XCTUnwrap(known[panel.key])
            let text = try String(contentsOfFile: "\(out.path)/panel-\(i).json", encoding: .utf8)
            check(try Result(json: text), e, "\(panel.key) on chDB", try macros.expand(panel.sql))
        }
    }

    /// The modern schema (from `infrasight schema ddl --flavor modern`) and the captured rows of ClickHouse
    /// 18.16 for chDB: every pipeline_stats row, the rows this test caused, and the newest others.
    /// `time` is rebuilt from `time_ns` (DateTime64(9) in the modern schema); `ingested_at` takes its default.
    func currentClickHouseLoad(_ h: PipelineHarness, _ a: Activity) throws -> (statements: [String], files: [String: [UInt8]]) {
        let ddlText = try h.cli(["schema", "ddl", "--flavor", "modern"])
        let ddl = ddlText.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n")
            .components(separatedBy: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { $0.hasPrefix("CREATE") || $0.hasPrefix("ALTER") }
        XCTAssertFalse(ddl.isEmpty, "no DDL from `infrasight schema ddl --flavor modern`:\n\(ddlText.prefix(500))")
        let mine: [String: String] = [
            "exec_events": "filename = '\(a.freshBinary)' OR uid = 65534 OR comm IN ('cat', 'chmod', 'bash')",
            "file_events": "path IN ('/etc/shadow', '\(a.worldWritable)', '\(a.sensitiveChmod)', '\(a.hotFile)') OR comm IN ('cat', 'chmod')",
            "network_events": "remote_port = \(a.port) OR local_port = \(a.port)",
            "process_events": "0",
            "pipeline_stats": "1",
            "alerts": "1",
        ]
        var statements = ["CREATE DATABASE IF NOT EXISTS infrasight"] + ddl
        var files: [String: [UInt8]] = [:]
        let since = UInt64(Self.start.timeIntervalSince1970) * 1_000_000_000
        for (table, condition) in mine.sorted(by: { $0.key < $1.key }) {
            let base = "SELECT * FROM infrasight.\(table) WHERE time_ns >= \(since)"
            var text = try h.clickhouse.query("\(base) AND (\(condition)) FORMAT JSONEachRow")
            if table != "pipeline_stats" {
                text += try h.clickhouse.query("\(base) AND NOT (\(condition)) ORDER BY time_ns DESC LIMIT 3000 FORMAT JSONEachRow")
            }
            let lines = try text.split(separator: "\n").map { try Self.modernRow(String($0), nanos: table != "pipeline_stats") }
            // process_events stays empty: the exit, ptrace and mount probes are not attached here.
            if table != "process_events" { XCTAssertFalse(lines.isEmpty, "no \(table) rows to copy") }
            files[table] = Array(lines.joined(separator: "\n").utf8)
            statements.append("INSERT INTO infrasight.\(table) FROM INFILE '{file:\(table)}' FORMAT JSONEachRow")
        }
        return (statements, files)
    }

    /// One JSONEachRow line of 18.16 with `time` rebuilt from `time_ns` in UTC (with nanoseconds for the event
    /// and alert tables' DateTime64(9)), the alerts' `detected_time` likewise from `detected_ns`, and
    /// `ingested_at` removed.
    static func modernRow(_ line: String, nanos: Bool) throws -> String {
        var out = try rebuilt(line, time: "time", from: "time_ns", nanos: nanos)
        if line.contains("\"detected_ns\":") { out = try rebuilt(out, time: "detected_time", from: "detected_ns", nanos: nanos) }
        out = out.replacingOccurrences(of: #",?"ingested_at":"[^"]*""#, with: "", options: .regularExpression)
        return out
    }

    /// `line` with the value of column `time` replaced by the UTC time of its nanoseconds column `from`.
    static func rebuilt(_ line: String, time: String, from: String, nanos: Bool) throws -> String {
        guard let m = line.range(of: "\"\(from)\":\"?([0-9]+)\"?", options: .regularExpression) else {
            throw TestSupportError("no \(from) in \(line.prefix(200))")
        }
        let digits = line[m].dropFirst(from.count + 3).filter(\.isNumber)
        guard let ns = UInt64(String(digits)) else { throw TestSupportError("bad \(from) in \(line.prefix(200))") }
        var tm = tm()
        var seconds = time_t(ns / 1_000_000_000)
        gmtime_r(&seconds, &tm)
        var text = String(format: "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                          tm.tm_hour, tm.tm_min, tm.tm_sec)
        if nanos { text += String(format: ".%09llu", ns % 1_000_000_000) }
        return line.replacingOccurrences(of: "\"\(time)\":\"[^\"]*\"", with: "\"\(time)\":\"\(text)\"", options: .regularExpression)
    }
}
