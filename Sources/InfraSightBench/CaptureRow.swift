import Foundation

/// Row 1: capture. The openat storm untraced, under the C libbpf loader (same open.bpf.o, batched
/// wake-ups), and under the agent with `--output null` (events built, encoded, counted, discarded).
struct CaptureRow {
    let env: BenchEnvironment
    let stages: Stages
    let window: Double

    func run() throws -> RowResult {
        let untraced = try stages.storm(seconds: window / 2).rate

        let loader = try Child("open_loader", env.openLoader, [env.bpfDir + "/open.bpf.o"], logDir: env.runDir)
        guard loader.waitForLog("ready", timeout: 30) else { loader.stop(); throw BenchError("open_loader: \(loader.log)") }
        let cStorm = try stages.storm(seconds: window).rate
        Thread.sleep(forTimeInterval: 0.5)
        loader.stop()
        let cEvents = keyValue(loader.log, "events") ?? 0
        let cLost = keyValue(loader.log, "lost") ?? -1
        let cRate = cEvents / window

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
        let slowdown = untraced / aStorm
        let ok = aRate >= 0.9 * cRate && lost == 0 && slowdown <= 1.4
        var row = RowResult(
            number: "1", what: "capture (agent --output null, openat storm, \(Int(window)) s)",
            measured: "\(Fmt.rate(aRate)) events; storm \(Fmt.rate(aStorm)) = \(Fmt.ratio(slowdown)) slower than untraced",
            baseline: "C loader \(Fmt.rate(cRate)) events, storm \(Fmt.rate(cStorm)) (\(Fmt.ratio(untraced / cStorm)) slower); untraced storm \(Fmt.rate(untraced))",
            ratio: "\(Fmt.ratio(aRate / cRate)) of C",
            target: ">= 0.9x C, 0 lost, slowdown <= 1.4x",
            loss: "agent received \(Fmt.int(received)), lost \(Fmt.int(lost)), dropped \(Fmt.int(dropped)); C received \(Fmt.int(cEvents)), lost \(Fmt.int(cLost))",
            met: ok)
        row.notes.append("storm rate = open+close pairs per second of one generator process")
        return row
    }
}
