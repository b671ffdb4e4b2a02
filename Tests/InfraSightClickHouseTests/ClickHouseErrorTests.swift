import XCTest
import InfraSightClickHouse

final class ClickHouseErrorTests: XCTestCase {
    func testParses18xBody() {
        // Verbatim from clickhouse-server 18.16.1 (HTTP 400 for `SELEC 1`, shortened list).
        let body = "Code: 62, e.displayText() = DB::Exception: Syntax error: failed at position 1: SELEC 1. Expected one of: SYSTEM query, SELECT subquery, DESC, e.what() = DB::Exception\n"
        let e = ClickHouseError.server(httpStatus: 400, body: body)
        XCTAssertEqual(e.kind, .server)
        XCTAssertEqual(e.httpStatus, 400)
        XCTAssertEqual(e.code, 62)
        XCTAssertNil(e.codeName)
        XCTAssertEqual(e.message, "Syntax error: failed at position 1: SELEC 1. Expected one of: SYSTEM query, SELECT subquery, DESC")
        XCTAssertFalse(e.isRetryable)
        XCTAssertTrue(e.description.contains("code 62"), e.description)
        XCTAssertTrue(e.description.contains("HTTP 400"), e.description)

        let auth = ClickHouseError.server(httpStatus: 401, body:
            "Code: 193, e.displayText() = DB::Exception: Wrong password for user tester, e.what() = DB::Exception\n")
        XCTAssertEqual(auth.code, 193)
        XCTAssertEqual(auth.message, "Wrong password for user tester")
        XCTAssertFalse(auth.isRetryable)
    }

    func testParsesCurrentBody() {
        let body = "Code: 62. DB::Exception: Syntax error: failed at position 1 (SELEC) (line 1, col 1): SELEC 1. Expected one of: Query, Query with output, EXPLAIN. (SYNTAX_ERROR) (version 26.9.2.1)\n"
        let e = ClickHouseError.server(httpStatus: 400, body: body, exceptionCodeHeader: "62")
        XCTAssertEqual(e.code, 62)
        XCTAssertEqual(e.codeName, "SYNTAX_ERROR")
        XCTAssertEqual(e.message, "Syntax error: failed at position 1 (SELEC) (line 1, col 1): SELEC 1. Expected one of: Query, Query with output, EXPLAIN.")
        XCTAssertFalse(e.isRetryable)

        let parts = ClickHouseError.server(httpStatus: 500, body:
            "Code: 252. DB::Exception: Too many parts (300). Merges are processing significantly slower than inserts. (TOO_MANY_PARTS) (version 26.9.2.1)")
        XCTAssertEqual(parts.code, 252)
        XCTAssertEqual(parts.codeName, "TOO_MANY_PARTS")
        XCTAssertEqual(parts.message, "Too many parts (300). Merges are processing significantly slower than inserts.")
        XCTAssertTrue(parts.isRetryable)

        // Without the version suffix (as chDB prints it) and with a stack trace after a blank line.
        let unknown = ClickHouseError.server(httpStatus: 404, body:
            "Code: 60. DB::Exception: Unknown table expression identifier 'nosuch'. (UNKNOWN_TABLE)\n\n0. DB::Exception::Exception(...) @ 0x1")
        XCTAssertEqual(unknown.code, 60)
        XCTAssertEqual(unknown.codeName, "UNKNOWN_TABLE")
        XCTAssertEqual(unknown.message, "Unknown table expression identifier 'nosuch'.")
    }

    func testHeaderCodeWinsAndUnparseableBodies() {
        let e = ClickHouseError.server(httpStatus: 500, body: "something else", exceptionCodeHeader: " 241 ")
        XCTAssertEqual(e.code, 241)
        XCTAssertEqual(e.message, "something else")
        XCTAssertTrue(e.isRetryable)   // MEMORY_LIMIT_EXCEEDED

        let proxy = ClickHouseError.server(httpStatus: 503, body: "<html>Service Unavailable</html>")
        XCTAssertNil(proxy.code)
        XCTAssertTrue(proxy.isRetryable)
        let notFound = ClickHouseError.server(httpStatus: 404, body: "")
        XCTAssertEqual(notFound.message, "(empty response body)")
        XCTAssertFalse(notFound.isRetryable)
    }

    func testTransportRetryability() {
        XCTAssertTrue(ClickHouseError(kind: .transport, message: "refused", curlCode: 7).isRetryable)
        XCTAssertTrue(ClickHouseError(kind: .transport, message: "timeout", curlCode: 28).isRetryable)
        XCTAssertFalse(ClickHouseError(kind: .transport, message: "bad url", curlCode: 3).isRetryable)
        XCTAssertFalse(ClickHouseError(kind: .transport, message: "cert", curlCode: 60).isRetryable)
    }
}
