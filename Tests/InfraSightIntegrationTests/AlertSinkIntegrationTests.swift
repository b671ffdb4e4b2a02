import Foundation
import InfraSightCore
import InfraSightKafka
import InfraSightTestSupport
import XCTest

/// What happens to an alert once it is on `infrasight.alerts`, with real parts only: tansu and ClickHouse
/// 18.16 on free loopback ports, encoded `AlertRecord`s produced to the topic (one twice as it was, one again
/// from another detect worker: replays), a malformed payload and an alert of no known severity, and the real
/// `infrasight sink`, `query alerts`, `status` and `top` binaries.
///
/// Merges of `alerts` are stopped on this server, so the plain table keeps every replay and only
/// `alerts_dedup` collapses them.
final class AlertSinkIntegrationTests: XCTestCase {
    nonisolated(unsafe) static var harness: PipelineHarness?
    nonisolated(unsafe) static var startupError: Error?
    /// The three alerts stored (warning, critical, notice), oldest first.
    nonisolated(unsafe) static var alerts: [AlertRecord] = []
    /// The second alert again, from another detect worker.
    nonisolated(unsafe) static var replayed = AlertRecord()
    nonisolated(unsafe) static var garbage: [(payload: [UInt8], reason: String)] = []

    override class func setUp() {
        super.setUp()
        do {
            let h = try PipelineHarness()
            harness = h
            try h.cli(["topics", "create", "--partitions", "3"])
            try h.cli(["schema", "apply"])
            _ = try h.clickhouse.query("SYSTEM STOP MERGES infrasight.alerts")
            try h.start("sink", ["sink"])
            try h.waitForLog("sink", containing: "infrasight.alerts[", timeout: 60)
            try produceAlerts(h)
            let sql = "SELECT count() FROM infrasight.alerts"
            guard h.waitForQuery(sql, equals: "5", timeout: 60) == "5" else {
                throw TestSupportError("the five alert rows never reached ClickHouse:\n\(h.dumpLogs())")
            }
        } catch {
            startupError = error
        }
    }

    override class func tearDown() {
        harness?.shutdown()
        super.tearDown()
    }

    func pipeline() throws -> PipelineHarness {
        if let error = Self.startupError { throw TestSupportError("broker, ClickHouse or sink did not start: \(error)") }
        return Self.harness!
    }

    /// Everything on one key (one partition, so in this order): the garbage first, then the alerts, the
    /// first one twice (a replay as it was), then the second from another worker.
    static func produceAlerts(_ h: PipelineHarness) throws {
        let now = UInt64(Date().timeIntervalSince1970) * 1_000_000_000
        alerts = SampleAlerts.three(baseNs: now - 30_000_000_000, host: "it-node-\(UInt32.random(in: 0...UInt32.max))")
        replayed = alerts[1]
        replayed.detectedNs += 7_000_000_000
        replayed.detectedBy = "node-b:4711"
        var unknownSeverity = SampleAlerts.make(rule: "Severity out of contract", severity: "SEVERE",
                                                eventIDs: ["55555555-5555-8555-8555-555555555555"], timeNs: now)
        unknownSeverity.host = alerts[0].host
        garbage = [([0xff, 0xff, 0xff, 0x0a, 0x01], "not an infrasight.v1.Alert"),
                   (unknownSeverity.encoded(), "severity 'SEVERE' is not one of emergency")]
        try produce(h, garbage.map(\.payload) + [alerts[0].encoded(), alerts[0].encoded(), alerts[1].encoded(),
                                                  alerts[2].encoded(), replayed.encoded()], key: alerts[0].key)
    }

