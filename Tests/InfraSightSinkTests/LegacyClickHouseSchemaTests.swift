import InfraSightClickHouse
import InfraSightCore
import InfraSightKafka
@testable import InfraSightSink
import InfraSightTestSupport
import XCTest

/// Schema lifecycle and the sink's encoding against the real ClickHouse 18.16 server.
final class LegacyClickHouseSchemaTests: XCTestCase {
    nonisolated(unsafe) static var server: ClickHouseServer?

    override class func tearDown() {
        server?.stop()
        super.tearDown()
    }

    func client() throws -> ClickHouseClient {
        if Self.server == nil { Self.server = try ClickHouseServer.start() }
        return try ClickHouseClient(endpoint: Self.server!.endpoint)
    }

    /// Every schema version, in order (each later migration must apply after the older ones ran).
    static let versions = SchemaMigrations.all.map(\.version).sorted()

    func testApplyIsIdempotentAndStatusReportsCurrent() throws {
        let manager = SchemaManager(client: try client(), database: "schema_it")
        XCTAssertFalse(try manager.status().isCurrent)
        XCTAssertEqual(try manager.apply(), Self.versions)
        XCTAssertEqual(try manager.apply(), [], "second apply changes nothing")
        let status = try manager.status()
        XCTAssertTrue(status.isCurrent)
        XCTAssertEqual(status.flavor, .legacy)
        XCTAssertEqual(status.appliedVersions, Self.versions)
        for table in ["exec_events", "exec_events_dedup", "file_events", "file_events_dedup", "network_events",
                      "network_events_dedup", "process_events", "process_events_dedup", "pipeline_stats", "schema_migrations",
                      "alerts", "alerts_dedup", "setid_events", "setid_events_dedup",
                      "dup_events", "dup_events_dedup", "socket_events", "socket_events_dedup",
                      "link_events", "link_events_dedup",
                      "bind_events", "bind_events_dedup", "sendto_events", "sendto_events_dedup",
                      "kernel_events", "kernel_events_dedup"] {
            XCTAssertTrue(status.tables.contains(table), "missing \(table): \(status.tables)")
        }
        XCTAssertNoThrow(try manager.requireCurrent())
    }

    /// A server at schema 1 (exec_events without the v2 context columns) migrates forward, keeping its rows.
    func testVersionOneMigratesForwardAddingColumns() throws {
        let c = try client()
        let db = "migrate_it"
        let v2Columns: Set<String> = ["exec_id", "parent_exec_id", "exe", "cwd", "ancestors_pid", "ancestors_comm",
                                      "container_name", "container_image", "pod_name", "pod_namespace", "pod_uid",
                                      "container_label_keys", "container_label_values",   // and v3
                                      "resolved_path", "resolved_lexical", "resolved_truncated"]   // and v5
        let v1 = EventTables.exec.columns.filter { !v2Columns.contains($0.name) }
        try c.execute("CREATE DATABASE \(db)")
        try c.execute("CREATE TABLE \(db).schema_migrations (version UInt32, description String, flavor String, applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY version")
        try c.execute("INSERT INTO \(db).schema_migrations (version, description, flavor) VALUES (1, 'v1', 'legacy')")
        try c.execute("CREATE TABLE \(db).exec_events (\(v1.map { "\($0.name) \($0.legacyType)" }.joined(separator: ", "))) ENGINE = ReplacingMergeTree PARTITION BY toYYYYMMDD(time) ORDER BY (host, time, event_id)")
        try c.execute("INSERT INTO \(db).exec_events (event_id, time, time_ns, host, argv) VALUES ('old-1', now(), 1, 'h', ['a'])")
        try c.execute(EventTables.exec.dedupViewStatement(database: db))
        let manager = SchemaManager(client: c, database: db)
        XCTAssertEqual(try manager.apply(), Self.versions.filter { $0 > 1 })
        let columns = try c.query("SELECT name FROM system.columns WHERE database = '\(db)' AND table = 'exec_events' FORMAT TabSeparated")
            .split(separator: "\n").map(String.init)
        XCTAssertEqual(columns, EventTables.exec.columns.map(\.name) + [], "columns in definition order")
        XCTAssertEqual(try c.query("SELECT event_id, exec_id FROM \(db).exec_events FORMAT TabSeparated"), "old-1\t\n")
        XCTAssertEqual(try c.query("SELECT event_id, exec_id, container_label_keys FROM \(db).exec_events_dedup FORMAT TabSeparated"), "old-1\t\t[]\n",
                       "the dedup view shows the added columns")
        XCTAssertTrue(try manager.status().isCurrent)
        XCTAssertEqual(try c.query("EXISTS TABLE \(db).alerts_dedup FORMAT TabSeparated"), "1\n", "v4 adds the alerts table and its view")
        XCTAssertEqual(try c.query("EXISTS TABLE \(db).setid_events_dedup FORMAT TabSeparated"), "1\n",
                       "v6 adds setid_events and its view (v3, run before it, leaves the later table alone)")
    }

