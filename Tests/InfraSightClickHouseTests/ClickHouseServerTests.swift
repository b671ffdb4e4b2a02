import Foundation
import XCTest
import InfraSightClickHouse
import InfraSightTestSupport

/// Against a real Debian clickhouse-server 18.16 started for each test (fails, never skips, without it).
final class ClickHouseServerTests: XCTestCase {
    private var server: ClickHouseServer!

    override func setUpWithError() throws {
        server = try ClickHouseServer.start()
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    private func client(timeout: Int = 30) throws -> ClickHouseClient {
        try ClickHouseClient(endpoint: ClickHouseEndpoint(url: server.url), timeoutSeconds: timeout)
    }

    func testVersionPingAndQuery() throws {
        let c = try client()
        XCTAssertTrue(c.ping())
        let version = try c.serverVersion()
        XCTAssertEqual(version.major, 18, "\(version)")
        XCTAssertEqual(try c.query("SELECT 1 + 1"), "2\n")
        XCTAssertEqual(try c.query("SELECT 'é✓', number FROM system.numbers LIMIT 2 FORMAT TabSeparated"),
                       "é✓\t0\né✓\t1\n")
        // Settings travel as URL parameters.
        XCTAssertEqual(try c.query("SELECT value FROM system.settings WHERE name = 'max_threads' FORMAT TabSeparated",
                                   settings: ["max_threads": "3"]).trimmingCharacters(in: .whitespacesAndNewlines), "3")
        // One handle, many requests (keep-alive): no failures, no leaks of state between requests.
        for i in 0..<200 { XCTAssertEqual(try c.query("SELECT \(i)"), "\(i)\n") }
    }

    /// Every RowBinaryWriter method into the matching 18.16 column type, read back exactly.
    func testRowBinaryRoundTripOfEveryType() throws {
        let c = try client()
        try c.execute("CREATE DATABASE IF NOT EXISTS rb")
        try c.execute("""
            CREATE TABLE rb.all_types (
              u8 UInt8, u16 UInt16, u32 UInt32, u64 UInt64,
              i8 Int8, i16 Int16, i32 Int32, i64 Int64,
              f32 Float32, f64 Float64, flag UInt8,
              s String, raw String, fs FixedString(4), lc LowCardinality(String),
              tags Array(String), nums Array(UInt32), maybe Nullable(String),
              d Date, dt DateTime, ts64 Int64
            ) ENGINE = MergeTree ORDER BY u32
            """, settings: ["allow_experimental_low_cardinality_type": "1"])

        var w = RowBinaryWriter(reservingCapacity: 4096)
        // Row 1: minimums / empties.
        w.uint8(0); w.uint16(0); w.uint32(1); w.uint64(0)
        w.int8(.min); w.int16(.min); w.int32(.min); w.int64(.min)
        w.float32(-1.5); w.float64(0); w.bool(false)
        w.string(""); w.string(bytes: [UInt8]()); w.fixedString(bytes: [UInt8](), length: 4); w.string("")
        w.stringArray([]); w.arrayCount(0); w.nullFlag(isNull: true)
        w.date(daysSinceEpoch: 0); w.dateTime(epochSeconds: 0); w.dateTime64(epochNanos: -1)
        // Row 2: maximums, multibyte UTF-8, escapes, arbitrary bytes, a 200-byte string (2-byte LEB128 length).
        let long = String(repeating: "é", count: 100)
        w.uint8(.max); w.uint16(.max); w.uint32(2); w.uint64(.max)
        w.int8(.max); w.int16(.max); w.int32(.max); w.int64(.max)
        w.float32(3.25); w.float64(-1234.5678); w.bool(true)
        w.string("tab\there\nnew ✓ 日本 😀"); w.string(bytes: [0x00, 0xFF, 0x80, 0x41]); w.fixedString(bytes: Array("abcd".utf8), length: 4)
        w.string("syscall_openat")
        w.stringArray(["a", "é✓", "q'uote", long]); w.arrayCount(3); w.uint32(1); w.uint32(.max); w.uint32(0)
        w.nullFlag(isNull: false); w.string("present")
        w.date(daysSinceEpoch: 19_724); w.dateTime(epochSeconds: 1_700_000_000); w.dateTime64(epochNanos: 1_700_000_000_123_456_789)

        try c.insert(statement: """
            INSERT INTO rb.all_types (u8, u16, u32, u64, i8, i16, i32, i64, f32, f64, flag, s, raw, fs, lc, tags, nums, maybe, d, dt, ts64) FORMAT RowBinary
            """, body: w.bytes)

        let tsv = try c.query("""
            SELECT u8, u16, u32, u64, i8, i16, i32, i64, f32, f64, flag, s, hex(raw), fs, lc, tags, nums, maybe, d, dt, ts64
            FROM rb.all_types ORDER BY u32 FORMAT TabSeparated
            """)
        let rows = tsv.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(rows.count, 3, tsv)
        XCTAssertEqual(rows[0], [
            "0", "0", "1", "0", "-128", "-32768", "-2147483648", "-9223372036854775808",
            "-1.5", "0", "0", "", "", "\\0\\0\\0\\0", "", "[]", "[]", "\\N", "0000-00-00", "0000-00-00 00:00:00", "-1",
        ].joined(separator: "\t"))
        XCTAssertEqual(rows[1], [
            "255", "65535", "2", "18446744073709551615", "127", "32767", "2147483647", "9223372036854775807",
            "3.25", "-1234.5678", "1", "tab\\there\\nnew ✓ 日本 😀", "00FF8041", "abcd", "syscall_openat",
            "['a','é✓','q\\'uote','\(long)']", "[1,4294967295,0]", "present",
            "2024-01-02", "2023-11-14 22:13:20", "1700000000123456789",
        ].joined(separator: "\t"))
        XCTAssertEqual(rows[2], "")

        // The same bytes read back as RowBinary are identical to what was sent.
        let back = try c.queryBytes("""
            SELECT u8, u16, u32, u64, i8, i16, i32, i64, f32, f64, flag, s, raw, fs, lc, tags, nums, maybe, d, dt, ts64
            FROM rb.all_types ORDER BY u32 FORMAT RowBinary
            """)
        XCTAssertEqual(back, w.bytes)
    }

    func testLargeInsertAndSettingsEncoding() throws {
        let c = try client()
        try c.execute("CREATE TABLE big (id UInt64, payload String) ENGINE = MergeTree ORDER BY id")
        var w = RowBinaryWriter(reservingCapacity: 8 << 20)
        for i in 0..<100_000 { w.uint64(UInt64(i)); w.string("payload-\(i)-é") }
        XCTAssertGreaterThan(w.count, 2_000_000)
        try c.insert(statement: "INSERT INTO big (id, payload) FORMAT RowBinary", body: w.bytes,
                     settings: ["max_insert_block_size": "1048576"])
        XCTAssertEqual(try c.query("SELECT count(), sum(id), uniqExact(payload) FROM big FORMAT TabSeparated"),
                       "100000\t4999950000\t100000\n")
        // An empty body inserts nothing and is not an error.
        try c.insert(statement: "INSERT INTO big (id, payload) FORMAT RowBinary", body: [])
        XCTAssertEqual(try c.query("SELECT count() FROM big"), "100000\n")

        // Database names and statements with characters that must be URL-encoded.
        try c.execute("CREATE DATABASE `we&ird db=?`")
        let odd = try ClickHouseClient(endpoint: ClickHouseEndpoint(baseURL: server.url, database: "we&ird db=?"))
        XCTAssertEqual(try odd.query("SELECT currentDatabase()"), "we&ird db=?\n")
        try odd.execute("CREATE TABLE `t#1` (s String) ENGINE = Memory")
        var row = RowBinaryWriter()
        row.string("+ & = ? # % ✓")
        try odd.insert(statement: "INSERT INTO `t#1` (s) FORMAT RowBinary", body: row.bytes)
        XCTAssertEqual(try odd.query("SELECT s FROM `t#1`"), "+ & = ? # % ✓\n")
    }

    func testServerErrorsCarryCodeAndMessage() throws {
        let c = try client()
        do {
            _ = try c.query("SELEC 1")
            XCTFail("bad SQL accepted")
        } catch let e as ClickHouseError {
            XCTAssertEqual(e.kind, .server)
            XCTAssertEqual(e.code, 62, "\(e)")
            XCTAssertEqual(e.httpStatus, 400)
            XCTAssertTrue(e.message.hasPrefix("Syntax error"), e.message)
            XCTAssertFalse(e.message.contains("e.what()"), e.message)
            XCTAssertFalse(e.isRetryable)
        }
        do {
            try c.insert(statement: "INSERT INTO no_such_table FORMAT RowBinary", body: [1, 2, 3])
            XCTFail("insert into a missing table accepted")
        } catch let e as ClickHouseError {
            XCTAssertEqual(e.kind, .server)
            XCTAssertEqual(e.code, 60, "\(e)")   // UNKNOWN_TABLE
            XCTAssertFalse(e.isRetryable)
        }
        // A truncated RowBinary body is rejected as a whole.
        try c.execute("CREATE TABLE t (a UInt32, s String) ENGINE = MergeTree ORDER BY a")
        var w = RowBinaryWriter()
        w.uint32(1); w.string("ok"); w.uint32(2); w.string("cut off")
        do {
            try c.insert(statement: "INSERT INTO t (a, s) FORMAT RowBinary", body: Array(w.bytes.dropLast(3)))
            XCTFail("truncated body accepted")
        } catch let e as ClickHouseError {
            XCTAssertEqual(e.kind, .server, "\(e)")
            XCTAssertNotNil(e.code, "\(e)")
        }
        XCTAssertEqual(try c.query("SELECT count() FROM t"), "0\n")
        // The handle is still usable after errors.
        XCTAssertEqual(try c.query("SELECT 7"), "7\n")
    }

    func testTransportErrorsAreRetryable() throws {
        let port = try FreePort.next()   // nothing listens there
        let c = try ClickHouseClient(endpoint: ClickHouseEndpoint(baseURL: "http://127.0.0.1:\(port)"), timeoutSeconds: 5)
        XCTAssertFalse(c.ping())
        do {
            _ = try c.query("SELECT 1")
            XCTFail("query against a closed port succeeded")
        } catch let e as ClickHouseError {
            XCTAssertEqual(e.kind, .transport)
            XCTAssertEqual(e.curlCode, 7, "\(e)")   // CURLE_COULDNT_CONNECT
            XCTAssertNil(e.httpStatus)
            XCTAssertTrue(e.isRetryable)
        }
        // A total timeout shorter than the query: transport timeout, retryable.
        let slow = try client(timeout: 1)
        let started = Date()
        do {
            _ = try slow.query("SELECT sleep(3)")
            XCTFail("sleep(3) finished within a 1 s timeout")
        } catch let e as ClickHouseError {
            XCTAssertEqual(e.kind, .transport)
            XCTAssertEqual(e.curlCode, 28, "\(e)")   // CURLE_OPERATION_TIMEDOUT
            XCTAssertTrue(e.isRetryable)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2.5)
    }

    func testAuthenticationAndPasswordsStayOutOfErrors() throws {
        let users = """
            <?xml version="1.0"?>
            <yandex><users><writer>
              <password>p@ss:w/rd</password>
              <networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota>
            </writer></users></yandex>
            """
        try users.write(toFile: server.directory + "/users.d/writer.xml", atomically: true, encoding: .utf8)
        let host = server.url.replacingOccurrences(of: "http://", with: "")
        let good = try ClickHouseClient(endpoint: ClickHouseEndpoint(url: "http://writer:p%40ss%3Aw%2Frd@\(host)/"))
        // The server re-reads users.d every few seconds.
        let deadline = Date().addingTimeInterval(20)
        var lastError: Error?
        while Date() < deadline {
            do {
                let answer = try good.query("SELECT 1")
                XCTAssertEqual(answer, "1\n")
                lastError = nil
                break
            } catch { lastError = error }
            usleep(250_000)
        }
        XCTAssertNil(lastError, "writer never authenticated: \(String(describing: lastError))")

        let bad = try ClickHouseClient(endpoint: ClickHouseEndpoint(url: "http://writer:wrong-secret@\(host)"))
        do {
            _ = try bad.query("SELECT 1")
            XCTFail("wrong password accepted")
        } catch let e as ClickHouseError {
            XCTAssertEqual(e.kind, .server)
            XCTAssertEqual(e.code, 193, "\(e)")   // WRONG_PASSWORD
            XCTAssertFalse(e.isRetryable)
            XCTAssertFalse("\(e)".contains("wrong-secret"), "\(e)")
        }
        let refused = try ClickHouseClient(endpoint: ClickHouseEndpoint(url: "http://writer:wrong-secret@127.0.0.1:\(try FreePort.next())"))
        do { _ = try refused.query("SELECT 1"); XCTFail("closed port answered") } catch {
            XCTAssertFalse("\(error)".contains("wrong-secret"), "\(error)")
        }
    }

    func testKillAndRestartKeepData() throws {
        let c = try client()
        try c.execute("CREATE TABLE durable (id UInt32, s String) ENGINE = MergeTree ORDER BY id")
        var w = RowBinaryWriter()
        for i in 0..<1000 { w.uint32(UInt32(i)); w.string("row \(i)") }
        try c.insert(statement: "INSERT INTO durable (id, s) FORMAT RowBinary", body: w.bytes)
        let pid = try XCTUnwrap(server.pid)

        server.kill()
        XCTAssertNil(server.pid)
        XCTAssertFalse(c.ping())
        do { _ = try c.query("SELECT 1"); XCTFail("killed server answered") } catch let e as ClickHouseError {
            XCTAssertEqual(e.kind, .transport, "\(e)")
            XCTAssertTrue(e.isRetryable)
        }

        try server.restart()
        XCTAssertNotEqual(server.pid, pid)
        // The same client (same curl handle) reconnects by itself.
        XCTAssertEqual(try c.query("SELECT count(), sum(id) FROM durable FORMAT TabSeparated"), "1000\t499500\n")
        try c.insert(statement: "INSERT INTO durable (id, s) FORMAT RowBinary", body: w.bytes)
        XCTAssertEqual(try server.query("SELECT count() FROM durable"), "2000\n")

        // Graceful stop + start through the script, and `start` on a running server is a no-op.
        try server.restart()
        let running = try XCTUnwrap(server.pid)
        let again = Process()
        again.executableURL = URL(fileURLWithPath: "/bin/bash")
        again.arguments = [ClickHouseServer.script, "start", server.directory, String(server.httpPort), String(server.tcpPort)]
        try again.run()
        again.waitUntilExit()
        XCTAssertEqual(again.terminationStatus, 0)
        XCTAssertEqual(server.pid, running)
        XCTAssertEqual(try server.query("SELECT count() FROM durable"), "2000\n")
    }

    func testMissingServerBinaryIsAnErrorNotASkip() throws {
        setenv("CLICKHOUSE_SERVER_BIN", "/nonexistent/clickhouse-server", 1)
        defer { unsetenv("CLICKHOUSE_SERVER_BIN") }
        XCTAssertThrowsError(try ClickHouseServer.start()) { error in
            XCTAssertTrue("\(error)".contains("make deps"), "\(error)")
        }
    }
}
