import InfraSightCore
import XCTest

/// `infrasight top`'s logic: rates from counter deltas (stats records and committed offsets), rows per
/// stage and probe, and the table text.
final class TopViewTests: XCTestCase {
    static let second: UInt64 = 1_000_000_000
    static let t0: UInt64 = 1_700_000_000 * second

    func record(_ stage: String, _ instance: String, at seconds: UInt64, _ counters: [String: UInt64]) -> StatsRecord {
        StatsRecord(stage: stage, instance: instance, host: "h", timeNs: Self.t0 + seconds * Self.second, counters: counters)
    }

    func testCounterRateIsTheIncreaseOverTheTimeApartAndSurvivesARestart() {
        XCTAssertEqual(CounterRate.perSecond(from: 100, to: 300, nanoseconds: 4 * Self.second), 50)
        XCTAssertEqual(CounterRate.perSecond(from: 100, to: 100, nanoseconds: Self.second), 0)
        XCTAssertEqual(CounterRate.perSecond(from: 500, to: 30, nanoseconds: 2 * Self.second), 15, "restart: counting from 0 again")
        XCTAssertEqual(CounterRate.perSecond(from: 1, to: 9, nanoseconds: 0), 0)
    }

    func testStatsWindowSumsInstancesAndUsesTheTwoNewestRecords() {
        var w = StatsWindow()
        w.add(record("enrich", "a", at: 0, ["received": 0]))
        w.add(record("enrich", "a", at: 2, ["received": 100]))
        w.add(record("enrich", "a", at: 4, ["received": 500]))        // newest pair: 400 in 2 s
        w.add(record("enrich", "a", at: 3, ["received": 999]))        // out of order: ignored
        w.add(record("enrich", "b", at: 1, ["received": 10, "lag": 7]))
        w.add(record("enrich", "b", at: 6, ["received": 60, "lag": 3])) // 50 in 5 s
        w.add(record("enrich", "c", at: 5, ["received": 5, "lag": 4]))  // one record: no rate yet, but counts
        let now = Self.t0 + 6 * Self.second
        let fresh = 60 * Self.second
        XCTAssertEqual(w.rate(stage: "enrich", counter: "received", nowNanos: now, staleAfterNanos: fresh), 200 + 10)
        XCTAssertNil(w.rate(stage: "enrich", counter: "produced", nowNanos: now, staleAfterNanos: fresh))
        XCTAssertEqual(w.total(stage: "enrich", nowNanos: now, staleAfterNanos: fresh) { $0 == "lag" }, 7)
        XCTAssertEqual(w.instanceCount(stage: "enrich", nowNanos: now, staleAfterNanos: fresh), 3)
        // An instance silent for longer than staleAfter is left out.
        XCTAssertEqual(w.instanceCount(stage: "enrich", nowNanos: now, staleAfterNanos: Self.second), 2)
        XCTAssertEqual(w.rate(stage: "enrich", counter: "received", nowNanos: now, staleAfterNanos: Self.second), 10)
        XCTAssertNil(w.rate(stage: "sink", counter: "received", nowNanos: now, staleAfterNanos: fresh))
    }

    func testOffsetSampleRatePerProbe() {
        let a = OffsetSample(timeNanos: Self.t0, committed: [.execve: 1000, .open: 50])
        let b = OffsetSample(timeNanos: Self.t0 + 2 * Self.second, committed: [.execve: 1600, .open: 50, .chmod: 3])
        XCTAssertEqual(b.rate(since: a, probe: .execve), 300)
        XCTAssertEqual(b.rate(since: a, probe: .open), 0)
        XCTAssertNil(b.rate(since: a, probe: .chmod), "no earlier sample of chmod")
        XCTAssertNil(b.rate(since: nil, probe: .execve))
        XCTAssertNil(a.rate(since: b, probe: .execve), "samples out of order")
    }