    /// A server at schema 3 (file_events and exec_events without the resolved path) migrates to v5:
    /// the three columns are added after path / filename, old rows read empty, the dedup views show
    /// them, and a new row stores what the event carries.
    func testVersionThreeMigratesForwardAddingTheResolvedPath() throws {
        let c = try client()
        let db = "migrate_v5_it"
        let v5: Set<String> = ["resolved_path", "resolved_lexical", "resolved_truncated"]
        try c.execute("CREATE DATABASE \(db)")
        try c.execute("CREATE TABLE \(db).schema_migrations (version UInt32, description String, flavor String, applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY version")
        for v in [1, 2, 3] { try c.execute("INSERT INTO \(db).schema_migrations (version, description, flavor) VALUES (\(v), 'v\(v)', 'legacy')") }
        for table in [EventTables.file, EventTables.exec] {
            let old = table.columns.filter { !v5.contains($0.name) }
            try c.execute("CREATE TABLE \(db).\(table.name) (\(old.map { "\($0.name) \($0.legacyType)" }.joined(separator: ", "))) ENGINE = ReplacingMergeTree PARTITION BY toYYYYMMDD(time) ORDER BY (host, time, event_id)")
            try c.execute(table.dedupViewStatement(database: db))
        }
        try c.execute("INSERT INTO \(db).file_events (event_id, time, time_ns, host, path) VALUES ('old-1', now(), 1, 'h', 'shadow')")
        let manager = SchemaManager(client: c, database: db)
        XCTAssertEqual(try manager.apply(), Self.versions.filter { $0 > 3 })
        for table in [EventTables.file, EventTables.exec] {
            let columns = try c.query("SELECT name FROM system.columns WHERE database = '\(db)' AND table = '\(table.name)' FORMAT TabSeparated")
                .split(separator: "\n").map(String.init)
            XCTAssertEqual(columns, table.columns.map(\.name), "\(table.name): columns in definition order")
        }
        XCTAssertEqual(try c.query("SELECT event_id, path, resolved_path, resolved_lexical FROM \(db).file_events_dedup FORMAT TabSeparated"),
                       "old-1\tshadow\t\t0\n", "the dedup view shows the added columns")
        var event = SampleEvents.all[0]
        event.probe = "open"
        var open = OpenDetail()
        open.syscall = "openat"; open.path = "shadow"; open.resolvedPath = "/etc/shadow"; open.resolvedTruncated = true
        event.open = open
        var batch = RowBatch(table: EventTables.file)
        batch.append(event, of: EventTables.file, flavor: .legacy, from: KafkaMessageStub.make(offset: 0))
        try c.insert(statement: EventTables.file.insertStatement(database: db), body: batch.writer.bytes)
        XCTAssertEqual(try c.query("SELECT path, resolved_path, resolved_lexical, resolved_truncated FROM \(db).file_events_dedup WHERE event_id = '\(event.eventID)' FORMAT TabSeparated"),
                       "shadow\t/etc/shadow\t0\t1\n")
        XCTAssertTrue(try manager.status().isCurrent)
    }

