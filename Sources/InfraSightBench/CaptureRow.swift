import Foundation

/// What row 1 measured that later rows compare against (same run).
struct CaptureFacts {
    var untraced = 0.0          // storm calls/s with nothing attached
    var cStorm = 0.0            // storm calls/s under the C loader
    var cRate = 0.0             // C loader records/s
    var cLost = -1.0            // C loader ring-buffer losses during its storm
    var cSlowdown: Double { untraced / cStorm }
    /// The C loader publishing every record to the broker (chain_loader): storm rate, losses, what it did.
    var cKafkaStorm = 0.0, cKafkaLost = -1.0, cKafkaAcked = -1.0
}

/// Row 1: capture. The openat storm untraced, under the C libbpf loader (the same eight probe objects
/// as the agent's defaults, one ring_buffer, batched wake-ups), and under the agent with `--output null`
/// and its default probes (events decoded, built and encoded, counted, discarded).
struct CaptureRow {
    let env: BenchEnvironment
    let stages: Stages
    let window: Double

    func run(facts: inout CaptureFacts) throws -> RowResult {
        facts.untraced = try stages.storm(seconds: window / 2).rate

        let objects = BenchEnvironment.defaultProbes.map { env.bpfDir + "/\($0).bpf.o" }
        let loader = try Child("open_loader", env.openLoader, objects, logDir: env.runDir)
        guard loader.waitForLog("ready", timeout: 30) else { loader.stop(); throw BenchError("open_loader: \(loader.log)") }
        facts.cStorm = try stages.storm(seconds: window).rate
        Thread.sleep(forTimeInterval: 0.5)
        loader.stop()
        let cEvents = keyValue(loader.log, "events") ?? 0
        facts.cLost = keyValue(loader.log, "lost") ?? -1
        facts.cRate = cEvents / window

        // For row 2's note: the same loader publishing every record to the broker (what Kafka and the
        // broker cost the traced storm on these 2 cores, without any of our code).
        if let kl = try? Child("chain_loader-row1", env.chainLoader, ["--kafka", stages.stack.brokers, "bench.loader"] + objects, logDir: env.runDir),
           kl.waitForLog("ready", timeout: 30) {
            facts.cKafkaStorm = (try? stages.storm(seconds: window).rate) ?? 0
            kl.stop(timeout: 60)
            facts.cKafkaLost = keyValue(kl.log, "lost") ?? -1
            facts.cKafkaAcked = keyValue(kl.log, "acked") ?? -1
        }

        let (agent, port) = try stages.agent(output: "null", name: "agent-null")
        let before = MetricsScrape.fetch(port: port)?.sum("infrasight_agent_received_total") ?? 0
        let aStorm = try stages.storm(seconds: window).rate
        Thread.sleep(forTimeInterval: 0.5)   // as for the C loader: what was drained by then
        let received = (MetricsScrape.fetch(port: port)?.sum("infrasight_agent_received_total") ?? 0) - before
        Thread.sleep(forTimeInterval: 2.2)   // kernel loss counters are refreshed with each stats period (2 s)
        let m = MetricsScrape.fetch(port: port)
        let lost = m?.sum(containing: "lost", label: "ringbuf_reserve") ?? -1
        let dropped = m?.sum("infrasight_agent_dropped_total") ?? 0
        agent.stop()
        let aRate = received / window
        let ok = aRate >= 0.9 * facts.cRate && lost == 0 && dropped == 0
        var row = RowResult(
            number: "1", what: "capture (agent --output null, default probes (\(BenchEnvironment.defaultProbes.count)), openat storm \(Int(window)) s)",
            measured: "\(Fmt.rate(aRate)) events; storm \(Fmt.rate(aStorm)) (\(Fmt.ratio(facts.untraced / aStorm)) slower than untraced)",
            baseline: "C loader (same \(BenchEnvironment.defaultProbes.count) objects) \(Fmt.rate(facts.cRate)) events, storm \(Fmt.rate(facts.cStorm)) (\(Fmt.ratio(facts.cSlowdown)) slower); untraced storm \(Fmt.rate(facts.untraced))",
            ratio: "\(Fmt.ratio(aRate / facts.cRate)) of C",
            target: ">= 0.9x the C loader's events/s, 0 lost",
            loss: "agent received \(Fmt.int(received)), lost \(Fmt.int(lost)), dropped \(Fmt.int(dropped)); C received \(Fmt.int(cEvents)), lost \(Fmt.int(facts.cLost))",
            met: ok)
        row.notes.append("storm rate = open+close pairs per second of one generator process; events/s = records received / storm window (background opens of the machine included for both)")
        return row
    }
}
