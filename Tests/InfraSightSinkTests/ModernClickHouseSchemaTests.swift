import InfraSightClickHouse
import InfraSightKafka
import InfraSightCore
@testable import InfraSightSink
import InfraSightTestSupport
import XCTest

/// The modern DDL and the exact RowBinary bytes the sink POSTs, run against a current ClickHouse
/// (26.x, in process through chDB).
final class ModernClickHouseSchemaTests: XCTestCase {
    func ddl() -> [String] {
        ["CREATE DATABASE IF NOT EXISTS infrasight"] +
            SchemaMigrations.all.flatMap { $0.statements("infrasight", .modern, 30) }
    }

    func body(_ events: [Event]) -> [UInt8] {
        var batch = RowBatch(table: EventTables.exec)
        for (i, e) in events.enumerated() {
            batch.append(e, of: EventTables.exec, flavor: .modern, from: KafkaMessageStub.make(offset: Int64(i)))
        }
        return batch.writer.bytes
    }

    var insert: String {
        let table = EventTables.exec
        return "INSERT INTO infrasight.exec_events (\(table.columns.map(\.name).joined(separator: ", "))) FROM INFILE '{file:rows}' FORMAT RowBinary"
    }

    func testModernDDLAndSinkBytesRoundTripOnCurrentClickHouse() throws {
        let out = try ChDB.run(statements: ddl() + [insert, """
            SELECT event_id, toString(time), time_ns, host, pid, tid, ppid, uid, user, gid, comm, filename, argv, argv_truncated,
                   ret, errno_name, latency_ns, latency_ms, container_id, container_runtime, cgroup_id, schema_version,
                   container_label_keys, container_label_values, toTypeName(time), toTypeName(host)
            FROM infrasight.exec_events ORDER BY time FORMAT JSONEachRow
            """], files: ["rows": body(SampleEvents.all)])
        let rows = try out.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(rows.count, SampleEvents.all.count, out)
        for (row, e) in zip(rows, SampleEvents.all) {
            XCTAssertEqual(row["event_id"] as? String, e.eventID)
            XCTAssertEqual("\(row["time_ns"]!)", "\(e.timeNs)")
            let seconds = e.timeNs / 1_000_000_000, nanos = e.timeNs % 1_000_000_000
            XCTAssertTrue((row["toString(time)"] as? String ?? "").hasSuffix(String(format: ".%09llu", nanos)), "\(row)")
            _ = seconds
            XCTAssertEqual(row["host"] as? String, e.host)
            XCTAssertEqual(row["user"] as? String, e.user)
            XCTAssertEqual(row["comm"] as? String, e.comm)
            XCTAssertEqual(row["filename"] as? String, e.exec.filename)
            XCTAssertEqual(row["argv"] as? [String], e.exec.argv)
            XCTAssertEqual("\(row["ret"]!)", "\(e.ret)")
            XCTAssertEqual(row["errno_name"] as? String, e.enriched.errnoName)
            XCTAssertEqual("\(row["cgroup_id"]!)", "\(e.cgroupID)")
            XCTAssertEqual(row["container_id"] as? String, e.containerID)
            XCTAssertEqual(row["container_label_keys"] as? [String], e.container.labels.keys.sorted())
            XCTAssertEqual(row["container_label_values"] as? [String], e.container.labels.keys.sorted().map { e.container.labels[$0]! })
            XCTAssertEqual((row["latency_ms"] as? NSNumber)?.doubleValue ?? -1, e.enriched.latencyMs, accuracy: 1e-9)
            XCTAssertEqual(row["toTypeName(time)"] as? String, "DateTime64(9, 'UTC')")
            XCTAssertEqual(row["toTypeName(host)"] as? String, "LowCardinality(String)")
        }
    }