    /// setid rows on 18.16: -1 (unchanged) stays -1 in the Int64 columns, 64-bit capability masks whole.
    func testSetidRowsRoundTrip() throws {
        let c = try client()
        let db = "setid_it"
        _ = try SchemaManager(client: c, database: db).apply()
        var batch = RowBatch(table: EventTables.setid)
        for (i, e) in [SampleEvents.setid(), SampleEvents.setid(capset: true)].enumerated() {
            batch.append(e, of: EventTables.setid, flavor: .legacy, from: KafkaMessageStub.make(offset: Int64(i)))
        }
        try c.insert(statement: EventTables.setid.insertStatement(database: db), body: batch.writer.bytes)
        XCTAssertEqual(try c.query("SELECT syscall, old_uid, old_euid, new_real, new_effective, new_saved, cap_effective, cap_permitted, old_cap_permitted FROM \(db).setid_events_dedup ORDER BY syscall FORMAT TabSeparated"),
                       "capset\t65534\t0\t-1\t-1\t-1\t2097152\t1099513724928\t1099513724928\nsetresuid\t65534\t0\t-1\t0\t-1\t0\t0\t0\n")
    }

    /// link rows on 18.16: both paths and their resolved forms, negative dirfds, flags and `sensitive`.
    func testLinkRowsRoundTrip() throws {
        let c = try client()
        let db = "link_it"
        _ = try SchemaManager(client: c, database: db).apply()
        var batch = RowBatch(table: EventTables.link)
        for (i, e) in [SampleEvents.link(), SampleEvents.link(symlink: true)].enumerated() {
            batch.append(e, of: EventTables.link, flavor: .legacy, from: KafkaMessageStub.make(offset: Int64(i)))
        }
        try c.insert(statement: EventTables.link.insertStatement(database: db), body: batch.writer.bytes)
        XCTAssertEqual(try c.query("SELECT syscall, path, path_truncated, resolved_path, old_path, old_resolved_path, old_resolved_truncated, dirfd, old_dirfd, flags, sensitive, ret FROM \(db).link_events_dedup ORDER BY syscall FORMAT TabSeparated"),
                       "renameat2\t/var/log/x.1\t1\t/var/log/x.1\tx\t/var/log/x\t0\t-100\t5\t1\t0\t0\nsymlinkat\ts\t0\t/tmp/s\t../etc/shadow\t/etc/shadow\t1\t3\t-100\t0\t1\t-17\n")
    }

    func testRequireCurrentNamesTheFix() throws {
        let manager = SchemaManager(client: try client(), database: "schema_missing")
        XCTAssertThrowsError(try manager.requireCurrent()) { error in
            XCTAssertTrue("\(error)".contains("infrasight schema apply"), "\(error)")
        }
    }

    func testSinkRowsRoundTripAndReplaysCollapse() throws {
        let c = try client()
        try SchemaManager(client: c, database: "rows_it").apply()
        var batch = RowBatch(table: EventTables.exec)
        for (i, e) in SampleEvents.all.enumerated() { batch.append(e, of: EventTables.exec, flavor: .legacy, from: KafkaMessageStub.make(offset: Int64(i))) }
        let stmt = EventTables.exec.insertStatement(database: "rows_it")
        try c.insert(statement: stmt, body: batch.writer.bytes)
        try c.insert(statement: stmt, body: batch.writer.bytes)   // a replay after a lost acknowledgement
        XCTAssertEqual(try c.query("SELECT count() FROM rows_it.exec_events_dedup FORMAT TabSeparated")
            .trimmingCharacters(in: .whitespacesAndNewlines), "3")
        let out = try c.query("SELECT event_id, time_ns, toUInt32(time), argv, ret, errno_name, user, container_label_keys, container_label_values FROM rows_it.exec_events_dedup ORDER BY time_ns FORMAT JSONEachRow")
        let rows = try out.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(rows.count, 3)
        for (row, e) in zip(rows, SampleEvents.all) {
            XCTAssertEqual(row["event_id"] as? String, e.eventID)
            XCTAssertEqual("\(row["time_ns"]!)", "\(e.timeNs)")
            XCTAssertEqual("\(row["toUInt32(time)"]!)", "\(e.timeNs / 1_000_000_000)")
            XCTAssertEqual(row["argv"] as? [String], e.exec.argv)
            XCTAssertEqual("\(row["ret"]!)", "\(e.ret)")
            XCTAssertEqual(row["errno_name"] as? String, e.enriched.errnoName)
            XCTAssertEqual(row["user"] as? String, e.user)
            XCTAssertEqual(row["container_label_keys"] as? [String], e.container.labels.keys.sorted())
            XCTAssertEqual(row["container_label_values"] as? [String], e.container.labels.keys.sorted().map { e.container.labels[$0]! })
        }
    }

