import Foundation

/// Rows 5 and 6: the whole pipeline (agent → tansu → enrich ×1 → sink → ClickHouse) under a paced
/// openat load. About 100 calls a second open a unique marker path; the driver polls ClickHouse
/// every 0.1 s and a marker's latency is the first poll that saw it minus its syscall time
/// (`time_ns`), so latencies are upper bounds, at most one poll late. RSS is sampled at 0.5 s.
struct EndToEndRow {
    let env: BenchEnvironment
    let stack: Stack
    let stages: Stages
    let enrichGroup: String
    let sinkGroup: String
    let window: Double
    let rates: [Double]

    struct Step { var rate: Double; var achieved: Double; var markers: Int; var seen: Int; var p50: Double; var p99: Double }

    func run() throws -> [RowResult] {
        _ = try? stack.query("TRUNCATE TABLE infrasight.file_events")
        let (sink, sinkPort) = try stages.sink(group: sinkGroup, name: "sink-e2e")
        let (enrich, enrichPort) = try stages.enrich(group: enrichGroup, name: "enrich-e2e")
        let (agent, agentPort) = try stages.agent(output: "kafka", name: "agent-e2e")
        defer { agent.stop(); enrich.stop(); sink.stop() }

        // Warm-up: wait until a marker makes it through (consumer groups join, first batch inserted).
        let warm = try measure(rate: 200, seconds: 1, tag: "warm", settle: 45)
        var steps: [Step] = []
        var rss = (agent: 0.0, enrich: 0.0, sink: 0.0)
        for rate in rates {
            let sampler = RSSSampler(pids: [agent.pid, enrich.pid, sink.pid])
            if rate == rates.max() { sampler.start() }
            steps.append(try measure(rate: rate, seconds: window, tag: "r\(Int(rate))", settle: 15))
            sampler.stop()
            if rate == rates.max() { rss = (sampler.maxima[0], sampler.maxima[1], sampler.maxima[2]) }
        }
        let a = MetricsScrape.fetch(port: agentPort), e = MetricsScrape.fetch(port: enrichPort), s = MetricsScrape.fetch(port: sinkPort)
        let loss = "agent received \(Fmt.int(a?.sum("infrasight_agent_received_total") ?? -1)), acked \(Fmt.int(a?.sum("infrasight_agent_produced_total") ?? -1)), lost{ringbuf_reserve} \(Fmt.int(a?.sum(containing: "lost", label: "ringbuf_reserve") ?? -1)); "
            + "enrich produced \(Fmt.int(e?.sum("infrasight_enrich_produced_total") ?? -1)); sink inserted \(Fmt.int(s?.sum("infrasight_sink_inserted_total") ?? -1)); "
            + "markers seen " + steps.map { "\($0.seen)/\($0.markers)" }.joined(separator: ", ")
        func q(_ v: Double, _ step: Step) -> String {
            v.isInfinite ? "> 15 s (\(step.markers - step.seen) of \(step.markers) markers missing)" : Fmt.secs(v)
        }
        let lat = steps.map { "\(Fmt.rate($0.rate)) (got \(Fmt.rate($0.achieved))): p50 \(q($0.p50, $0)), p99 \(q($0.p99, $0))" }.joined(separator: "; ")
        let at20k = steps.first { $0.rate == 20_000 }
        var e2e = RowResult(number: "5", what: "end to end, syscall -> queryable row (\(Int(window)) s per rate)",
                            measured: lat, baseline: "-", ratio: "-", target: "p99 <= 1.5 s at 20k/s", loss: loss,
                            met: at20k.map { $0.p99 <= 1.5 && $0.seen == $0.markers })
        e2e.notes.append("warm-up marker latency \(Fmt.secs(warm.p99)); latencies are upper bounds (+0.1 s poll)")
        let mem = RowResult(number: "6", what: "memory (max RSS during the \(Fmt.rate(rates.max() ?? 0)) step)",
                            measured: "agent \(Fmt.mb(rss.agent)); enrich \(Fmt.mb(rss.enrich)); sink \(Fmt.mb(rss.sink))",
                            baseline: "-", ratio: "-", target: "agent <= 64 MB at 100k/s", loss: "see row 5",
                            met: rss.agent > 0 && rss.agent <= 64 * 1_048_576)
        return [e2e, mem]
    }

