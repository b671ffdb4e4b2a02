import Foundation

/// Rows 2 and 3: the agent alone with Kafka on (default probes), under an unthrottled openat storm.
/// Row 2: how much slower the storm runs traced than untraced (against the C loader's slowdown, row 1).
/// Row 3: every event received by the end of the storm acknowledged by the broker, rate from the
/// storm's start to the last of those acks, ring-buffer losses, and the agent's CPU over that span;
/// baseline: the raw C librdkafka producer with the agent's settings on the agent's own payloads
/// (captured by row 4's pass-through), the same count, one key (as one process's storm: one partition).
struct KafkaRow {
    let env: BenchEnvironment
    let stack: Stack
    let stages: Stages
    let window: Double

    /// What the agent produced, for the following rows.
    struct Outcome { var slowdown: RowResult; var row: RowResult; var produced: Double; var rate: Double }

    /// The agent half; the baseline is added by `addBaseline` once payloads were captured.
    func runAgent(facts: CaptureFacts) throws -> Outcome {
        let (agent, port) = try stages.agent(output: "kafka", name: "agent-kafka")
        let m0 = MetricsScrape.fetch(port: port)
        let p0 = m0?.sum("infrasight_agent_produced_total") ?? 0
        let r0 = m0?.sum("infrasight_agent_received_total") ?? 0
        let cpu0 = cpuSeconds(pid: agent.pid) ?? .nan
        let t0 = Date()
        let storm = try stages.storm(seconds: window).rate
        // Every event received by the end of the storm must be acknowledged; background events on the
        // machine keep the counters moving afterwards, so "until it stops changing" never ends.
        let target = MetricsScrape.fetch(port: port)?.sum("infrasight_agent_received_total") ?? 0
        var last = p0, lastChange = Date(), cpuAtLast = cpuSeconds(pid: agent.pid) ?? .nan
        while last < target, Date().timeIntervalSince(t0) < window + 60 {
            Thread.sleep(forTimeInterval: 0.1)
            let p = MetricsScrape.fetch(port: port)?.sum("infrasight_agent_produced_total") ?? last
            if p != last { last = p; lastChange = Date(); cpuAtLast = cpuSeconds(pid: agent.pid) ?? .nan }
        }
        Thread.sleep(forTimeInterval: 2.2)   // kernel loss counters are refreshed with each stats period (2 s)
        let m = MetricsScrape.fetch(port: port)
        let received = target - r0
        let produced = last - p0
        let lost = m?.sum(containing: "lost", label: "ringbuf_reserve") ?? -1
        let dropped = m?.sum("infrasight_agent_dropped_total") ?? 0
        let rss = residentBytes(pid: agent.pid)
        // Everything the agent put into the raw topics so far (rows 4 and 5 drain it).
        let total = m?.sum("infrasight_agent_produced_total") ?? last
        agent.stop()
        let span = lastChange.timeIntervalSince(t0)
        // The events received by the end of the storm, all acked by `lastChange` (later background
        // events acked meanwhile are not counted).
        let rate = min(produced, received) / span
        let cpu = (cpuAtLast - cpu0) / span

        let slowdown = facts.untraced / storm
        let limit = max(1.4, 1.1 * facts.cSlowdown)
        var row2 = RowResult(
            number: "2", what: "storm slowdown, agent alone with Kafka on (default probes, storm \(Int(window)) s)",
            measured: "storm \(Fmt.rate(storm)) traced vs \(Fmt.rate(facts.untraced)) untraced = \(Fmt.ratio(slowdown)) slower",
            baseline: "C loader (row 1): \(Fmt.ratio(facts.cSlowdown)) slower",
            ratio: "\(Fmt.ratio(slowdown / facts.cSlowdown)) of C's slowdown",
            target: "<= max(1.4x, 1.1 x C's slowdown) = \(Fmt.ratio(limit))",
            loss: "see row 3",
            met: slowdown.isFinite && slowdown <= limit)
        if facts.cKafkaStorm > 0 {
            row2.notes.append("the C loader publishing every record to the same broker (chain_loader: same objects, the agent's producer settings) slowed the storm \(Fmt.ratio(facts.untraced / facts.cKafkaStorm)) (storm \(Fmt.rate(facts.cKafkaStorm)); \(Fmt.int(facts.cKafkaAcked)) acked, \(Fmt.int(facts.cKafkaLost)) lost): the broker and librdkafka share the 2 cores with the storm")
        }
        let lossOK = lost >= 0 && (lost == 0 || (facts.cLost >= 0 && lost <= facts.cLost))
        var row3 = RowResult(
            number: "3", what: "agent -> Kafka, acked, unthrottled storm (\(Int(window)) s)",
            measured: "\(Fmt.rate(rate)) acked (\(Fmt.int(min(produced, received))) in \(Fmt.secs(span))); agent CPU \(String(format: "%.2f", cpu)) cores; RSS \(Fmt.mb(rss))",
            baseline: "", ratio: "",
            target: ">= 250k/s, 0 lost (or <= C loader's \(Fmt.int(facts.cLost))), CPU/wall <= 1.0",
            loss: "received by storm end \(Fmt.int(received)), acked \(Fmt.int(produced)), lost{ringbuf_reserve} \(Fmt.int(lost)), dropped \(Fmt.int(dropped)), unacked \(Fmt.int(max(0, received - produced)))",
            met: rate >= 250_000 && lossOK && dropped == 0 && produced >= received && cpu <= 1.0)
        if facts.untraced > 0 && facts.untraced < 250_000 {
            row3.notes.append("the untraced storm itself ran at \(Fmt.rate(facts.untraced)) in this run (one generator process on these 2 cores): below 250k/s before anything traces it; the C loader publishing to the broker let it run at \(Fmt.rate(facts.cKafkaStorm))")
        }
        row3.notes.append("agent CPU = (utime+stime) of all its threads from /proc/<pid>/stat, storm start to last ack, / wall time of that span")
        return Outcome(slowdown: row2, row: row3, produced: total, rate: rate)
    }

    /// Raw librdkafka producer with the captured payloads, `count` messages, one key (like one
    /// process's storm under the agent) and, for the key note, 64 keys over all partitions.
    func addBaseline(to row: inout RowResult, agentRate: Double, payloads: String, count: Double) -> (one: Double, spread: Double) {
        let r = runCommand(env.rdkBench, ["produce", stack.brokers, "bench.produce1", payloads, Fmt.int(count), "1"])
        let rate = keyValue(r.output, "rate") ?? 0
        let r64 = runCommand(env.rdkBench, ["produce", stack.brokers, "bench.produce", payloads, Fmt.int(count), "64"])
        let rate64 = keyValue(r64.output, "rate") ?? 0
        row.baseline = "raw C librdkafka, 1 key: \(Fmt.rate(rate)) (\(Fmt.int(keyValue(r.output, "acked") ?? 0)) acked, \(Fmt.int(keyValue(r.output, "failed") ?? -1)) failed)"
        row.ratio = "\(Fmt.ratio(agentRate / rate)) of C"
        row.notes.append("baseline with 64 keys over 4 partitions: \(Fmt.rate(rate64)) (the one-key figure is what a single hot process's key allows)")
        if r.status != 0 || r64.status != 0 { row.notes.append("baseline failed: \(r.error.prefix(200)) \(r64.error.prefix(200))") }
        return (rate, rate64)
    }
}