    /// file_events stores the kernel's resolved path beside the path as passed, and the
    /// sensitive-files preset shows it (current ClickHouse: LowCardinality, DateTime64).
    func testFileEventsStoreTheResolvedPathAndSensitiveFilesShowsIt() throws {
        var event = SampleEvents.all[0]
        event.probe = "open"
        var open = OpenDetail()
        open.syscall = "openat"; open.path = "shadow"; open.dirfd = -100; open.fd = 3
        open.resolvedPath = "/etc/shadow"
        event.open = open
        event.enriched.sensitive = true
        var lexical = SampleEvents.all[1]
        lexical.probe = "chmod"
        var chmod = ChmodDetail()
        chmod.syscall = "chmod"; chmod.path = "../x"; chmod.resolvedPath = "/tmp/x"; chmod.resolvedLexical = true; chmod.resolvedTruncated = true
        lexical.chmod = chmod
        var batch = RowBatch(table: EventTables.file)
        for (i, e) in [event, lexical].enumerated() {
            batch.append(e, of: EventTables.file, flavor: .modern, from: KafkaMessageStub.make(offset: Int64(i)))
        }
        let table = EventTables.file
        let insert = "INSERT INTO infrasight.file_events (\(table.columns.map(\.name).joined(separator: ", "))) FROM INFILE '{file:rows}' FORMAT RowBinary"
        let preset = QueryPresets.all.first { $0.name == "sensitive-files" }!
            .sql(filter: QueryFilter(sinceMinutes: 60 * 24 * 365 * 30, limit: 5, host: nil))
        // ChDB.run answers with the last statement's output: one run per query
        let stored = try ChDB.run(statements: ddl() + [insert, """
            SELECT path, resolved_path, resolved_lexical, resolved_truncated FROM infrasight.file_events ORDER BY path FORMAT TabSeparated
            """], files: ["rows": batch.writer.bytes])
        XCTAssertEqual(stored.split(separator: "\n").map(String.init), ["../x\t/tmp/x\t1\t1", "shadow\t/etc/shadow\t0\t0"], stored)
        let out = try ChDB.run(statements: ddl() + [insert, preset + " FORMAT TabSeparatedWithNames"], files: ["rows": batch.writer.bytes])
        let lines = out.split(separator: "\n").map(String.init)
        guard lines.count == 2 else { return XCTFail("one sensitive row: \(out)") }
        let header = lines[0].split(separator: "\t").map(String.init), row = lines[1].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(header.firstIndex(of: "resolved_path").map { row[$0] }, "/etc/shadow", out)
        XCTAssertEqual(header.firstIndex(of: "path").map { row[$0] }, "shadow", out)
    }

    func testSetidRowsRoundTripOnCurrentClickHouse() throws {
        var batch = RowBatch(table: EventTables.setid)
        for (i, e) in [SampleEvents.setid(), SampleEvents.setid(capset: true)].enumerated() {
            batch.append(e, of: EventTables.setid, flavor: .modern, from: KafkaMessageStub.make(offset: Int64(i)))
        }
        let table = EventTables.setid
        let insert = "INSERT INTO infrasight.setid_events (\(table.columns.map(\.name).joined(separator: ", "))) FROM INFILE '{file:rows}' FORMAT RowBinary"
        let out = try ChDB.run(statements: ddl() + [insert, """
            SELECT syscall, old_uid, new_real, new_effective, cap_effective, cap_permitted FROM infrasight.setid_events_dedup ORDER BY syscall FORMAT TabSeparated
            """], files: ["rows": batch.writer.bytes])
        XCTAssertEqual(out.split(separator: "\n").map(String.init), ["capset\t65534\t-1\t-1\t2097152\t1099513724928", "setresuid\t65534\t-1\t0\t0\t0"], out)
    }

    func testLinkRowsRoundTripOnCurrentClickHouse() throws {
        var batch = RowBatch(table: EventTables.link)
        for (i, e) in [SampleEvents.link(), SampleEvents.link(symlink: true)].enumerated() {
            batch.append(e, of: EventTables.link, flavor: .modern, from: KafkaMessageStub.make(offset: Int64(i)))
        }
        let table = EventTables.link
        let insert = "INSERT INTO infrasight.link_events (\(table.columns.map(\.name).joined(separator: ", "))) FROM INFILE '{file:rows}' FORMAT RowBinary"
        let out = try ChDB.run(statements: ddl() + [insert, """
            SELECT syscall, path, resolved_path, old_path, old_resolved_path, dirfd, old_dirfd, flags, sensitive FROM infrasight.link_events_dedup ORDER BY syscall FORMAT TabSeparated
            """], files: ["rows": batch.writer.bytes])
        XCTAssertEqual(out.split(separator: "\n").map(String.init),
                       ["renameat2\t/var/log/x.1\t/var/log/x.1\tx\t/var/log/x\t-100\t5\t1\t0",
                        "symlinkat\ts\t/tmp/s\t../etc/shadow\t/etc/shadow\t3\t-100\t0\t1"], out)
    }

