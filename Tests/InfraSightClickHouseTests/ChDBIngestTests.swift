import XCTest
import InfraSightClickHouse
import InfraSightTestSupport

/// The RowBinary bytes the sink POSTs, checked against a current ClickHouse (chDB 26.x) and against 18.16.
final class ChDBIngestTests: XCTestCase {
    /// (ts DateTime64(9) ticks, syscall LowCardinality(String), pid UInt32, args Array(String), ok Bool/UInt8)
    private func body() -> [UInt8] {
        var w = RowBinaryWriter()
        w.dateTime64(epochNanos: 1_700_000_000_123_456_789); w.string("openat"); w.uint32(4242)
        w.stringArray(["/etc/passwd", "O_RDONLY"]); w.bool(true)
        w.dateTime64(epochNanos: 1_700_000_001_000_000_001); w.string("exécute ✓"); w.uint32(.max)
        w.stringArray([]); w.bool(false)
        return w.bytes
    }

    func testRowBinaryIngestsIntoCurrentClickHouse() throws {
        let out = try ChDB.run(statements: [
            """
            CREATE TABLE events (ts DateTime64(9, 'UTC'), syscall LowCardinality(String), pid UInt32,
                                 args Array(String), ok Bool) ENGINE = MergeTree ORDER BY ts
            """,
            "INSERT INTO events (ts, syscall, pid, args, ok) FROM INFILE '{file:rows}' FORMAT RowBinary",
            "SELECT ts, syscall, pid, args, ok, toTypeName(syscall) FROM events ORDER BY ts FORMAT TabSeparated",
        ], files: ["rows": body()])
        XCTAssertEqual(out, """
            2023-11-14 22:13:20.123456789\topenat\t4242\t['/etc/passwd','O_RDONLY']\ttrue\tLowCardinality(String)
            2023-11-14 22:13:21.000000001\texécute ✓\t4294967295\t[]\tfalse\tLowCardinality(String)

            """)
    }

    func testFileFunctionAndVersion() throws {
        let out = try ChDB.run(statements: [
            "CREATE TABLE t (ts DateTime64(9, 'UTC'), syscall LowCardinality(String), pid UInt32, args Array(String), ok UInt8) ENGINE = Memory",
            """
            INSERT INTO t SELECT * FROM file('{file:rows}', 'RowBinary',
                'ts DateTime64(9, \\'UTC\\'), syscall String, pid UInt32, args Array(String), ok UInt8')
            """,
            "SELECT count(), max(ts), sum(ok), version() >= '2' FROM t FORMAT TabSeparated",
        ], files: ["rows": body()])
        XCTAssertEqual(out, "2\t2023-11-14 22:13:21.000000001\t1\t1\n")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(ClickHouseVersion(try ChDB.run(statements: ["SELECT version() FORMAT TabSeparated"]))).major, 24)
    }

    func testChDBErrorsSurface() {
        XCTAssertThrowsError(try ChDB.run(statements: ["SELECT * FROM no_such_table"])) { error in
            XCTAssertTrue("\(error)".contains("UNKNOWN_TABLE") || "\(error)".contains("Code: 60"), "\(error)")
        }
        XCTAssertThrowsError(try ChDB.run(statements: ["SELECT * FROM file('{file:missing}')"])) { error in
            XCTAssertTrue("\(error)".contains("{file:missing}"), "\(error)")
        }
    }

    /// The same body goes into 18.16, where DateTime64 does not exist: the ticks land in an Int64 column.
    func testSameBodyIngestsInto18() throws {
        let server = try ClickHouseServer.start()
        defer { server.stop() }
        let c = try ClickHouseClient(endpoint: ClickHouseEndpoint(baseURL: server.url))
        try c.execute("""
            CREATE TABLE events (ts Int64, syscall LowCardinality(String), pid UInt32, args Array(String), ok UInt8)
            ENGINE = MergeTree ORDER BY ts
            """, settings: ["allow_experimental_low_cardinality_type": "1"])
        try c.insert(statement: "INSERT INTO events (ts, syscall, pid, args, ok) FORMAT RowBinary", body: body())
        XCTAssertEqual(try c.query("""
            SELECT toDateTime(intDiv(ts, 1000000000)), ts % 1000000000, syscall, pid, args, ok
            FROM events ORDER BY ts FORMAT TabSeparated
            """), """
            2023-11-14 22:13:20\t123456789\topenat\t4242\t['/etc/passwd','O_RDONLY']\t1
            2023-11-14 22:13:21\t1\texécute ✓\t4294967295\t[]\t0

            """)
    }
}
