import InfraSightClickHouse
import InfraSightKafka
import InfraSightCore
@testable import InfraSightSink
import XCTest

/// The DDL per server generation, and the row encoding that goes with it.
final class SchemaDDLTests: XCTestCase {
    func testFlavorFollowsServerVersion() {
        XCTAssertEqual(SchemaFlavor(version: ClickHouseVersion("18.16.1")!), .legacy)
        XCTAssertEqual(SchemaFlavor(version: ClickHouseVersion("19.17.4.11")!), .legacy)
        XCTAssertEqual(SchemaFlavor(version: ClickHouseVersion("20.1.2.4")!), .modern)
        XCTAssertEqual(SchemaFlavor(version: ClickHouseVersion("26.9.1.1")!), .modern)
    }

    func testLegacyDDLAvoidsWhat18_16Lacks() {
        let ddl = EventTables.exec.createStatement(database: "infrasight", flavor: .legacy, retentionDays: 30)
        for missing in ["DateTime64", "LowCardinality", "TTL", "CODEC", "deduplication"] {
            XCTAssertFalse(ddl.contains(missing), "legacy DDL must not use \(missing)")
        }
        XCTAssertTrue(ddl.contains("ENGINE = ReplacingMergeTree"))
        XCTAssertTrue(ddl.contains("PARTITION BY toYYYYMMDD(time)"))
        XCTAssertTrue(ddl.contains("ORDER BY (host, time, event_id)"))
    }

    func testModernDDLUsesNanosecondTimeTTLAndDedupWindow() {
        let ddl = EventTables.exec.createStatement(database: "infrasight", flavor: .modern, retentionDays: 7)
        XCTAssertTrue(ddl.contains("time DateTime64(9, 'UTC')"))
        XCTAssertTrue(ddl.contains("host LowCardinality(String)"))
        XCTAssertTrue(ddl.contains("TTL toDateTime(time) + INTERVAL 7 DAY"))
        XCTAssertTrue(ddl.contains("non_replicated_deduplication_window"))
    }

    func testRequiredColumnsExist() {
        let names = Set(EventTables.exec.columns.map(\.name))
        for required in ["event_id", "time", "host", "pid", "ppid", "uid", "user", "gid", "comm", "filename", "argv",
                         "ret", "latency_ns", "container_id", "cgroup_id"] {
            XCTAssertTrue(names.contains(required), "exec_events lacks \(required)")
        }
        XCTAssertEqual(names.count, EventTables.exec.columns.count, "duplicate column names")
    }

    func testInsertStatementListsColumnsInEncodingOrder() {
        let stmt = EventTables.exec.insertStatement(database: "infrasight")
        XCTAssertEqual(stmt, "INSERT INTO infrasight.exec_events (\(EventTables.exec.columns.map(\.name).joined(separator: ", "))) FORMAT RowBinary")
    }

    func testRowStartsWithEventIDThenTimePerFlavor() {
        let e = SampleEvents.all[0]
        var legacy = RowBinaryWriter()
        EventTables.exec.encode(e, flavor: .legacy, into: &legacy)
        var modern = RowBinaryWriter()
        EventTables.exec.encode(e, flavor: .modern, into: &modern)
        let idBytes = [UInt8(e.eventID.utf8.count)] + Array(e.eventID.utf8)
        XCTAssertEqual(Array(legacy.bytes.prefix(idBytes.count)), idBytes)
        let seconds = UInt32(e.timeNs / 1_000_000_000)
        XCTAssertEqual(Array(legacy.bytes[idBytes.count..<idBytes.count + 4]), withUnsafeBytes(of: seconds.littleEndian, Array.init))
        XCTAssertEqual(Array(modern.bytes[idBytes.count..<idBytes.count + 8]),
                       withUnsafeBytes(of: Int64(e.timeNs).littleEndian, Array.init))
        XCTAssertEqual(modern.bytes.count, legacy.bytes.count + 4, "only `time` differs in width")
    }

    func testDeduplicationTokenIsStableForTheSameRows() {
        var batch = RowBatch(table: EventTables.exec)
        for (i, e) in SampleEvents.all.enumerated() {
            batch.append(e, of: EventTables.exec, flavor: .modern, from: .init(topic: "infrasight.events.execve", partition: 2, offset: Int64(100 + i), key: nil, value: [1], timestampMs: nil))
        }
        XCTAssertEqual(batch.deduplicationToken(for: batch.rows[...]), "infrasight.events.execve-2-100-102")
        XCTAssertEqual(batch.deduplicationToken(for: batch.rows[1...]), "infrasight.events.execve-2-101-102")
        XCTAssertEqual(batch.body(for: batch.rows[...]), batch.writer.bytes)
    }
}