    func testRowsPerStageAndProbe() throws {
        var w = StatsWindow()
        w.add(record("agent", "ag", at: 0, ["received": 0, "produced": 0, "received{execve}": 0, "produced{execve}": 0,
                                            "received{open}": 0, "produced{open}": 0]))
        w.add(record("agent", "ag", at: 2, ["received": 40, "produced": 38, "received{execve}": 10, "produced{execve}": 10,
                                            "received{open}": 30, "produced{open}": 28, "dropped": 2, "dead_lettered": 0,
                                            "lost{ringbuf_reserve}": 5, "lost{ringbuf_reserve,open}": 4,
                                            "lost{ringbuf_reserve,execve}": 1, "lost{decode,open}": 2, "lost{decode}": 2,
                                            "throttled": 6, "throttled{open}": 6]))
        w.add(record("enrich", "en", at: 0, ["received": 0, "produced": 0]))
        w.add(record("enrich", "en", at: 2, ["received": 30, "produced": 29, "dead_lettered": 1, "lag": 9,
                                             "lag{infrasight.raw.execve/0}": 2, "lag{infrasight.raw.execve/1}": 3,
                                             "lag{infrasight.raw.open/0}": 4]))
        w.add(record("sink", "si", at: 1, ["received": 10, "inserted": 10, "lag": 0]))
        w.add(record("sink", "si", at: 2, ["received": 20, "inserted": 18, "lag": 1, "lag{infrasight.events.open/0}": 1]))
        let enrich = (previous: Optional(OffsetSample(timeNanos: Self.t0, committed: [.execve: 0, .open: 0])),
                      latest: Optional(OffsetSample(timeNanos: Self.t0 + 4 * Self.second, committed: [.execve: 8, .open: 20])))
        let sink = (previous: Optional(OffsetSample(timeNanos: Self.t0, committed: [.open: 100])),
                    latest: Optional(OffsetSample(timeNanos: Self.t0 + 4 * Self.second, committed: [.open: 140])))
        let top = TopRows(stats: w, enrich: enrich, sink: sink, nowNanos: Self.t0 + 3 * Self.second, staleAfterNanos: 60 * Self.second)
        XCTAssertEqual(top.probes, [.execve, .open])
        let rows = top.rows()
        XCTAssertEqual(rows.map { "\($0.stage)/\($0.probe)" },
                       ["agent/all", "agent/execve", "agent/open", "enrich/all", "enrich/execve", "enrich/open",
                        "sink/all", "sink/execve", "sink/open"])
        func row(_ s: String, _ p: String) throws -> TopRow { try XCTUnwrap(rows.first { $0.stage == s && $0.probe == p }) }
        XCTAssertEqual(try row("agent", "all"), TopRow(stage: "agent", probe: "all", inPerSecond: 20, outPerSecond: 19,
                                                       lost: 7, dropped: 2, deadLettered: 0, throttled: 6, instances: 1))
        XCTAssertEqual(try row("agent", "open"), TopRow(stage: "agent", probe: "open", inPerSecond: 15, outPerSecond: 14,
                                                        lost: 6, throttled: 6))
        XCTAssertEqual(try row("agent", "execve"), TopRow(stage: "agent", probe: "execve", inPerSecond: 5, outPerSecond: 5,
                                                          lost: 1, throttled: nil))
        XCTAssertEqual(try row("enrich", "all"), TopRow(stage: "enrich", probe: "all", inPerSecond: 15, outPerSecond: 14.5,
                                                        lag: 9, deadLettered: 1, instances: 1))
        XCTAssertEqual(try row("enrich", "execve"), TopRow(stage: "enrich", probe: "execve", inPerSecond: 2, lag: 5))
        XCTAssertEqual(try row("enrich", "open"), TopRow(stage: "enrich", probe: "open", inPerSecond: 5, lag: 4))
        XCTAssertEqual(try row("sink", "all"), TopRow(stage: "sink", probe: "all", inPerSecond: 10, outPerSecond: 8,
                                                      lag: 1, instances: 1))
        XCTAssertEqual(try row("sink", "open"), TopRow(stage: "sink", probe: "open", inPerSecond: 10, lag: 1))
        XCTAssertEqual(try row("sink", "execve"), TopRow(stage: "sink", probe: "execve"), "no offsets, no lag: nothing known")
    }

