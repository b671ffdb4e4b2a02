import Foundation

/// Row 3: one enrich worker draining what row 2 left in infrasight.raw.open, against a C
/// pass-through consumer/producer (no decoding, no enrichment) over the same messages.
struct EnrichRow {
    let env: BenchEnvironment
    let stack: Stack
    let stages: Stages
    let group: String

    /// Runs the pass-through first (it also captures payloads for row 2's baseline into `dump`).
    func run(expect: Double, dump: String) throws -> (RowResult, Double) {
        let pass = runCommand(env.rdkBench, ["pass", stack.brokers, "infrasight.raw.open", "bench.pass", Fmt.int(expect), "15", dump])
        let passRate = keyValue(pass.output, "rate") ?? 0

        let (enrich, port) = try stages.enrich(group: group)
        let drained = Drain.watch(port: port, counter: "infrasight_enrich_produced_total", expect: expect, idle: 15)
        let m = MetricsScrape.fetch(port: port)
        enrich.stop()
        let received = m?.sum("infrasight_enrich_received_total") ?? 0
        let dead = m?.sum("infrasight_enrich_dead_lettered_total") ?? 0
        let dropped = m?.sum("infrasight_enrich_dropped_total") ?? 0
        let row = RowResult(
            number: "3", what: "enrich worker x1 (consume -> enrich -> produce, acked)",
            measured: "\(Fmt.rate(drained.rate)) (\(Fmt.int(drained.count)) in \(Fmt.secs(drained.seconds)))",
            baseline: "C pass-through \(Fmt.rate(passRate)) (\(Fmt.int(keyValue(pass.output, "acked") ?? 0)) acked)",
            ratio: "\(Fmt.ratio(drained.rate / passRate)) of pass-through",
            target: ">= 400k/s per worker",
            loss: "received \(Fmt.int(received)), produced \(Fmt.int(drained.count)), dead-lettered \(Fmt.int(dead)), dropped \(Fmt.int(dropped)), missing \(Fmt.int(expect - drained.count))",
            met: drained.rate >= 400_000 && dead == 0 && dropped == 0 && drained.count >= expect)
        return (row, drained.count)
    }
}

/// Watches a stage's counter until it reaches `expect` or stops moving for `idle` s; the rate is
/// counted from the first sample that moved to the last change (scraped every 0.2 s, so ±0.2 s).
enum Drain {
    struct Result { var count: Double; var seconds: Double; var rate: Double }

    static func watch(port: Int, counter: String, expect: Double, idle: Double) -> Result {
        let start = Date()
        var first: Date?, lastChange = Date(), last = 0.0
        while true {
            let v = MetricsScrape.fetch(port: port)?.sum(counter) ?? last
            if v != last {
                if first == nil { first = Date() }
                last = v; lastChange = Date()
            }
            if last >= expect { break }
            if first != nil, Date().timeIntervalSince(lastChange) > idle { break }
            if first == nil, Date().timeIntervalSince(start) > 60 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let secs = first.map { lastChange.timeIntervalSince($0) + 0.2 } ?? .nan
        return Result(count: last, seconds: secs, rate: secs > 0 ? last / secs : 0)
    }
}
