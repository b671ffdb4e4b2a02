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

    func testApplyIsIdempotentAndStatusReportsCurrent() throws {
        let manager = SchemaManager(client: try client(), database: "schema_it")
        XCTAssertFalse(try manager.status().isCurrent)
        XCTAssertEqual(try manager.apply(), [1])
        XCTAssertEqual(try manager.apply(), [], "second apply changes nothing")
        let status = try manager.status()
        XCTAssertTrue(status.isCurrent)
        XCTAssertEqual(status.flavor, .legacy)
        XCTAssertEqual(status.appliedVersions, [1])
        XCTAssertTrue(status.tables.contains("exec_events"))
        XCTAssertTrue(status.tables.contains("exec_events_dedup"))
        XCTAssertNoThrow(try manager.requireCurrent())
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
        for (i, e) in SampleEvents.all.enumerated() { batch.append(e, flavor: .legacy, from: KafkaMessageStub.make(offset: Int64(i))) }
        let stmt = EventTables.exec.insertStatement(database: "rows_it")
        try c.insert(statement: stmt, body: batch.writer.bytes)
        try c.insert(statement: stmt, body: batch.writer.bytes)   // a replay after a lost acknowledgement
        XCTAssertEqual(try c.query("SELECT count() FROM rows_it.exec_events_dedup FORMAT TabSeparated")
            .trimmingCharacters(in: .whitespacesAndNewlines), "3")
        let out = try c.query("SELECT event_id, time_ns, toUInt32(time), argv, ret, errno_name, user FROM rows_it.exec_events_dedup ORDER BY time_ns FORMAT JSONEachRow")
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
        }
    }
}
