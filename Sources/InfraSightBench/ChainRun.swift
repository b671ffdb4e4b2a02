import Foundation

/// The same-run C chain of the end-to-end row, run the same way as the pipeline (one count-mode storm
/// process, everything co-located): `chain_loader` (open_loader.c built with librdkafka: the same eight
/// probe objects, raw records published unchanged to `chain.raw`, keyed host/pid, the agent's producer
/// settings) -> two `rdk_bench pass` workers in one group (`chain.raw` -> `chain.pass`, unchanged) ->
/// `rdk_bench insert` (raw open record -> "pid<TAB>path" row, POSTed as TabSeparated in batches of up to
/// 100,000 rows / 0.5 s) into `infrasight.bench_chain`. It does no enrichment, no protobuf, no dedup:
/// it is the floor of moving the records through the same broker and ClickHouse.
struct ChainRun {
    let env: BenchEnvironment
    let stack: Stack
    let stages: Stages
    let tag: String

    struct Result { var count: Double; var seconds: Double; var rate: Double; var complete: Bool; var stormRate: Double; var loss: String }

    func run(count: Int, limit: Double) throws -> Result {
        try stack.query("CREATE TABLE IF NOT EXISTS infrasight.bench_chain (pid UInt32, path String) ENGINE = MergeTree ORDER BY pid")
        try stack.query("TRUNCATE TABLE infrasight.bench_chain")
        let objects = BenchEnvironment.defaultProbes.map { env.bpfDir + "/\($0).bpf.o" }
        let loader = try Child("chain_loader", env.chainLoader, ["--kafka", stack.brokers, "chain.raw"] + objects, logDir: env.runDir)
        var children = [loader]
        defer { for c in children.reversed() { c.stop(timeout: 60) } }
        guard loader.waitForLog("ready", timeout: 30) else { throw BenchError("chain_loader: \(loader.log.suffix(400))") }
        for i in 1...2 {
            children.append(try Child("chain_pass\(i)", env.rdkBench, ["pass", stack.brokers, "chain.raw", "chain.pass", "0", "0"],
                                      logDir: env.runDir, environment: ["RDK_GROUP": "chain-pass-\(tag)"]))
        }
        let inserter = try Child("chain_insert", env.rdkBench, ["insert", stack.brokers, "chain.pass", stack.clickhouseURL, "infrasight.bench_chain"],
                                 logDir: env.runDir, environment: ["RDK_GROUP": "chain-insert-\(tag)"])
        children.append(inserter)

        // Warm-up: the consumer groups join and a first batch lands.
        let warm = try stages.stormCount(1000, name: "chain-storm-warm")
        _ = warm.child.wait(timeout: 30)
        let w = CountPoller.wait(stack: stack, sql: "SELECT count() FROM infrasight.bench_chain WHERE pid = \(warm.pid)",
                                 target: 1000, until: Date().addingTimeInterval(45), interval: 0.25)
        guard w.count >= 1000 else { throw BenchError("C chain warm-up: \(Int(w.count)) of 1000 rows after 45 s") }

        let storm = try stages.stormCount(count, name: "chain-storm")
        let startDate = Date(timeIntervalSince1970: storm.start)
        let r = CountPoller.wait(stack: stack, sql: "SELECT count() FROM infrasight.bench_chain WHERE pid = \(storm.pid)",
                                 target: Double(count), until: startDate.addingTimeInterval(limit), interval: 0.5)
        _ = storm.child.wait(timeout: 60)
        let stormRate = keyValue(storm.child.log, "rate") ?? 0
        for c in children.reversed() { c.stop(timeout: 60) }
        children.removeAll()
        // Incomplete (records lost on the way): the rate of what arrived, up to the last poll that saw it grow.
        let secs = (r.reachedAt ?? r.grewAt).timeIntervalSince(startDate)
        let l = loader.log
        let passed = (1...2).map { keyValue(Child.readLog(env.runDir, "chain_pass\($0)"), "acked") ?? 0 }
        let loss = "C chain: loader received \(Fmt.int(keyValue(l, "events") ?? -1)), lost \(Fmt.int(keyValue(l, "lost") ?? -1)), acked \(Fmt.int(keyValue(l, "acked") ?? -1)), failed \(Fmt.int(keyValue(l, "failed") ?? -1)); "
            + "pass-throughs \(passed.map { Fmt.int($0) }.joined(separator: " / ")); inserter rows \(Fmt.int(keyValue(inserter.log, "acked") ?? -1)), failed POSTs \(Fmt.int(keyValue(inserter.log, "failed") ?? -1)); storm pid rows \(Fmt.int(r.count))"
        return Result(count: r.count, seconds: secs, rate: min(r.count, Double(count)) / secs,
                      complete: r.count >= Double(count), stormRate: stormRate, loss: loss)
    }
}

/// Polls a `SELECT count()` until it reaches a target or a deadline; `grewAt` is the poll that last saw it grow.
enum CountPoller {
    static func wait(stack: Stack, sql: String, target: Double, until deadline: Date, interval: Double)
        -> (count: Double, reachedAt: Date?, grewAt: Date) {
        var count = 0.0, grewAt = Date()
        while true {
            let asked = Date()
            if let out = try? stack.query(sql), let v = Double(out.trimmingCharacters(in: .whitespacesAndNewlines)) {
                if v > count { grewAt = asked }
                count = v
            }
            if count >= target { return (count, asked, asked) }
            if Date() >= deadline { return (count, nil, grewAt) }
            Thread.sleep(forTimeInterval: interval)
        }
    }
}
