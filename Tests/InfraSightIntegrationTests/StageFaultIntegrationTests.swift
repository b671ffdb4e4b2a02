import Foundation
import InfraSightCore
import InfraSightKafka
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Fault tests for the enrich and sink stages with real components: a steady stream of generated raw
/// events goes through the real broker, two enrich workers and the sink into ClickHouse 18.16 while one
/// fault happens; afterwards every acknowledged event_id is stored, and none twice after the documented
/// dedup query (`infrasight.exec_events_dedup`).
final class StageFaultIntegrationTests: XCTestCase {
    nonisolated(unsafe) static var harness: PipelineHarness?
    nonisolated(unsafe) static var startupError: Error?

    override class func setUp() {
        super.setUp()
        do {
            let h = try PipelineHarness()
            harness = h
            try h.startPipeline(agent: false)
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

    /// Runs the generator for `seconds`, calling `fault` after `faultAfter` seconds, then checks storage.
    func stream(_ name: String, seconds: Double, faultAfter: Double, rate: Int = 400, garbageEvery: Int = 0,
                fault: (PipelineHarness) throws -> Void) throws -> (EventGenerator, PipelineHarness) {
        let h = try pipeline()
        let runID = "\(name)-\(UInt32.random(in: 0...UInt32.max))"
        let gen = try EventGenerator(brokers: h.broker.bootstrap, runID: runID, ratePerSecond: rate, garbageEvery: garbageEvery)
        gen.start()
        Thread.sleep(forTimeInterval: faultAfter)
        try fault(h)
        Thread.sleep(forTimeInterval: max(0, seconds - faultAfter))
        gen.stop()
        XCTAssertEqual(gen.deliveryFailures, 0, "generator deliveries failed")
        let ids = gen.acknowledgedIDs
        XCTAssertGreaterThan(ids.count, 100, "the generator must have produced a real stream")
        let sql = "SELECT count(), uniqExact(event_id) FROM infrasight.exec_events_dedup WHERE length(argv) >= 2 AND argv[2] = '\(runID)' FORMAT TabSeparated"
        let expected = "\(ids.count)\t\(ids.count)"
        let got = h.waitForQuery(sql, equals: expected, timeout: 150)
        XCTAssertEqual(got, expected, "stored vs acknowledged for \(runID)\n\(h.dumpLogs())")
        if got == expected {
            let stored = try h.clickhouse.query("SELECT event_id FROM infrasight.exec_events_dedup WHERE length(argv) >= 2 AND argv[2] = '\(runID)' FORMAT TabSeparated")
            XCTAssertEqual(Set(stored.split(separator: "\n").map(String.init)), ids, "exactly the acknowledged ids")
        }
        return (gen, h)
    }

    func testSinkKilledMidBatchLosesAndDuplicatesNothing() throws {
        _ = try stream("sink-kill", seconds: 12, faultAfter: 4) { h in
            h.stages["sink"]?.signal(SIGKILL)
            h.stages["sink"]?.process.waitUntilExit()
            try h.restart("sink", ["sink"])
        }
    }

    func testEnrichWorkerKilledMidStreamLosesNothing() throws {
        _ = try stream("enrich-kill", seconds: 12, faultAfter: 4) { h in
            h.stages["enrich-1"]?.signal(SIGKILL)
            h.stages["enrich-1"]?.process.waitUntilExit()
            Thread.sleep(forTimeInterval: 2)
            try h.restart("enrich-1", ["enrich"])
        }
    }

    func testWorkersJoiningAndLeavingLoseNothing() throws {
        _ = try stream("rebalance", seconds: 20, faultAfter: 3) { h in
            try h.start("enrich-3", ["enrich"])
            Thread.sleep(forTimeInterval: 6)
            XCTAssertEqual(h.stages["enrich-2"]?.stop(grace: 40), 0, "a leaving worker drains and exits cleanly")
            XCTAssertTrue(h.log("enrich-2").contains("partitions revoked"), h.log("enrich-2"))
            try h.restart("enrich-2", ["enrich"])
        }
    }

    func testBrokerFrozenTwentySecondsLosesNothing() throws {
        _ = try stream("broker-freeze-20s", seconds: 26, faultAfter: 3) { h in
            h.broker.freeze()
            Thread.sleep(forTimeInterval: 20)
            h.broker.thaw()
        }
    }

    func testClickHouseKilledAndRestartedMidStreamLosesNothing() throws {
        _ = try stream("clickhouse-kill", seconds: 12, faultAfter: 3) { h in
            h.clickhouse.kill()
            Thread.sleep(forTimeInterval: 4)
            try h.clickhouse.restart()
        }
    }

    func testOnePercentGarbageIsDeadLetteredAndGoodEventsAllLand() throws {
        let (gen, h) = try stream("garbage", seconds: 8, faultAfter: 0, garbageEvery: 100) { _ in }
        let garbage = gen.acknowledgedGarbage
        XCTAssertGreaterThan(garbage.count, 5)
        let consumer = try KafkaConsumer(config: KafkaClientConfig(brokers: h.broker.bootstrap, clientId: "it-dlq"),
                                         groupId: "it-dlq-\(UInt32.random(in: 0...UInt32.max))", topics: [TopicNames.deadLetter])
        defer { consumer.close() }
        var found = Set<[UInt8]>()
        let wanted = Set(garbage)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !wanted.isSubset(of: found) {
            guard let m = try consumer.poll(timeoutMs: 500) else { continue }
            let letter = try DeadLetter.decode(m.value)
            if wanted.contains(letter.payload) {
                XCTAssertEqual(letter.stage, "enrich")
                XCTAssertEqual(letter.sourceTopic, Probe.execve.rawTopic)
                XCTAssertTrue(letter.reason.contains("protobuf") || letter.reason.contains("event_id") || letter.reason.contains("probe"), letter.reason)
                found.insert(letter.payload)
            }
        }
        XCTAssertEqual(found.count, wanted.count, "every garbage message is in the DLQ")
    }

    func testTwoWorkersInOneGroupBothMakeProgress() throws {
        let (gen, h) = try stream("scaling", seconds: 6, faultAfter: 0) { _ in }
        let runID = gen.runID
        let byWorker = try h.clickhouse.query("SELECT enriched_by, count() FROM infrasight.exec_events_dedup WHERE length(argv) >= 2 AND argv[2] = '\(runID)' GROUP BY enriched_by FORMAT TabSeparated")
        let workers = byWorker.split(separator: "\n").filter { ($0.split(separator: "\t").last.flatMap { Int($0) } ?? 0) > 0 }
        XCTAssertGreaterThanOrEqual(workers.count, 2, "events enriched per worker:\n\(byWorker)")
    }

    func testStatsReachPipelineStats() throws {
        let h = try pipeline()
        let got = h.waitForQuery("SELECT uniqExact(stage) >= 2 FROM infrasight.pipeline_stats WHERE counter = 'received' FORMAT TabSeparated",
                                 equals: "1", timeout: 30)
        XCTAssertEqual(got, "1", "pipeline_stats rows\n\((try? h.clickhouse.query("SELECT stage, counter, max(value) FROM infrasight.pipeline_stats GROUP BY stage, counter FORMAT TabSeparated")) ?? "")")
    }
}
