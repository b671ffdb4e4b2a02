import InfraSightConsole
import InfraSightCore
import InfraSightSink
import XCTest

/// Query building: user text only ever becomes one escaped literal; bad parameters are refused.
final class ConsoleQueryTests: XCTestCase {
    static let payloads: [String] = [
        "' OR 1=1 --",
        "x' OR 1=1 OR host='",
        "\\'",
        "\\",
        "\\\\'\\",
        "a\0b",
        "\0' OR 1=1 --",
        "'; DROP TABLE infrasight.exec_events; --",
        "ünïcødé ’ʼ‘ 𝔘 \u{202E}rtl\u{2028}line",
        "\u{FF07} OR 1=1",  // fullwidth apostrophe
        "<img src=x onerror=alert(1)>",
        "\"><script>alert(1)</script>",
        "line\nbreak\r\ttab\u{7f}\u{1b}[31m",
        "%' AND '%'='",
        "*/ SELECT 1 /*",
        String(repeating: "'\\", count: 2000),  // 4000 characters
    ]

    static let stringFilters = ["host", "container", "user", "comm", "path", "address"]

    /// The SQL with `value` in `field`, and the same with a harmless value of the same byte length:
    /// apart from the one literal they must be identical, and the literal must decode back to `value`.
    func assertSingleLiteral(_ value: String, build: (String) throws -> String, file: StaticString = #filePath, line: UInt = #line) throws {
        let benign = String(repeating: "z", count: value.utf8.count)
        let evil = try build(value)
        let plain = try build(benign)
        let literal = SQLLiteral.string(value)
        XCTAssertTrue(evil.contains(literal), "the value is not rendered through SQLLiteral", file: file, line: line)
        XCTAssertEqual(evil.replacingOccurrences(of: literal, with: "⟨V⟩"),
                       plain.replacingOccurrences(of: SQLLiteral.string(benign), with: "⟨V⟩"),
                       "the value changed the SQL outside its literal", file: file, line: line)
        let evilLiterals = try XCTUnwrap(SQLLiteralScanner.literals(in: evil), "unbalanced quote", file: file, line: line)
        let plainLiterals = try XCTUnwrap(SQLLiteralScanner.literals(in: plain), file: file, line: line)
        XCTAssertEqual(evilLiterals.count, plainLiterals.count, "the value split into several literals", file: file, line: line)
        XCTAssertTrue(evilLiterals.contains(value), "the literal does not decode back to the value", file: file, line: line)
    }

    func testEveryEventFilterFieldRendersPayloadsAsOneLiteral() throws {
        for field in Self.stringFilters {
            for payload in Self.payloads {
                try assertSingleLiteral(payload) { v in
                    let filter = try EventFilter([(field, v)])
                    return try XCTUnwrap(EventStreamQuery.sql(database: "infrasight", filter: filter))
                }
            }
        }
    }

    func testTopViewsRenderPayloadsAsOneLiteral() throws {
        for top in TopQuery.allCases {
            for field in ["host", "container", "user", "comm"] {
                for payload in Self.payloads {
                    try assertSingleLiteral(payload) { v in
                        top.sql(database: "infrasight", filter: try EventFilter([(field, v)], allowed: TopQuery.names))
                    }
                }
            }
        }
    }