    func testReplayedBatchWithTheSameTokenIsDroppedByTheServer() throws {
        let b = body(SampleEvents.all)
        let token = "infrasight.events.execve-0-0-2"
        let tokenInsert = insert.replacingOccurrences(of: "FORMAT RowBinary", with: "SETTINGS insert_deduplication_token = '\(token)' FORMAT RowBinary")
        let out = try ChDB.run(statements: ddl() + [tokenInsert, tokenInsert,
            "SELECT count(), uniqExact(event_id) FROM infrasight.exec_events FORMAT TabSeparated"], files: ["rows": b])
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "3\t3")
    }

    func testAsyncInsertSettingsAreAcceptedAndRowsAreStoredWhenAcknowledged() throws {
        let settings = SinkStage.asyncInsertSettings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")
        let asyncInsert = insert.replacingOccurrences(of: "FORMAT RowBinary", with: "SETTINGS \(settings) FORMAT RowBinary")
        let out = try ChDB.run(statements: ddl() + [asyncInsert,
            "SELECT count() FROM infrasight.exec_events FORMAT TabSeparated"], files: ["rows": body(SampleEvents.all)])
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "3")
    }

    func testDedupViewCollapsesReplaysWithoutAToken() throws {
        let out = try ChDB.run(statements: ddl() + [insert, insert,
            "SELECT count() FROM infrasight.exec_events FORMAT TabSeparated",
            "SELECT count() FROM infrasight.exec_events_dedup FORMAT TabSeparated"], files: ["rows": body(SampleEvents.all)])
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "3")
    }

    /// Alert rows as the sink POSTs them, on a current ClickHouse: nanosecond times, every field back, and a
    /// replay from another detect worker (different bytes, so the server's block deduplication does not
    /// catch it) collapsed by `alerts_dedup`. Merges are stopped, so only the view collapses it.
    func testAlertRowsRoundTripAndReplaysCollapseOnCurrentClickHouse() throws {
        let alerts = SampleAlerts.three(baseNs: 1_795_000_000_123_456_789)
        var replayed = alerts[0]
        replayed.detectedNs += 5_000_000_000
        replayed.detectedBy = "node-b:999"
        func rows(_ list: [AlertRecord]) -> [UInt8] {
            var w = RowBinaryWriter()
            for a in list { AlertsTable.encode(a, flavor: .modern, into: &w) }
            return w.bytes
        }
        let insert = AlertsTable.insertStatement(database: "infrasight").replacingOccurrences(of: "FORMAT RowBinary", with: "FROM INFILE '{file:%}' FORMAT RowBinary")
        let out = try ChDB.run(statements: ddl() + [
            "SYSTEM STOP MERGES infrasight.alerts",
            insert.replacingOccurrences(of: "%", with: "first"), insert.replacingOccurrences(of: "%", with: "replay"),
            """
            SELECT '', toString(count()), toString(uniqExact(alert_id)) FROM infrasight.alerts_dedup
            UNION ALL
            SELECT alert_id, toString(toUnixTimestamp64Nano(time)), toString(toUnixTimestamp64Nano(detected_time)) FROM infrasight.alerts_dedup
            FORMAT TabSeparated
            """,
        ], files: ["first": rows(alerts), "replay": rows([replayed])])
        let lines = Set(out.split(separator: "\n").map(String.init))
        XCTAssertTrue(lines.contains("\t3\t3"), "one row per alert_id:\n\(out)")
        XCTAssertTrue(lines.contains("\(alerts[1].alertID)\t\(alerts[1].timeNs)\t\(alerts[1].detectedNs)"), out)
        XCTAssertTrue(lines.contains("\(replayed.alertID)\t\(replayed.timeNs)\t\(replayed.detectedNs)"), "the replay is the row kept:\n\(out)")
        let raw = try ChDB.run(statements: ddl() + ["SYSTEM STOP MERGES infrasight.alerts",
            insert.replacingOccurrences(of: "%", with: "first"), insert.replacingOccurrences(of: "%", with: "replay"),
            """
            SELECT count(), any(toTypeName(time)) AS time_type, any(toTypeName(severity)) AS severity_type, groupArray(message)
            FROM infrasight.alerts FORMAT JSONEachRow
            """], files: ["first": rows(alerts), "replay": rows([replayed])])
        let row = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any], raw)
        XCTAssertEqual("\(row["count()"]!)", "4", "the plain table keeps the replay: \(raw)")
        XCTAssertEqual(row["time_type"] as? String, "DateTime64(9, 'UTC')")
        XCTAssertEqual(row["severity_type"] as? String, "LowCardinality(String)")
        XCTAssertTrue((row["groupArray(message)"] as? [String] ?? []).contains(alerts[0].message), raw)
    }
}

/// Kafka messages for batch tests.
enum KafkaMessageStub {
    static func make(offset: Int64) -> KafkaMessage {
        KafkaMessage(topic: "infrasight.events.execve", partition: 0, offset: offset, key: nil, value: [0], timestampMs: nil)
    }
}
