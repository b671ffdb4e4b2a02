import Foundation

/// Row 2: agent → Kafka (ring buffer to broker ack) on the openat storm, against the raw C librdkafka
/// producer sending the agent's own payloads (captured by row 3's pass-through) with the agent's settings.
struct KafkaRow {
    let env: BenchEnvironment
    let stack: Stack
    let stages: Stages
    let window: Double

    /// What the agent produced, for the following rows.
    struct Outcome { var row: RowResult; var produced: Double; var rate: Double }

    /// The agent half; the baseline is added by `addBaseline` once payloads were captured.
    func runAgent() throws -> Outcome {
        let (agent, port) = try stages.agent(output: "kafka", name: "agent-kafka")
        let m0 = MetricsScrape.fetch(port: port)
        let p0 = m0?.sum("infrasight_agent_produced_total") ?? 0
        let t0 = Date()
        let storm = try stages.storm(seconds: window).rate
        // Every event received by the end of the storm must be acknowledged; background opens on the
        // machine keep the counters moving afterwards, so "until it stops changing" never ends.
        let target = MetricsScrape.fetch(port: port)?.sum("infrasight_agent_received_total") ?? 0
        var last = p0, lastChange = Date()
        while last < target, Date().timeIntervalSince(t0) < window + 60 {
            Thread.sleep(forTimeInterval: 0.1)
            let p = MetricsScrape.fetch(port: port)?.sum("infrasight_agent_produced_total") ?? last
            if p != last { last = p; lastChange = Date() }
        }
        Thread.sleep(forTimeInterval: 2.2)   // kernel loss counters are refreshed with each stats period (2 s)
        let m = MetricsScrape.fetch(port: port)
        let received = m?.sum("infrasight_agent_received_total") ?? 0
        let produced = last - p0
        let lost = m?.sum(containing: "lost", label: "ringbuf_reserve") ?? -1
        let dropped = m?.sum("infrasight_agent_dropped_total") ?? 0
        // Everything the agent put into infrasight.raw.open so far (rows 3 and 4 drain it).
        let total = MetricsScrape.fetch(port: port)?.sum("infrasight_agent_produced_total") ?? (m?.sum("infrasight_agent_produced_total") ?? 0)
        agent.stop()
        let span = lastChange.timeIntervalSince(t0)
        let rate = produced / span
        let row = RowResult(
            number: "2", what: "agent -> Kafka (storm \(Int(window)) s, acked by tansu)",
            measured: "\(Fmt.rate(rate)) acked (\(Fmt.int(produced)) in \(Fmt.secs(span))); storm \(Fmt.rate(storm))",
            baseline: "", ratio: "", target: ">= 250k/s, 0 lost",
            loss: "received \(Fmt.int(received)), acked \(Fmt.int(produced)), lost \(Fmt.int(lost)), dropped \(Fmt.int(dropped))",
            met: rate >= 250_000 && lost == 0 && dropped == 0)
        return Outcome(row: row, produced: max(total, m?.sum("infrasight_agent_produced_total") ?? 0), rate: rate)
    }

    /// Raw librdkafka producer with the captured payloads, `count` messages.
    func addBaseline(to row: inout RowResult, agentRate: Double, payloads: String, count: Double) {
        let r = runCommand(env.rdkBench, ["produce", stack.brokers, "bench.produce", payloads, Fmt.int(count)])
        let rate = keyValue(r.output, "rate") ?? 0
        row.baseline = "raw C librdkafka \(Fmt.rate(rate)) (\(Fmt.int(keyValue(r.output, "acked") ?? 0)) acked, \(Fmt.int(keyValue(r.output, "failed") ?? -1)) failed)"
        row.ratio = "\(Fmt.ratio(agentRate / rate)) of C"
        if r.status != 0 { row.notes.append("baseline failed: \(r.error.prefix(200))") }
    }
}