    func testProcessAndHealthRenderPayloadsAsOneLiteral() throws {
        for payload in Self.payloads {
            try assertSingleLiteral(payload) { v in
                try ProcessQuery([("host", v), ("pid", "42")]).eventsSQL(database: "infrasight")
            }
            try assertSingleLiteral(payload) { v in
                try ProcessQuery([("host", v), ("pid", "42")]).processSQL(database: "infrasight")
            }
            try assertSingleLiteral(payload) { v in
                try ProcessQuery([("exec_id", "abc-1")]).parentSQL(database: "infrasight", host: v, pid: 7, beforeNs: 9)
            }
            try assertSingleLiteral(payload) { v in
                try ProcessQuery([("exec_id", "abc-1")]).childrenSQL(database: "infrasight", host: v, pid: 7, sinceNs: 9)
            }
            try assertSingleLiteral(payload) { v in try PipelineHealthQuery([("host", v)]).countersSQL(database: "infrasight") }
            try assertSingleLiteral(payload) { v in try PipelineHealthQuery([("host", v)]).summarySQL(database: "infrasight") }
            try assertSingleLiteral(payload) { v in try OverviewQuery([("host", v)]).ratesSQL(database: "infrasight") }
            try assertSingleLiteral(payload) { v in try PipelineHealthQuery([("host", v)]).instancesSQL(database: "infrasight") }
            try assertSingleLiteral(payload) { v in try OverviewQuery([("host", v)]).pipelineSQL(database: "infrasight") }
            for top in OverviewQuery.tops {
                try assertSingleLiteral(payload) { v in try OverviewQuery([("host", v)]).topSQL(top, database: "infrasight") }
            }
        }
    }

    func testAlertFiltersRenderPayloadsAsOneLiteral() throws {
        for field in ["host", "rule", "container"] {
            for payload in Self.payloads {
                try assertSingleLiteral(payload) { v in try AlertsQuery([(field, v)]).sql(database: "infrasight") }
            }
        }
        for payload in Self.payloads {
            try assertSingleLiteral(payload) { v in try OverviewQuery([("host", v)]).alerts.sql(database: "infrasight") }
        }
    }

    /// Severity is one of the known names, and means "this or more severe"; the rest of the alert filters.
    func testAlertFiltersAndTheirBounds() throws {
        let sql = try AlertsQuery([("severity", "error"), ("rule", "r1"), ("since", "30"), ("limit", "7")]).sql(database: "db")
        XCTAssertTrue(sql.contains("FROM db.alerts_dedup"), sql)
        XCTAssertTrue(sql.contains("severity IN ('emergency', 'alert', 'critical', 'error')"), sql)
        XCTAssertTrue(sql.contains("rule = 'r1'") && sql.contains("INTERVAL 30 MINUTE") && sql.contains("LIMIT 7"), sql)
        XCTAssertTrue(sql.contains("ORDER BY time_ns DESC"), "newest first: \(sql)")
        let plain = try AlertsQuery([]).sql(database: "db")
        XCTAssertFalse(plain.contains("severity IN"), plain)
        XCTAssertTrue(plain.contains("INTERVAL 1440 MINUTE") && plain.contains("LIMIT 100"), "a day, 100 rows by default: \(plain)")
        for severity in AlertSeverity.allCases { XCTAssertEqual(try AlertsQuery([("severity", severity.rawValue)]).minimumSeverity, severity) }
        let overview = try OverviewQuery([("host", "h1"), ("since", "5")]).alerts
        XCTAssertEqual(overview.limit, OverviewQuery.newestAlerts)
        XCTAssertEqual(overview.sinceMinutes, 24 * 60, "the landing page's alerts are the last day's, not the charts' window")
        XCTAssertEqual(overview.host, "h1")
        XCTAssertTrue(AlertsQuery.columns.contains("exec_id") && AlertsQuery.columns.contains("pid") && AlertsQuery.columns.contains("host"),
                      "what the page links to the process view by")
    }

