import Foundation

/// Row 11: one detect worker with the default rules draining what row 4 left in the enriched topics,
/// against the same-run C pass-through (consume in batches -> produce unchanged) over the same messages
/// (same ^regex subscription, fresh group). Detect reads every event and runs every rule of its probe on
/// it; it produces only alerts.
struct DetectRow {
    let env: BenchEnvironment
    let stack: Stack
    let stages: Stages
    let group: String
    let drainLimit: Double

    static let enrichedPattern = "^infrasight\\.events\\..*"

    func run(expect: Double) throws -> RowResult {
        let pass = runCommand(env.rdkBench, ["pass", stack.brokers, Self.enrichedPattern, "bench.pass.events", Fmt.int(expect), "15"])
        let passRate = keyValue(pass.output, "rate") ?? 0
        let (detect, port) = try stages.detect(group: group)
        let drained = Drain.watch(port: port, counter: "infrasight_detect_received_total", expect: expect, idle: 15, limit: drainLimit)
        let m = MetricsScrape.fetch(port: port)
        let rss = residentBytes(pid: detect.pid)
        detect.stop()
        let alerts = m?.sum("infrasight_detect_produced_total") ?? 0
        let dead = m?.sum("infrasight_detect_dead_lettered_total") ?? 0
        var row = RowResult(
            number: "11", what: "detect worker x1, default rules (consume -> rules -> alerts, acked)",
            measured: "\(Fmt.rate(drained.rate)) (\(Fmt.int(drained.count)) in \(Fmt.secs(drained.seconds))\(drained.cut ? ", stopped at the \(Int(drainLimit)) s limit" : "")); RSS \(Fmt.mb(rss))",
            baseline: "C pass-through \(Fmt.rate(passRate)) (\(Fmt.int(keyValue(pass.output, "acked") ?? 0)) acked)",
            ratio: "\(Fmt.ratio(passRate > 0 ? drained.rate / passRate : 0)) of pass-through",
            target: ">= 0.8x the C pass-through",
            loss: "received \(Fmt.int(drained.count)) of \(Fmt.int(expect)), alerts \(Fmt.int(alerts)), dead-lettered \(Fmt.int(dead))",
            met: passRate > 0 && drained.rate >= 0.8 * passRate && dead == 0 && drained.count >= expect)
        row.notes.append("messages: row 4's enriched events (the open storm plus the machine's background events); every open event meets the open rules (sensitive files, traversal, persistence paths, the dropper sequence's first step)")
        if pass.status != 0 { row.notes.append("baseline failed: \(pass.error.prefix(200))") }
        return row
    }
}