    static func produce(_ h: PipelineHarness, _ values: [[UInt8]], key: [UInt8], topic: String = TopicNames.alerts) throws {
        let acked = LockedCounter()
        let producer = try KafkaProducer(config: KafkaClientConfig(brokers: h.broker.bootstrap, clientId: "it-alerts")) { report in
            if report.error == nil { acked.increment() }
        }
        defer { producer.close() }
        for (i, value) in values.enumerated() {
            try producer.send(topic: topic, key: key, value: value, token: UInt64(i + 1))
        }
        guard producer.flush(timeoutMs: 30_000), acked.value == values.count else {
            throw TestSupportError("the broker acknowledged \(acked.value) of \(values.count) messages to \(topic)")
        }
    }

    func rows(_ h: PipelineHarness, _ sql: String) throws -> [[String: Any]] {
        try h.clickhouse.query(sql + " FORMAT JSONEachRow").split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testAlertsAreStoredWithEveryFieldAndReplaysCollapseToOneRowPerAlertID() throws {
        let h = try pipeline()
        let a = Self.alerts
        let mine = "host = '\(a[0].host)'"
        let raw = try rows(h, "SELECT alert_id, count() AS n FROM infrasight.alerts WHERE \(mine) GROUP BY alert_id")
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: raw.map { ($0["alert_id"] as? String ?? "", "\($0["n"]!)") }),
                       [a[0].alertID: "2", a[1].alertID: "2", a[2].alertID: "1"], "the plain table keeps both copies of each replay")
        let dedup = try rows(h, """
            SELECT alert_id, toUInt32(time) AS s, time_ns, host, severity, rule, rule_version, tags, pid, exec_id, comm, exe, uid, user,
                   container_id, container_name, pod_name, pod_namespace, probe, message, event_ids, toUInt32(detected_time) AS ds,
                   detected_ns, detected_by, schema_version
            FROM infrasight.alerts_dedup WHERE \(mine) ORDER BY time_ns
            """)
        XCTAssertEqual(dedup.map { $0["alert_id"] as? String ?? "" }, a.map(\.alertID), "exactly one row per alert_id")
        for (row, alert) in zip(dedup, [a[0], Self.replayed, a[2]]) {
            XCTAssertEqual("\(row["s"]!)", "\(alert.timeNs / 1_000_000_000)")
            XCTAssertEqual("\(row["time_ns"]!)", "\(alert.timeNs)")
            XCTAssertEqual(row["host"] as? String, alert.host)
            XCTAssertEqual(row["severity"] as? String, alert.severity)
            XCTAssertEqual(row["rule"] as? String, alert.rule)
            XCTAssertEqual("\(row["rule_version"]!)", "\(alert.ruleVersion)")
            XCTAssertEqual(row["tags"] as? [String], alert.tags)
            XCTAssertEqual("\(row["pid"]!)", "\(alert.pid)")
            XCTAssertEqual(row["exec_id"] as? String, alert.execID)
            XCTAssertEqual(row["comm"] as? String, alert.comm)
            XCTAssertEqual(row["exe"] as? String, alert.exe)
            XCTAssertEqual("\(row["uid"]!)", "\(alert.uid)")
            XCTAssertEqual(row["user"] as? String, alert.user)
            XCTAssertEqual(row["container_id"] as? String, alert.containerID)
            XCTAssertEqual(row["container_name"] as? String, alert.containerName)
            XCTAssertEqual(row["pod_name"] as? String, alert.podName)
            XCTAssertEqual(row["pod_namespace"] as? String, alert.podNamespace)
            XCTAssertEqual(row["probe"] as? String, alert.probe)
            XCTAssertEqual(row["message"] as? String, alert.message)
            XCTAssertEqual(row["event_ids"] as? [String], alert.eventIDs)
            XCTAssertEqual("\(row["ds"]!)", "\(alert.detectedNs / 1_000_000_000)")
            XCTAssertEqual("\(row["detected_ns"]!)", "\(alert.detectedNs)")
            XCTAssertEqual(row["detected_by"] as? String, alert.detectedBy, "the replay inserted last is the row kept")
            XCTAssertEqual("\(row["schema_version"]!)", "1")
        }
    }

    func testMalformedAlertsAreDeadLetteredWithTheirReasonAndTheSinkCarriesOn() throws {
        let h = try pipeline()
        let consumer = try KafkaConsumer(config: KafkaClientConfig(brokers: h.broker.bootstrap, clientId: "it-alert-dlq"),
                                         groupId: "it-alert-dlq-\(UInt32.random(in: 0...UInt32.max))", topics: [TopicNames.deadLetter])
        defer { consumer.close() }
        var letters: [DeadLetter] = []
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, letters.filter({ $0.sourceTopic == TopicNames.alerts }).count < Self.garbage.count {
            if let m = try consumer.poll(timeoutMs: 500) { letters.append(try DeadLetter.decode(m.value)) }
        }
        let mine = letters.filter { $0.sourceTopic == TopicNames.alerts }
        XCTAssertEqual(mine.count, Self.garbage.count, "dead letters: \(letters)\n\(h.dumpLogs())")
        for (payload, reason) in Self.garbage {
            let letter = try XCTUnwrap(mine.first { $0.payload == payload }, "no dead letter for \(payload.prefix(8))")
            XCTAssertEqual(letter.stage, "sink")
            XCTAssertTrue(letter.reason.contains(reason), "reason \(letter.reason), expected \(reason)")
            XCTAssertGreaterThanOrEqual(letter.sourceOffset, 0)
        }
        // The alerts behind the garbage on its partition were stored (the setUp waited for them), and the
        // sink counted the dead letters as malformed.
        XCTAssertEqual(h.waitForQuery("""
            SELECT max(value) >= 2 FROM infrasight.pipeline_stats WHERE stage = 'sink' AND counter = 'dead_lettered{malformed}'
            """, equals: "1", timeout: 30), "1", h.dumpLogs())
        XCTAssertEqual(try h.clickhouse.query("SELECT count() FROM infrasight.alerts WHERE rule = 'Severity out of contract'"), "0\n")
    }

    /// `query alerts` as a user runs it: newest first, one row per alert_id, narrowed by severity (this or
    /// more severe), rule and host; `--rule`/`--severity` are refused for the other presets.
    func testQueryAlertsPrintsThemNewestFirstOncePerAlertID() throws {
        let h = try pipeline()
        let a = Self.alerts
        func ids(_ args: [String]) throws -> [String] {
            try h.cli(["query", "alerts", "--format", "json", "--host", a[0].host] + args).split(separator: "\n").map {
                try XCTUnwrap((JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["alert_id"] as? String)
            }
        }
        XCTAssertEqual(try ids([]), [a[2].alertID, a[1].alertID, a[0].alertID])
        XCTAssertEqual(try ids(["--severity", "warning"]), [a[1].alertID, a[0].alertID], "warning and more severe")
        XCTAssertEqual(try ids(["--severity", "critical"]), [a[1].alertID])
        XCTAssertEqual(try ids(["--rule", a[2].rule]), [a[2].alertID])
        XCTAssertEqual(try ids(["--rule", "x' OR 1=1 OR rule='"]), [], "the rule is a literal")
        XCTAssertEqual(try ids(["--limit", "1"]), [a[2].alertID])

        let json = try h.cli(["query", "alerts", "--format", "json", "--host", a[0].host, "--rule", a[1].rule])
        let row = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], json)
        XCTAssertEqual(row["severity"] as? String, "critical")
        XCTAssertEqual(row["host"] as? String, a[1].host)
        XCTAssertEqual("\(row["pid"]!)", "\(a[1].pid)")
        XCTAssertEqual(row["container"] as? String, a[1].containerName)
        XCTAssertEqual(row["message"] as? String, a[1].message)
        let table = try h.cli(["query", "alerts", "--host", a[0].host])
        for alert in a { XCTAssertTrue(table.contains(alert.rule), table) }
        XCTAssertTrue(table.contains("(3 rows)"), table)
        XCTAssertThrowsError(try h.cli(["query", "alerts", "--severity", "severe"])) { XCTAssertTrue("\($0)".contains("emergency"), "\($0)") }
        XCTAssertThrowsError(try h.cli(["query", "execs", "--rule", "x"])) { XCTAssertTrue("\($0)".contains("query alerts"), "\($0)") }
    }

    /// Once detect's stats records arrive, `status` lists the detect stage and the recent alerts, and `top`
    /// has a detect row.
    func testStatusAndTopListTheDetectStage() throws {
        let h = try pipeline()
        let now = WallClock.nowNanos()
        let records = [StatsRecord(stage: "detect", instance: "it-detect", host: "it-node", timeNs: now - 2_000_000_000,
                                   counters: ["received": 100, "produced": 1, "lag": 0]),
                       StatsRecord(stage: "detect", instance: "it-detect", host: "it-node", timeNs: now,
                                   counters: ["received": 500, "produced": 9, "lag": 4, "dead_lettered": 0])]
        try Self.produce(h, records.map { $0.encoded() }, key: Array("detect".utf8), topic: TopicNames.stats)
        XCTAssertEqual(h.waitForQuery("SELECT uniqExact(time_ns) FROM infrasight.pipeline_stats WHERE stage = 'detect'", equals: "2", timeout: 30),
                       "2", h.dumpLogs())

        let status = try h.cli(["status", "--since", "60"])
        let stages = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("stages") }, status)
        // In pipeline order; the sink has one instance, or two when it was restarted within the window
        // (testARestartedSinkRereadsNothing).
        XCTAssertTrue(stages.contains(": detect 1, sink "), status)
        let alerts = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("alerts") }, status)
        XCTAssertTrue(alerts.hasSuffix(": 3 (critical 1, warning 1, notice 1)"), "\(alerts)")

        let top = try h.cli(["top", "--iterations", "1", "--interval", "1"])
        let lines = top.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let header = try XCTUnwrap(lines.first { $0.first == "STAGE" }, top)
        let detect = try XCTUnwrap(lines.first { $0.count == header.count && $0[0] == "detect" }, "no detect row:\n\(top)")
        XCTAssertEqual(detect[1], "all")
        XCTAssertEqual(detect[2], "200.0", "IN/s: 400 received in 2 s\n\(top)")
        XCTAssertEqual(detect[3], "4.0", "OUT/s: 8 alerts in 2 s\n\(top)")
        XCTAssertEqual(detect[4], "4", "LAG\n\(top)")
        XCTAssertEqual(detect[9], "1", "INST\n\(top)")
        let order = lines.compactMap { $0.count == header.count && $0[1] == "all" ? $0[0] : nil }
        XCTAssertEqual(order, ["agent", "enrich", "detect", "sink"], top)
    }

    /// Offsets are committed once the rows are stored: a restarted sink re-reads nothing, and an alert
    /// produced after the restart (on the same partition, behind the earlier ones) is stored once beside
    /// them. (It has another host and is two hours old, out of the other tests' sight.)
    func testARestartedSinkRereadsNothing() throws {
        let h = try pipeline()
        XCTAssertEqual(h.stages["sink"]?.stop(grace: 40), 0, h.log("sink"))
        try h.restart("sink", ["sink"])
        try h.waitForLog("sink", containing: "infrasight.alerts[", timeout: 60)
        var late = SampleAlerts.make(rule: "After the restart", severity: "error", eventIDs: ["66666666-6666-8666-8666-666666666666"],
                                     timeNs: WallClock.nowNanos() - 7_200_000_000_000, host: "it-late-node")
        late.detectedBy = "node-a:778"
        try Self.produce(h, [late.encoded()], key: Self.alerts[0].key)
        XCTAssertEqual(h.waitForQuery("SELECT count() FROM infrasight.alerts WHERE alert_id = '\(late.alertID)'", equals: "1", timeout: 60),
                       "1", h.dumpLogs())
        XCTAssertEqual(try h.clickhouse.query("SELECT count() FROM infrasight.alerts WHERE alert_id != '\(late.alertID)'"), "5\n",
                       "the rows stored before the restart were not inserted again")
    }
}