    /// Top binaries: one GROUP BY over the window's exec events, with the Top views' filters; the
    /// overview's tops are the Top views' queries with its host and window and 5 rows.
    func testTopBinariesAndTheOverviewsTops() throws {
        let sql = TopQuery.binaries.sql(database: "db", filter: try EventFilter(
            [("host", "h1"), ("container", "web"), ("user", "root"), ("comm", "sh"), ("since", "30"), ("limit", "7")], allowed: TopQuery.names))
        XCTAssertTrue(sql.contains("FROM db.exec_events WHERE time >= now() - INTERVAL 30 MINUTE"), sql)
        for part in ["host = 'h1'", "container_name = 'web'", "user = 'root'", "comm = 'sh'", "GROUP BY binary",
                     "ORDER BY executions DESC, binary LIMIT 7", "if(resolved_path = '', filename, resolved_path) AS binary", "countIf(ret < 0) AS failures"] {
            XCTAssertTrue(sql.contains(part), "\(part) missing: \(sql)")
        }
        XCTAssertEqual(sql.components(separatedBy: "FROM ").count - 1, 1, "one table, no subquery: \(sql)")
        XCTAssertEqual(TopQuery.binaries.columns.prefix(2), ["binary", "executions"])
        XCTAssertEqual(TopQuery(rawValue: "binaries"), .binaries)

        let overview = try OverviewQuery([("host", "h1"), ("since", "5")])
        XCTAssertEqual(overview.topFilter.limit, OverviewQuery.topRows)
        XCTAssertEqual(OverviewQuery.topRows, 5)
        XCTAssertEqual(OverviewQuery.tops, [.talkers, .files, .binaries])
        for top in OverviewQuery.tops {
            let sql = overview.topSQL(top, database: "db")
            XCTAssertEqual(sql, top.sql(database: "db", filter: try EventFilter([("host", "h1"), ("since", "5"), ("limit", "5")], allowed: TopQuery.names)))
            XCTAssertTrue(sql.contains("INTERVAL 5 MINUTE") && sql.contains("host = 'h1'") && sql.hasSuffix("LIMIT 5"), sql)
        }
        XCTAssertTrue(try OverviewQuery([]).topSQL(.binaries, database: "db").contains("INTERVAL 15 MINUTE"), "the overview's default window")
    }

    func testAllFiltersTogetherStayLiterals() throws {
        let payload = "' OR 1=1 --"
        let pairs = Self.stringFilters.map { ($0, payload) } + [("probe", "connect"), ("since", "5"), ("limit", "7")]
        let sql = try XCTUnwrap(EventStreamQuery.sql(database: "infrasight", filter: try EventFilter(pairs)))
        XCTAssertEqual(SQLLiteralScanner.literals(in: sql)?.filter { $0 == payload }.count, 6 + 2 /* container: name or id, pod */ + 2 /* address: 3 columns */,
                       sql)
        XCTAssertTrue(sql.contains("LIMIT 7"), sql)
        XCTAssertTrue(sql.contains("INTERVAL 5 MINUTE"), sql)
        XCTAssertTrue(sql.contains("probe = 'connect'"), sql)
        XCTAssertFalse(sql.contains("exec_events"), "probe=connect only reads network_events")
    }

    func testFiltersPickTheTablesTheyApplyTo() throws {
        let byAddress = try XCTUnwrap(EventStreamQuery.sql(database: "db", filter: try EventFilter([("address", "10.0.0.1")])))
        XCTAssertTrue(byAddress.contains("db.network_events"))
        XCTAssertFalse(byAddress.contains("db.exec_events") || byAddress.contains("db.file_events"))
        let byPath = try XCTUnwrap(EventStreamQuery.sql(database: "db", filter: try EventFilter([("path", "/etc")])))
        XCTAssertTrue(byPath.contains("db.file_events") && byPath.contains("db.exec_events"))
        XCTAssertNil(EventStreamQuery.sql(database: "db", filter: try EventFilter([("probe", "execve"), ("address", "1.2.3.4")])),
                     "no table has both: nothing to query")
        let none = try XCTUnwrap(EventStreamQuery.sql(database: "db", filter: EventFilter()))
        for table in ["exec_events", "file_events", "network_events", "process_events", "setid_events", "dup_events", "socket_events", "link_events", "bind_events", "sendto_events", "kernel_events"] {
            XCTAssertTrue(none.contains("db.\(table)"))
        }
        XCTAssertTrue(none.contains("LIMIT 100"))
    }

    /// Incremental polling: `after_ns` becomes one numeric condition on every table's branch.
    func testAfterNsKeepsLaterEventsOnly() throws {
        let sql = try XCTUnwrap(EventStreamQuery.sql(database: "db", filter: try EventFilter([("after_ns", "1796488718925407335")])))
        XCTAssertEqual(sql.components(separatedBy: "time_ns > 1796488718925407335").count - 1, 11, sql)  // one branch per event table
        XCTAssertEqual(try EventFilter([("after_ns", "18446744073709551615")]).afterNs, UInt64.max)
        XCTAssertNil(try EventFilter([]).afterNs)
        XCTAssertEqual(Array(EventStreamQuery.columns.suffix(2)), ["time_ns", "event_id"], "what the console merges polls by")
    }

