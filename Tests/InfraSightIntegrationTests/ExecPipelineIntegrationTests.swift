import Foundation
import InfraSightCore
import InfraSightKafka
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The whole path with everything real: kernel execve events captured by the BPF agent, through a real
/// Kafka-protocol broker (tansu) and two enrich workers, into a real ClickHouse by the sink.
final class ExecPipelineIntegrationTests: XCTestCase {
    nonisolated(unsafe) static var harness: PipelineHarness?
    nonisolated(unsafe) static var startupError: Error?

    override class func setUp() {
        super.setUp()
        do {
            let h = try PipelineHarness()
            harness = h
            try h.startPipeline()
        } catch {
            startupError = error
        }
    }

    override class func tearDown() {
        harness?.shutdown()
        super.tearDown()
    }

    func pipeline() throws -> PipelineHarness {
        if let error = Self.startupError {
            throw TestSupportError("pipeline did not start: \(error)\n\(Self.harness?.dumpLogs() ?? "")")
        }
        return Self.harness!
    }

    /// What one spawned command should look like in ClickHouse.
    struct Expected {
        var argv: [String]
        var pid: pid_t?
        var ret: Int64
    }

    /// Spawns commands whose argv[2] is `runID` (argv[3] in ClickHouse's 1-based arrays).
    func spawnCommands(runID: String, count: Int, failEvery: Int = 0) -> [String: Expected] {
        var expected: [String: Expected] = [:]
        for i in 0..<count {
            let tag = "cmd-\(i)"
            if failEvery > 0, i % failEvery == failEvery - 1 {
                let argv = ["/nonexistent/infrasight-\(runID)/\(tag)", "infrasight-it", runID, tag, "fails"]
                let r = CommandSpawner.run(argv)
                XCTAssertEqual(r.error, ENOENT, "exec of a missing path must fail with ENOENT")
                expected[tag] = Expected(argv: argv, pid: nil, ret: -Int64(ENOENT))
            } else {
                let argv = ["/bin/echo", "infrasight-it", runID, tag, "arg with spaces \(i)", "ünïcode-\(i)", ""]
                let r = CommandSpawner.run(argv)
                XCTAssertEqual(r.error, 0, "spawn of \(argv) failed: \(r.error)")
                expected[tag] = Expected(argv: argv, pid: r.pid, ret: 0)
            }
        }
        return expected
    }

    func testTwoHundredCommandsLandInClickHouseExactlyOnceWithExactFields() throws {
        let h = try pipeline()
        let runID = "run\(UInt64.random(in: 0...UInt64.max))"
        let startNs = WallClock.nowNanos()
        let expected = spawnCommands(runID: runID, count: 200, failEvery: 10)
        let endNs = WallClock.nowNanos()

        let countSQL = "SELECT count() FROM infrasight.exec_events WHERE length(argv) >= 3 AND argv[3] = '\(runID)'"
        let got = h.waitForQuery(countSQL, equals: "200", timeout: 120)
        XCTAssertEqual(got, "200", "exec_events rows for this run\n\(h.dumpLogs())")
        sleep(3)   // a late duplicate would show up here
        let rows = try ExecRowQuery.rows(in: h.clickhouse, runID: runID)
        XCTAssertEqual(rows.count, 200)

        let byTag = Dictionary(grouping: rows, by: { $0.argv.count > 3 ? $0.argv[3] : "?" })
        XCTAssertEqual(Set(rows.map(\.eventID)).count, rows.count, "event ids must be unique")
        // Process context from the agent's ProcessCache: one exec_id per execution, and every command's
        // parent is this test process (read from /proc: it started before the agent).
        let succeeded = rows.filter { $0.ret == 0 }
        XCTAssertEqual(succeeded.count, 180)
        XCTAssertEqual(Set(succeeded.map(\.execID)).count, succeeded.count, "one exec_id per execution")
        XCTAssertFalse(succeeded.contains { $0.execID.isEmpty }, "every successful exec has an exec_id")
        XCTAssertEqual(Set(rows.map(\.parentExecID)).count, 1, "one parent: the test process")
        XCTAssertFalse(rows[0].parentExecID.isEmpty)
        let me = UInt32(getpid())
        for (tag, exp) in expected {
            guard let matches = byTag[tag] else { XCTFail("\(tag) missing from ClickHouse"); continue }
            XCTAssertEqual(matches.count, 1, "\(tag) stored \(matches.count) times")
            let row = matches[0]
            XCTAssertEqual(row.argv, exp.argv, tag)
            XCTAssertEqual(row.filename, exp.argv[0], tag)
            XCTAssertEqual(row.ret, exp.ret, tag)
            XCTAssertEqual(row.errnoName, exp.ret == 0 ? "" : "ENOENT", tag)
            XCTAssertEqual(row.ppid, me, "\(tag): parent is the test process")
            XCTAssertEqual(row.ancestorsPid.first, me, "\(tag): nearest ancestor is the test process")
            XCTAssertEqual(row.uid, 0, tag)
            XCTAssertEqual(row.gid, 0, tag)
            XCTAssertEqual(row.user, "root", tag)
            if let pid = exp.pid {
                XCTAssertEqual(row.pid, UInt32(pid), tag)
                XCTAssertEqual(row.comm, "echo", tag)
            } else {
                XCTAssertNotEqual(row.pid, 0, tag)
            }
            XCTAssertGreaterThan(row.latencyNs, 0, tag)
            XCTAssertFalse(row.host.isEmpty, tag)
            XCTAssertGreaterThanOrEqual(row.timeNs + 50_000_000, startNs, "\(tag): wall-clock time from the boot clock")
            XCTAssertLessThanOrEqual(row.timeNs, endNs + 50_000_000, tag)
        }
    }

