import Foundation
import InfraSightConsole
import Logging
import XCTest

/// Records the SQL it is asked to run and answers with a fixed TabSeparatedWithNames text.
final class RecordingDatabase: ConsoleDatabase, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []
    let answer: String
    let fails: Bool

    init(answer: String = "", fails: Bool = false) {
        self.answer = answer
        self.fails = fails
    }

    var queries: [String] { lock.withLock { recorded } }

    func select(_ sql: String) throws -> String {
        lock.withLock { recorded.append(sql) }
        if fails { throw NSError(domain: "ClickHouse", code: 1, userInfo: [NSLocalizedDescriptionKey: "secret detail"]) }
        return answer
    }
}

final class ConsoleRouterTests: XCTestCase {
    let token = "s3cr3t-token-0123456789abcdef"

    func router(token: String? = nil, database: ConsoleDatabase = RecordingDatabase()) throws -> ConsoleRouter {
        ConsoleRouter(database: database, auth: try ConsoleAuth(token: token), logger: Logger(label: "test"))
    }

    func get(_ r: ConsoleRouter, _ uri: String, headers: [String: String] = [:]) -> ConsoleResponse {
        r.respond(ConsoleRequest(method: "GET", uri: uri, headers: headers))
    }

    func assertSecurityHeaders(_ response: ConsoleResponse, file: StaticString = #filePath, line: UInt = #line) {
        let csp = response.header("Content-Security-Policy") ?? ""
        for directive in ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"] {
            XCTAssertTrue(csp.contains(directive), "CSP lacks \(directive): \(csp)", file: file, line: line)
        }
        XCTAssertFalse(csp.contains("unsafe-inline") || csp.contains("unsafe-eval"), file: file, line: line)
        XCTAssertEqual(response.header("X-Content-Type-Options"), "nosniff", file: file, line: line)
        XCTAssertEqual(response.header("Referrer-Policy"), "no-referrer", file: file, line: line)
        XCTAssertEqual(response.header("Cache-Control"), "no-store", file: file, line: line)
    }

    func testEveryResponseCarriesTheSecurityHeaders() throws {
        let open = try router()
        let locked = try router(token: token)
        for r in [open, locked] {
            for uri in ["/", "/console.js", "/console.css", "/login", "/api/events", "/api/events?probe=bad", "/api/nope", "/nope",
                        "/api/process?exec_id=abc", "/api/top/latency", "/api/top/files", "/api/top/talkers", "/api/top/binaries", "/api/health", "/api/overview",
                        "/api/alerts", "/api/alerts?severity=bad"] {
                assertSecurityHeaders(get(r, uri))
            }
            assertSecurityHeaders(r.respond(ConsoleRequest(method: "POST", uri: "/login", body: Array("token=wrong".utf8))))
            assertSecurityHeaders(r.respond(ConsoleRequest(method: "DELETE", uri: "/api/events")))
        }
        assertSecurityHeaders(get(try router(database: RecordingDatabase(fails: true)), "/api/events"))
    }

    func testTokenIsRequiredWhenSet() throws {
        let r = try router(token: token)
        XCTAssertEqual(get(r, "/api/events").status, 401)
        XCTAssertEqual(get(r, "/").status, 401)
        XCTAssertTrue(String(decoding: get(r, "/").body, as: UTF8.self).contains("action=\"/login\""), "pages answer 401 with the login form")
        XCTAssertEqual(get(r, "/console.js").status, 401)
        XCTAssertEqual(get(r, "/api/events", headers: ["Authorization": "Bearer wrong-token-0123456789"]).status, 401)
        XCTAssertEqual(get(r, "/api/events", headers: ["Authorization": "Bearer " + token + "x"]).status, 401)
        XCTAssertEqual(get(r, "/api/events", headers: ["Authorization": "Basic " + token]).status, 401)
        XCTAssertEqual(get(r, "/api/events", headers: ["Authorization": "Bearer " + token]).status, 200)
        XCTAssertEqual(get(r, "/api/events", headers: ["authorization": "bearer " + token]).status, 200)
        XCTAssertEqual(get(r, "/login").status, 200)
        XCTAssertEqual(get(r, "/console.css").status, 200)

        let wrong = r.respond(ConsoleRequest(method: "POST", uri: "/login", body: Array("token=nope".utf8)))
        XCTAssertEqual(wrong.status, 401)
        XCTAssertNil(wrong.header("Set-Cookie"))
        let ok = r.respond(ConsoleRequest(method: "POST", uri: "/login",
                                          body: Array("token=\(token.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)".utf8)))
        XCTAssertEqual(ok.status, 303)
        XCTAssertEqual(ok.header("Location"), "/")
        let cookie = try XCTUnwrap(ok.header("Set-Cookie"))
        XCTAssertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), cookie)
        XCTAssertFalse(cookie.contains(token), "the cookie is a session id, not the token")
        let session = String(cookie.split(separator: ";")[0])
        XCTAssertEqual(get(r, "/api/events", headers: ["Cookie": "other=1; " + session]).status, 200)
        XCTAssertEqual(get(r, "/", headers: ["Cookie": session]).status, 200)
        XCTAssertEqual(get(r, "/api/events", headers: ["Cookie": session + "0"]).status, 401)
        XCTAssertEqual(get(r, "/api/events", headers: ["Cookie": "infrasight_session=" + token]).status, 401)
    }

    func testOpenWithoutToken() throws {
        let r = try router()
        XCTAssertEqual(get(r, "/api/events").status, 200)
        XCTAssertEqual(get(r, "/").status, 200)
        XCTAssertThrowsError(try ConsoleAuth(token: "short"), "a token under 16 characters is refused")
        XCTAssertThrowsError(try ConsoleAuth(token: "   \n"))
    }

    func testLoopbackConsoleWithoutTokenOnlyAnswersLoopbackHostNames() throws {
        let r = ConsoleRouter(database: RecordingDatabase(), auth: try ConsoleAuth(token: nil), logger: Logger(label: "test"),
                              allowedHosts: ConsoleRouter.loopbackHosts)
        for host in ["127.0.0.1:9470", "localhost:9470", "LOCALHOST", "[::1]:9470", "127.0.0.1"] {
            XCTAssertEqual(get(r, "/api/events", headers: ["Host": host]).status, 200, host)
        }
        for host in ["attacker.example:9470", "attacker.example", "127.0.0.1.attacker.example", "", "[::2]:9470"] {
            let response = get(r, "/api/events", headers: ["Host": host])
            XCTAssertEqual(response.status, 421, host)
            assertSecurityHeaders(response)
        }
        XCTAssertEqual(get(try router(), "/api/events", headers: ["Host": "attacker.example"]).status, 200, "nil: any host")
    }

    func testConstantTimeEquals() {
        XCTAssertTrue(ConsoleAuth.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        XCTAssertFalse(ConsoleAuth.constantTimeEquals(Array("abc".utf8), Array("abd".utf8)))
        XCTAssertFalse(ConsoleAuth.constantTimeEquals(Array("abc".utf8), Array("abcd".utf8)))
        XCTAssertFalse(ConsoleAuth.constantTimeEquals([], Array("a".utf8)))
        XCTAssertTrue(ConsoleAuth.constantTimeEquals([], []))
    }

    func testBadParametersAre400WithoutQuerying() throws {
        let db = RecordingDatabase()
        let r = try router(database: db)
        for uri in ["/api/events?probe=nope", "/api/events?probe=execve%27%20OR%201%3D1", "/api/events?limit=0",
                    "/api/events?limit=100000", "/api/events?limit=abc", "/api/events?bogus=1", "/api/events?host=a&host=b",
                    "/api/top/files?probe=open", "/api/top/latency?limit=-5", "/api/top/binaries?probe=execve",
                    "/api/top/binaries?path=/bin", "/api/top/binaries?limit=0", "/api/top/binaries?since=x", "/api/top/binaries?host=a&host=b", "/api/health?counter=x", "/api/process",
                    "/api/process?exec_id=%27%3B", "/api/process?host=a&pid=x", "/api/overview?since=0", "/api/overview?since=x",
                    "/api/overview?probe=execve", "/api/overview?limit=5", "/api/alerts?severity=WARNING",
                    "/api/alerts?severity=warning%27%20OR%201%3D1", "/api/alerts?since=0", "/api/alerts?limit=5000",
                    "/api/alerts?probe=execve", "/api/alerts?rule=a&rule=b"] {
            let response = get(r, uri)
            XCTAssertEqual(response.status, 400, uri)
            let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String]
            XCTAssertNotNil(json?["error"], uri)
        }
        XCTAssertEqual(db.queries, [], "nothing reaches ClickHouse for a bad request")
    }

    func testQueryFailureIs502WithoutDetails() throws {
        let response = get(try router(database: RecordingDatabase(fails: true)), "/api/events")
        XCTAssertEqual(response.status, 502)
        XCTAssertFalse(String(decoding: response.body, as: UTF8.self).contains("secret detail"))
    }

    func testEventsAnswerIsJSONOfTheRows() throws {
        let tsv = "time_utc\thost\tdetail\n2026-01-01 00:00:00\th1\t<img src=x onerror=alert(1)>\\t\\\\x\n"
        let db = RecordingDatabase(answer: tsv)
        let response = get(try router(database: db), "/api/events?host=h1&probe=execve&limit=5")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.contentType, "application/json; charset=utf-8")
        let table = try JSONDecoder().decode(ConsoleTable.self, from: Data(response.body))
        XCTAssertEqual(table.columns, ["time_utc", "host", "detail"])
        XCTAssertEqual(table.rows, [["2026-01-01 00:00:00", "h1", "<img src=x onerror=alert(1)>\t\\x"]])
        XCTAssertEqual(db.queries.count, 1)
        XCTAssertTrue(db.queries[0].contains("host = 'h1'"))
        XCTAssertTrue(db.queries[0].contains("FROM infrasight.exec_events"))
        XCTAssertFalse(db.queries[0].contains("FROM infrasight.file_events"))
    }

    func testEmptyAnswerKeepsTheColumns() throws {
        let response = get(try router(), "/api/events?probe=execve&address=1.2.3.4")
        let table = try JSONDecoder().decode(ConsoleTable.self, from: Data(response.body))
        XCTAssertEqual(table.rows, [])
        XCTAssertEqual(table.columns, EventStreamQuery.columns(probe: .execve), "the probe's own columns, even with no rows")
    }

    func testOverviewAnswersRatesAndPipelineTables() throws {
        let db = RecordingDatabase()
        let response = get(try router(database: db), "/api/overview?host=h1")
        XCTAssertEqual(response.status, 200)
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: Any]])
        XCTAssertEqual(o["rates"]?["columns"] as? [String], OverviewQuery.rateColumns)
        XCTAssertEqual(o["pipeline"]?["columns"] as? [String], OverviewQuery.pipelineColumns)
        XCTAssertEqual(o["alerts"]?["columns"] as? [String], AlertsQuery.columns)
        XCTAssertEqual(o["talkers"]?["columns"] as? [String], TopQuery.talkers.columns)
        XCTAssertEqual(o["files"]?["columns"] as? [String], TopQuery.files.columns)
        XCTAssertEqual(o["binaries"]?["columns"] as? [String], TopQuery.binaries.columns)
        XCTAssertEqual(db.queries.count, 6)
        XCTAssertTrue(db.queries.allSatisfy { $0.contains("host = 'h1'") }, "\(db.queries)")
        XCTAssertTrue(db.queries.prefix(2).allSatisfy { $0.contains("INTERVAL 15 MINUTE") }, "\(db.queries)")
        XCTAssertTrue(db.queries[2].contains("FROM infrasight.alerts_dedup") && db.queries[2].contains("LIMIT 10"), db.queries[2])
        // The tops: the Top views' queries over the charts' window, 5 rows each.
        for (sql, table) in zip(db.queries.suffix(3), ["network_events", "file_events", "exec_events"]) {
            XCTAssertTrue(sql.contains("FROM infrasight.\(table)") && sql.contains("INTERVAL 15 MINUTE") && sql.hasSuffix("LIMIT 5"), sql)
        }
        _ = get(try router(database: db), "/api/overview?host=h2&since=60")
        XCTAssertTrue(db.queries.suffix(3).allSatisfy { $0.contains("INTERVAL 60 MINUTE") && $0.contains("host = 'h2'") }, "\(db.queries.suffix(3))")
    }

    func testTopBinariesAnswersAndThePagesShowThem() throws {
        let tsv = "binary\texecutions\n/tmp/<img src=x onerror=alert(1)>\t3\n"
        let db = RecordingDatabase(answer: tsv)
        let r = try router(database: db)
        let response = get(r, "/api/top/binaries?host=h1&comm=sh&limit=3")
        XCTAssertEqual(response.status, 200)
        let table = try JSONDecoder().decode(ConsoleTable.self, from: Data(response.body))
        XCTAssertEqual(table.rows, [["/tmp/<img src=x onerror=alert(1)>", "3"]])
        XCTAssertEqual(db.queries.count, 1)
        for part in ["FROM infrasight.exec_events", "host = 'h1'", "comm = 'sh'", "LIMIT 3"] {
            XCTAssertTrue(db.queries[0].contains(part), "\(part) missing: \(db.queries[0])")
        }
        let js = String(decoding: get(r, "/console.js").body, as: UTF8.self)
        XCTAssertTrue(js.contains("['Top binaries by executions', '/api/top/binaries']"), "the Top page lists binaries")
        for key in ["'talkers', 'Top talkers'", "'files', 'Top files'", "'binaries', 'Top binaries'"] {
            XCTAssertTrue(js.contains("[" + key), "the overview shows \(key)")
        }
        XCTAssertFalse(js.contains("['Top files', '/api/top/files', { limit"), "the overview's tops come with /api/overview")
    }

    func testAlertsAnswerIsJSONOfTheRowsNewestFirst() throws {
        let tsv = "time_utc\tseverity\trule\thost\tpid\tmessage\n2026-01-01 00:00:01\tcritical\tr\th1\t42\t<img src=x onerror=alert(1)>\n"
        let db = RecordingDatabase(answer: tsv)
        let response = get(try router(database: db), "/api/alerts?host=h1&severity=critical&rule=r&limit=5")
        XCTAssertEqual(response.status, 200)
        let table = try JSONDecoder().decode(ConsoleTable.self, from: Data(response.body))
        XCTAssertEqual(table.rows, [["2026-01-01 00:00:01", "critical", "r", "h1", "42", "<img src=x onerror=alert(1)>"]])
        XCTAssertEqual(db.queries.count, 1)
        for part in ["FROM infrasight.alerts_dedup", "host = 'h1'", "rule = 'r'", "severity IN ('emergency', 'alert', 'critical')",
                     "ORDER BY time_ns DESC", "LIMIT 5"] {
            XCTAssertTrue(db.queries[0].contains(part), "\(part) missing: \(db.queries[0])")
        }
        let empty = try JSONDecoder().decode(ConsoleTable.self, from: Data(get(try router(), "/api/alerts").body))
        XCTAssertEqual(empty.columns, AlertsQuery.columns, "the columns, even with no rows")
    }

    /// The alerts view is the sixth link (key 6), and the page script knows it and links rows to the process view.
    func testAlertsViewIsTheSixthView() throws {
        let r = try router()
        let html = String(decoding: get(r, "/").body, as: UTF8.self)
        let links = html.components(separatedBy: "<a href=\"/?view=").dropFirst().map { $0.prefix { $0 != "\"" } }
        XCTAssertEqual(links, ["overview", "events", "process", "top", "health", "alerts"])
        XCTAssertTrue(html.contains("<kbd>1</kbd>\u{2013}<kbd>6</kbd> views"), html)
        let js = String(decoding: get(r, "/console.js").body, as: UTF8.self)
        XCTAssertTrue(js.contains("alerts: { title: 'Alerts'") && js.contains("'/api/alerts'"), "no alerts view in console.js")
        XCTAssertTrue(js.contains("renderTable(parent, 'Newest alerts (last 24 h)', data.alerts"), "the overview shows the newest alerts")
    }

    func testOverviewIsTheLandingPage() throws {
        let r = try router()
        XCTAssertTrue(String(decoding: get(r, "/").body, as: UTF8.self).contains("<a href=\"/?view=overview\">Overview</a>"))
        XCTAssertTrue(String(decoding: get(r, "/console.js").body, as: UTF8.self).contains(": 'overview';"))
    }

    func testReadOnlyIsSentWithEveryQuery() {
        XCTAssertEqual(ClickHouseConsoleDatabase.settings["readonly"], "1")
    }

    func testPageHasNoInlineScriptAndScriptUsesTextContentOnly() throws {
        let r = try router()
        let html = String(decoding: get(r, "/").body, as: UTF8.self)
        XCTAssertEqual(get(r, "/").contentType, "text/html; charset=utf-8")
        XCTAssertTrue(html.contains("<script src=\"/console.js\" defer></script>"))
        XCTAssertEqual(html.components(separatedBy: "<script").count, 2, "one script tag, external")
        XCTAssertNil(html.range(of: #"\son[a-z]+\s*="#, options: .regularExpression), "no inline event handlers")
        XCTAssertFalse(html.contains("style="))
        let js = String(decoding: get(r, "/console.js").body, as: UTF8.self)
        XCTAssertEqual(get(r, "/console.js").contentType, "text/javascript; charset=utf-8")
        for banned in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute('on"] {
            XCTAssertFalse(js.contains(banned), "console.js uses \(banned)")
        }
        XCTAssertTrue(js.contains("textContent"))
        XCTAssertTrue(js.contains("location.search"))
    }
}