    /// Alert rows as the sink writes them, on 18.16: every field back, `time` in seconds, and a replay (the
    /// same alert again, once as it was and once from another detect worker) collapsed by `alerts_dedup`.
    /// Merges are stopped, so the plain table keeps every copy and the view alone collapses them.
    func testAlertRowsRoundTripAndReplaysCollapseInTheDedupView() throws {
        let c = try client()
        let db = "alerts_it"
        try SchemaManager(client: c, database: db).apply()
        try c.execute("SYSTEM STOP MERGES \(db).alerts")
        let alerts = SampleAlerts.three(baseNs: 1_795_000_000_123_456_789)
        var replayed = alerts[1]
        replayed.detectedNs += 5_000_000_000
        replayed.detectedBy = "node-b:999"
        var rows = RowBinaryWriter()
        for a in alerts + [alerts[0], replayed] { AlertsTable.encode(a, flavor: .legacy, into: &rows) }
        try c.insert(statement: AlertsTable.insertStatement(database: db), body: rows.bytes)
        XCTAssertEqual(try c.query("SELECT count() FROM \(db).alerts FORMAT TabSeparated"), "5\n")
        XCTAssertEqual(try c.query("SELECT count(), uniqExact(alert_id) FROM \(db).alerts_dedup FORMAT TabSeparated"), "3\t3\n")
        let out = try c.query("""
            SELECT alert_id, toUInt32(time), time_ns, host, severity, rule, rule_version, tags, pid, exec_id, comm, exe, uid, user,
                   container_id, container_name, pod_name, pod_namespace, probe, message, event_ids, toUInt32(detected_time),
                   detected_ns, detected_by, schema_version
            FROM \(db).alerts_dedup ORDER BY time_ns FORMAT JSONEachRow
            """)
        let stored = try out.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(stored.count, 3, out)
        for (row, a) in zip(stored, alerts) {
            XCTAssertEqual(row["alert_id"] as? String, a.alertID)
            XCTAssertEqual("\(row["toUInt32(time)"]!)", "\(a.timeNs / 1_000_000_000)")
            XCTAssertEqual("\(row["time_ns"]!)", "\(a.timeNs)")
            XCTAssertEqual(row["host"] as? String, a.host)
            XCTAssertEqual(row["severity"] as? String, a.severity)
            XCTAssertEqual(row["rule"] as? String, a.rule)
            XCTAssertEqual("\(row["rule_version"]!)", "\(a.ruleVersion)")
            XCTAssertEqual(row["tags"] as? [String], a.tags)
            XCTAssertEqual("\(row["pid"]!)", "\(a.pid)")
            XCTAssertEqual(row["exec_id"] as? String, a.execID)
            XCTAssertEqual(row["comm"] as? String, a.comm)
            XCTAssertEqual(row["exe"] as? String, a.exe)
            XCTAssertEqual("\(row["uid"]!)", "\(a.uid)")
            XCTAssertEqual(row["user"] as? String, a.user)
            XCTAssertEqual(row["container_id"] as? String, a.containerID)
            XCTAssertEqual(row["container_name"] as? String, a.containerName)
            XCTAssertEqual(row["pod_name"] as? String, a.podName)
            XCTAssertEqual(row["pod_namespace"] as? String, a.podNamespace)
            XCTAssertEqual(row["probe"] as? String, a.probe)
            XCTAssertEqual(row["message"] as? String, a.message)
            XCTAssertEqual(row["event_ids"] as? [String], a.eventIDs)
            XCTAssertEqual("\(row["schema_version"]!)", "\(a.schemaVersion)")
        }
        // ReplacingMergeTree keeps the last row inserted of a key: the replay from the other worker.
        XCTAssertEqual(stored[1]["detected_by"] as? String, "node-b:999")
        XCTAssertEqual("\(stored[1]["detected_ns"]!)", "\(replayed.detectedNs)")
        XCTAssertEqual("\(stored[1]["toUInt32(detected_time)"]!)", "\(replayed.detectedNs / 1_000_000_000)")
    }
}