    func testMalformedMessagesGoToTheDeadLetterQueueAndThePipelineCarriesOn() throws {
        let h = try pipeline()
        let kafka = KafkaClientConfig(brokers: h.broker.bootstrap, clientId: "it-garbage", options: [:])
        var acked = 0
        let producer = try KafkaProducer(config: kafka, idempotent: true) { report in
            if report.error == nil { acked += 1 }
        }
        let garbage: [(String, [UInt8])] = [
            (Probe.execve.rawTopic, [0xde, 0xad, 0xbe, 0xef]),
            (Probe.execve.rawTopic, Array("not protobuf at all".utf8)),
            (Probe.execve.rawTopic, []),
            (Probe.execve.enrichedTopic, [0xff, 0xff, 0xff]),
            (Probe.execve.enrichedTopic, Array("{\"json\":true}".utf8)),
        ]
        for (i, (topic, value)) in garbage.enumerated() {
            try producer.send(topic: topic, key: Array("garbage-\(i)".utf8), value: value, token: UInt64(i + 1))
        }
        XCTAssertTrue(producer.flush(timeoutMs: 30_000))
        XCTAssertEqual(acked, garbage.count)
        producer.close()

        let consumer = try KafkaConsumer(config: kafka, groupId: "it-dlq-\(UInt32.random(in: 0...UInt32.max))",
                                         topics: [TopicNames.deadLetter])
        defer { consumer.close() }
        var letters: [DeadLetter] = []
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, letters.count < garbage.count {
            if let m = try consumer.poll(timeoutMs: 500) {
                letters.append(try DeadLetter.decode(m.value))
            }
        }
        XCTAssertEqual(letters.count, garbage.count, "dead letters\n\(h.dumpLogs())")
        for (topic, value) in garbage {
            let match = letters.first { $0.sourceTopic == topic && $0.payload == value }
            XCTAssertNotNil(match, "no dead letter for \(value.count)-byte message on \(topic)")
            guard let letter = match else { continue }
            XCTAssertEqual(letter.stage, topic == Probe.execve.rawTopic ? "enrich" : "sink")
            XCTAssertFalse(letter.reason.isEmpty)
            XCTAssertGreaterThanOrEqual(letter.sourceOffset, 0)
        }

        // The stages carry on: a command after the garbage still lands.
        let runID = "after-dlq-\(UInt32.random(in: 0...UInt32.max))"
        _ = spawnCommands(runID: runID, count: 5)
        XCTAssertEqual(h.waitForQuery("SELECT count() FROM infrasight.exec_events WHERE length(argv) >= 3 AND argv[3] = '\(runID)'",
                                      equals: "5", timeout: 60), "5", h.dumpLogs())
    }

    func testClickHouseOutageIsRetriedAndNothingIsLostOrDuplicated() throws {
        let h = try pipeline()
        h.clickhouse.kill()
        let runID = "ch-outage-\(UInt32.random(in: 0...UInt32.max))"
        _ = spawnCommands(runID: runID, count: 30)
        try h.waitForLog("sink", containing: "Retrying in", timeout: 30)
        try h.clickhouse.restart()
        let sql = "SELECT count(), uniqExact(event_id) FROM infrasight.exec_events_dedup WHERE length(argv) >= 3 AND argv[3] = '\(runID)' FORMAT TabSeparated"
        XCTAssertEqual(h.waitForQuery(sql, equals: "30\t30", timeout: 90), "30\t30", h.dumpLogs())
    }

    func testBrokerFreezeIsRiddenOutWithoutLoss() throws {
        let h = try pipeline()
        h.broker.freeze()
        let runID = "broker-freeze-\(UInt32.random(in: 0...UInt32.max))"
        _ = spawnCommands(runID: runID, count: 30)
        sleep(8)
        h.broker.thaw()
        let sql = "SELECT count(), uniqExact(event_id) FROM infrasight.exec_events_dedup WHERE length(argv) >= 3 AND argv[3] = '\(runID)' FORMAT TabSeparated"
        XCTAssertEqual(h.waitForQuery(sql, equals: "30\t30", timeout: 120), "30\t30", h.dumpLogs())
    }

    func testGracefulShutdownCommitsAndARestartedPipelineRereadsNothing() throws {
        let h = try pipeline()
        let runID = "restart-\(UInt32.random(in: 0...UInt32.max))"
        _ = spawnCommands(runID: runID, count: 20)
        let sql = "SELECT count() FROM infrasight.exec_events WHERE length(argv) >= 3 AND argv[3] = '\(runID)'"
        XCTAssertEqual(h.waitForQuery(sql, equals: "20", timeout: 60), "20", h.dumpLogs())
        let statuses = h.stopStages()
        for (name, status) in statuses {
            XCTAssertEqual(status, 0, "\(name) exit status after SIGTERM\n\(h.log(name).suffix(3000))")
        }
        XCTAssertTrue(h.log("sink").contains("all consumed rows stored and committed"), h.log("sink"))
        XCTAssertTrue(h.log("agent").contains("agent stopping"), h.log("agent"))
        // Restart: committed offsets mean nothing is inserted twice (raw count, no FINAL).
        try h.startStages()
        sleep(5)
        XCTAssertEqual(h.waitForQuery(sql, equals: "20", timeout: 5), "20", "rows re-inserted after restart\n\(h.dumpLogs())")
    }
}