    func testBadParametersAreRefused() {
        let bad: [[(String, String)]] = [
            [("probe", "execve' OR 1=1 --")], [("probe", "EXECVE")], [("probe", "kprobe")],
            [("limit", "0")], [("limit", "1001")], [("limit", "-1")], [("limit", "10; DROP TABLE x")], [("limit", "1e3")],
            [("limit", "99999999999999999999999")], [("since", "0")], [("since", "abc")],
            [("hostname", "a")], [("1=1", "")], [("host", "a"), ("host", "b")],
            [("host", String(repeating: "a", count: ConsoleParameters.maxStringLength + 1))],
            [("after_ns", "-1")], [("after_ns", "1 OR 1=1")], [("after_ns", "1e18")],
            [("after_ns", "18446744073709551616")], [("after_ns", "0x10")],
        ]
        for pairs in bad {
            XCTAssertThrowsError(try EventFilter(pairs), "\(pairs)") { XCTAssertTrue($0 is ConsoleBadRequest) }
        }
        XCTAssertThrowsError(try EventFilter([("probe", "execve")], allowed: TopQuery.names), "top views take no probe")
        XCTAssertThrowsError(try EventFilter([("after_ns", "1")], allowed: TopQuery.names), "only the live stream polls incrementally")
        XCTAssertThrowsError(try ProcessQuery([("exec_id", "x' OR 1=1 --")]))
        XCTAssertThrowsError(try ProcessQuery([("host", "a")]), "pid missing")
        XCTAssertThrowsError(try ProcessQuery([("host", "a"), ("pid", "0")]))
        XCTAssertThrowsError(try ProcessQuery([("host", "a"), ("pid", "1 OR 1=1")]))
        XCTAssertThrowsError(try PipelineHealthQuery([("stage", "sink")]))
        for pairs: [(String, String)] in [[("since", "0")], [("since", "1441")], [("since", "15 OR 1=1")], [("probe", "execve")],
                                          [("limit", "5")], [("host", "a"), ("host", "b")]] {
            XCTAssertThrowsError(try OverviewQuery(pairs), "\(pairs)") { XCTAssertTrue($0 is ConsoleBadRequest) }
        }
        XCTAssertEqual(try OverviewQuery([]).sinceMinutes, 15, "the overview's window is the last 15 minutes")
        for pairs: [(String, String)] in [[("severity", "WARNING")], [("severity", "warn")], [("severity", "warning' OR 1=1 --")],
                                          [("severity", "warning,error")], [("since", "0")], [("since", "10081")], [("limit", "0")],
                                          [("limit", "1001")], [("probe", "execve")], [("path", "/etc")], [("rule", "a"), ("rule", "b")],
                                          [("rule", String(repeating: "r", count: ConsoleParameters.maxStringLength + 1))]] {
            XCTAssertThrowsError(try AlertsQuery(pairs), "\(pairs)") { XCTAssertTrue($0 is ConsoleBadRequest) }
        }
        XCTAssertTrue(try OverviewQuery([("since", "30")]).ratesSQL(database: "db").contains("INTERVAL 30 MINUTE"))
        for probe in Probe.allCases { XCTAssertEqual(try EventFilter([("probe", probe.rawValue)]).probe, probe) }
        XCTAssertEqual(try EventFilter([("limit", "1000")]).limit, 1000)
        XCTAssertNil(try EventFilter([("host", "")]).host, "an empty field is no filter")
    }

    func testFormDecoding() {
        let pairs = FormDecoding.pairs("a=%27+OR+1%3D1+--&b=%3Cimg%3E&c&d=%zz%E2%82%AC")
        XCTAssertEqual(pairs.map(\.0), ["a", "b", "c", "d"])
        XCTAssertEqual(pairs.map(\.1), ["' OR 1=1 --", "<img>", "", "%zz€"])
    }
}