    /// Detect gets one row, between enrich and the sink, while an instance of it reports; none otherwise.
    func testDetectRowAppearsWhileDetectReports() throws {
        var w = StatsWindow()
        w.add(record("enrich", "en", at: 0, ["received": 0, "produced": 0]))
        w.add(record("sink", "si", at: 0, ["received": 0, "inserted": 0]))
        let none: (previous: OffsetSample?, latest: OffsetSample?) = (nil, nil)
        func stages(_ now: UInt64) -> [String] {
            TopRows(stats: w, enrich: none, sink: none, nowNanos: Self.t0 + now * Self.second, staleAfterNanos: 60 * Self.second)
                .rows().map { "\($0.stage)/\($0.probe)" }
        }
        XCTAssertEqual(stages(4), ["agent/all", "enrich/all", "sink/all"], "no detect records: no detect row")
        w.add(record("detect", "de", at: 0, ["received": 100, "produced": 1, "lag": 3]))
        w.add(record("detect", "de", at: 4, ["received": 500, "produced": 9, "lag": 5, "dead_lettered": 2, "dropped": 0]))
        XCTAssertEqual(stages(4), ["agent/all", "enrich/all", "detect/all", "sink/all"])
        let top = TopRows(stats: w, enrich: none, sink: none, nowNanos: Self.t0 + 4 * Self.second, staleAfterNanos: 60 * Self.second)
        let rows = top.rows()
        let detect = try XCTUnwrap(rows.first { $0.stage == "detect" })
        XCTAssertEqual(detect, TopRow(stage: "detect", probe: "all", inPerSecond: 100, outPerSecond: 2, lag: 5, dropped: 0,
                                      deadLettered: 2, instances: 1))
        XCTAssertFalse(rows.contains { $0.stage == "detect" && $0.probe != "all" }, "detect has no per-probe rows")
        XCTAssertEqual(stages(4 + 61), ["agent/all", "enrich/all", "sink/all"], "a detect silent for longer than stale-after drops out")
    }

    func testStagesAreListedInPipelineOrder() {
        XCTAssertEqual(PipelineStages.ordered(["sink", "zeta", "detect", "agent", "enrich", "sink", "alpha"]),
                       ["agent", "enrich", "detect", "sink", "alpha", "zeta"])
        XCTAssertEqual(PipelineStages.ordered([String]()), [])
    }

    func testTableAlignsColumnsAndMarksUnknownValues() {
        let rows = [TopRow(stage: "agent", probe: "all", inPerSecond: 1234.56, outPerSecond: 0, lost: 12, dropped: 0,
                           deadLettered: 0, throttled: 3, instances: 2),
                    TopRow(stage: "enrich", probe: "execve", inPerSecond: 2.25, lag: 100000)]
        let lines = TopTable.render(rows).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[0].split(separator: " ").map(String.init), TopTable.columns)
        XCTAssertEqual(lines[1].split(separator: " ").map(String.init), ["agent", "all", "1234.6", "0.0", "-", "12", "0", "0", "3", "2"])
        XCTAssertEqual(lines[2].split(separator: " ").map(String.init), ["enrich", "execve", "2.2", "-", "100000", "-", "-", "-", "-", "-"])
        // Numbers are right-aligned: every line's IN/s column ends at the same place.
        let end = { (line: String, cell: String) in line.range(of: cell)!.upperBound.utf16Offset(in: line) }
        XCTAssertEqual(end(lines[0], "IN/s"), end(lines[1], "1234.6"))
        XCTAssertEqual(end(lines[1], "1234.6"), end(lines[2], "2.2"))
        XCTAssertFalse(lines.contains { $0.hasSuffix(" ") })
    }

    func testFramesClearTheScreenOnlyOnATerminal() {
        let rows = [TopRow(stage: "sink", probe: "all", inPerSecond: 1)]
        let tty = TopTable.frame(title: "title", rows: rows, terminal: true)
        let plain = TopTable.frame(title: "title", rows: rows, terminal: false)
        XCTAssertTrue(tty.hasPrefix(TopTable.clearScreen))
        XCTAssertFalse(plain.contains("\u{1B}"))
        XCTAssertEqual(plain, "title\n" + TopTable.render(rows) + "\n\n")
        XCTAssertEqual(tty, TopTable.clearScreen + "title\n" + TopTable.render(rows) + "\n")
    }
}