    private func measure(rate: Double, seconds: Double, tag: String, settle: Double) throws -> Step {
        let markerDir = "/tmp/isb-\(getpid())-\(tag)"
        let every = max(1, Int(rate / 100))
        let startNs = UInt64(Date().timeIntervalSince1970 * 1e9)
        let poller = MarkerPoller(stack: stack, prefix: markerDir + "/", sinceNs: startNs)
        poller.start()
        let storm = try stages.storm(seconds: seconds, rate: rate, markerDir: markerDir, markerEvery: every)
        let end = Date().addingTimeInterval(settle)
        while Date() < end && poller.seenCount < storm.markers { Thread.sleep(forTimeInterval: 0.1) }
        poller.stop()
        let lat = poller.latencies().sorted()
        func q(_ p: Double) -> Double {
            guard !lat.isEmpty else { return .nan }
            if lat.count < storm.markers && p * Double(storm.markers) > Double(lat.count) { return .infinity }
            return lat[min(lat.count - 1, Int(p * Double(storm.markers)))]
        }
        return Step(rate: rate, achieved: storm.rate, markers: storm.markers, seen: lat.count, p50: q(0.5), p99: q(0.99))
    }
}

/// Polls ClickHouse for marker rows on a background thread and remembers when each was first seen.
final class MarkerPoller: @unchecked Sendable {
    let stack: Stack, prefix: String, sinceNs: UInt64
    private let lock = NSLock()
    private var seen: [String: Double] = [:]   // path -> latency s
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init(stack: Stack, prefix: String, sinceNs: UInt64) { self.stack = stack; self.prefix = prefix; self.sinceNs = sinceNs }

    func start() {
        Thread.detachNewThread { [self] in
            while isRunning {
                let asked = Date().timeIntervalSince1970
                let sql = "SELECT path, time_ns FROM infrasight.file_events WHERE time >= toDateTime(\(sinceNs / 1_000_000_000 - 2)) AND startsWith(path, '\(prefix)') FORMAT TabSeparated"
                if let out = try? stack.query(sql) {
                    lock.lock()
                    for line in out.split(separator: "\n") {
                        let f = line.split(separator: "\t")
                        guard f.count == 2, seen[String(f[0])] == nil, let ns = Double(f[1]) else { continue }
                        seen[String(f[0])] = asked - ns / 1e9
                    }
                    lock.unlock()
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            done.signal()
        }
    }

    private var isRunning: Bool { lock.lock(); defer { lock.unlock() }; return running }
    var seenCount: Int { lock.lock(); defer { lock.unlock() }; return seen.count }
    func stop() { lock.lock(); running = false; lock.unlock(); done.wait() }
    func latencies() -> [Double] { lock.lock(); defer { lock.unlock() }; return Array(seen.values) }
}

/// Samples VmRSS of some processes every 0.5 s and keeps each one's maximum.
final class RSSSampler: @unchecked Sendable {
    let pids: [Int32]
    private let lock = NSLock()
    private var max_: [Double]
    private var running = false
    private let done = DispatchSemaphore(value: 0)

    init(pids: [Int32]) { self.pids = pids; max_ = pids.map { _ in 0 } }

    func start() {
        running = true
        Thread.detachNewThread { [self] in
            while true {
                lock.lock(); let go = running; lock.unlock()
                if !go { break }
                for (i, pid) in pids.enumerated() {
                    let v = residentBytes(pid: pid)
                    lock.lock(); max_[i] = max(max_[i], v); lock.unlock()
                }
                Thread.sleep(forTimeInterval: 0.5)
            }
            done.signal()
        }
    }

    func stop() {
        lock.lock(); let was = running; running = false; lock.unlock()
        if was { done.wait() }
    }

    var maxima: [Double] { lock.lock(); defer { lock.unlock() }; return max_ }
}
