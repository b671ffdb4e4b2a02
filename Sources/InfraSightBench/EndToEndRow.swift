import Foundation

/// Rows 6, 7 and 8: the whole pipeline co-located (1 agent with its default probes, 2 enrich workers,
/// 1 sink, the broker and ClickHouse on this machine).
/// - Row 6a, latency: the storm paced at 20k calls/s for the window; ~100 calls/s open a unique marker
///   path; the driver polls ClickHouse every 0.1 s and a marker's latency is the first poll that saw it
///   minus its syscall time (`time_ns`), an upper bound at most one poll late.
/// - Row 6b, throughput: a count-mode storm (one forked process, exactly N openat calls) must be
///   completely queryable: `SELECT count() FROM infrasight.file_events_dedup WHERE pid = <storm pid>`
///   = N; rate = N / (time of the poll that saw the last row - storm start). Baseline: the same-run C
///   chain (ChainRun). Row 7: from the storm's start until its last row is queryable, the driver
///   execs `/bin/true <marker>` every 100 ms and polls `exec_events` for the markers. Row 8: VmRSS of every stage sampled every 0.25 s over the
///   whole row (warm-up, 20k step, storm and drain).
struct EndToEndRow {
    let env: BenchEnvironment
    let stack: Stack
    let stages: Stages
    let tag: String
    let window: Double
    let stormCount: Int
    let limit: Double

    struct Step { var rate: Double; var achieved: Double; var markers: Int; var seen: Int; var p50: Double; var p99: Double }

    func run() throws -> [RowResult] {
        // The C chain first, on the same fresh broker and ClickHouse, with none of our stages running.
        var chain: ChainRun.Result?
        var chainError = ""
        do { chain = try ChainRun(env: env, stack: stack, stages: stages, tag: tag).run(count: stormCount, limit: limit) }
        catch { chainError = "\(error)" }

        _ = try? stack.query("TRUNCATE TABLE infrasight.file_events")
        let (sink, sinkPort) = try stages.sink(group: "bench-e2e-sink-\(tag)", name: "sink-e2e")
        let (enrich1, e1Port) = try stages.enrich(group: "bench-e2e-enrich-\(tag)", name: "enrich-e2e-1")
        let (enrich2, e2Port) = try stages.enrich(group: "bench-e2e-enrich-\(tag)", name: "enrich-e2e-2")
        let (agent, agentPort) = try stages.agent(output: "kafka", name: "agent-e2e")
        defer { agent.stop(); enrich1.stop(); enrich2.stop(); sink.stop() }
        let sampler = RSSSampler(pids: [agent.pid, enrich1.pid, enrich2.pid, sink.pid], interval: 0.25)
        sampler.start()

        // Warm-up: wait until a marker makes it through (consumer groups join, first batch inserted).
        let warm = try measure(rate: 200, seconds: 1, tag: "warm", settle: 45)
        let step = try measure(rate: 20_000, seconds: window, tag: "r20000", settle: 15)

        // The count-mode storm, with the exec markers from another process.
        func produced(_ port: Int) -> Double { MetricsScrape.fetch(port: port)?.sum("infrasight_enrich_produced_total") ?? 0 }
        let before = (produced(e1Port), produced(e2Port))
        let spawner = ExecSpawner(prefix: "isb-fair-\(tag)-")
        let execPoller = MarkerPoller(stack: stack, sinceNs: UInt64(Date().timeIntervalSince1970 * 1e9), interval: 0.2, sql: { since in
            let p = spawner.prefix
            return "SELECT arrayFirst(x -> startsWith(x, '\(p)'), argv), time_ns FROM infrasight.exec_events WHERE time >= toDateTime(\(since)) AND arrayExists(x -> startsWith(x, '\(p)'), argv) FORMAT TabSeparated"
        })
        execPoller.start()
        spawner.start()
        let storm = try stages.stormCount(stormCount, name: "e2e-storm")
        let startDate = Date(timeIntervalSince1970: storm.start)
        let deadline = startDate.addingTimeInterval(limit)
        // The plain table is cheap to poll; the dedup view (FINAL) confirms once the plain count is there.
        var reached: Date?, dedupCount = 0.0, plainCount = 0.0, grewAt = Date()
        while reached == nil {
            let plain = CountPoller.wait(stack: stack, sql: "SELECT count() FROM infrasight.file_events WHERE pid = \(storm.pid)",
                                         target: Double(stormCount), until: deadline, interval: 0.5)
            plainCount = plain.count
            grewAt = plain.grewAt
            guard plain.reachedAt != nil else { break }
            let d = CountPoller.wait(stack: stack, sql: "SELECT count() FROM infrasight.file_events_dedup WHERE pid = \(storm.pid)",
                                     target: Double(stormCount), until: Date(), interval: 0.5)
            dedupCount = d.count
            if d.reachedAt != nil { reached = d.reachedAt } else if Date() >= deadline { break } else { Thread.sleep(forTimeInterval: 0.5) }
        }
        if reached == nil {
            dedupCount = Double((try? stack.query("SELECT count() FROM infrasight.file_events_dedup WHERE pid = \(storm.pid)")
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? "") ?? dedupCount
        }
        let doneAt = reached ?? Date()
        let after = (produced(e1Port), produced(e2Port))
        // Fairness: execs from the storm's start until its last row was queryable (the pipeline is loaded
        // all that time), each waited for up to 15 s after the last one.
        spawner.stop()
        let lastExec = Date()
        _ = storm.child.wait(timeout: 120)
        while Date() < lastExec.addingTimeInterval(15) && execPoller.seenCount < spawner.count { Thread.sleep(forTimeInterval: 0.1) }
        execPoller.stop()
        sampler.stop()
        let stormRate = keyValue(storm.child.log, "rate") ?? 0

        let a = MetricsScrape.fetch(port: agentPort), e1 = MetricsScrape.fetch(port: e1Port), e2 = MetricsScrape.fetch(port: e2Port), s = MetricsScrape.fetch(port: sinkPort)
        let secs = doneAt.timeIntervalSince(startDate)
        let complete = reached != nil
        let rate = (complete ? Double(stormCount) : dedupCount) / secs
        let loss = "agent received \(Fmt.int(a?.sum("infrasight_agent_received_total") ?? -1)), acked \(Fmt.int(a?.sum("infrasight_agent_produced_total") ?? -1)), lost{ringbuf_reserve} \(Fmt.int(a?.sum(containing: "lost", label: "ringbuf_reserve") ?? -1)), dropped \(Fmt.int(a?.sum("infrasight_agent_dropped_total") ?? -1)); "
            + "enrich produced \(Fmt.int(e1?.sum("infrasight_enrich_produced_total") ?? -1)) + \(Fmt.int(e2?.sum("infrasight_enrich_produced_total") ?? -1)), dead-lettered \(Fmt.int((e1?.sum("infrasight_enrich_dead_lettered_total") ?? 0) + (e2?.sum("infrasight_enrich_dead_lettered_total") ?? 0))); "
            + "sink inserted \(Fmt.int(s?.sum("infrasight_sink_inserted_total") ?? -1)), dead-lettered \(Fmt.int(s?.sum("infrasight_sink_dead_lettered_total") ?? -1)); "
            + "storm pid rows: dedup \(Fmt.int(dedupCount)), plain \(Fmt.int(plainCount)) of \(Fmt.int(Double(stormCount))); 20k markers seen \(step.seen)/\(step.markers)"
        func q(_ v: Double, _ step: Step) -> String {
            v.isInfinite ? "> 15 s (\(step.markers - step.seen) of \(step.markers) markers missing)" : Fmt.secs(v)
        }
        let stormText = complete
            ? "\(Fmt.int(Double(stormCount))) rows queryable in \(Fmt.secs(secs)) = \(Fmt.rate(rate))"
            : "INCOMPLETE: \(Fmt.int(dedupCount)) of \(Fmt.int(Double(stormCount))) rows after \(Fmt.secs(secs)) (\(Fmt.rate(rate)); \(Fmt.rate(plainCount / grewAt.timeIntervalSince(startDate))) up to the last poll that saw the count grow)"
        let chainText: String
        var target: String
        var throughputOK: Bool
        if let chain {
            chainText = "C chain: \(chain.complete ? "" : "INCOMPLETE, ")\(Fmt.int(chain.count)) rows in \(Fmt.secs(chain.seconds)) = \(Fmt.rate(chain.rate)) (storm \(Fmt.rate(chain.stormRate)))"
            if chain.complete && chain.rate >= 100_000 {
                target = "complete at >= 100k/s"
                throughputOK = complete && rate >= 100_000
            } else {
                target = "complete at >= 100k/s, or (C chain < 100k/s here) >= 0.8x C chain = \(Fmt.rate(0.8 * chain.rate))"
                throughputOK = complete && (rate >= 100_000 || rate >= 0.8 * chain.rate)
            }
        } else {
            chainText = "C chain did not run: \(chainError)"
            target = "complete at >= 100k/s (C chain unavailable)"
            throughputOK = complete && rate >= 100_000
        }
        target += "; p99 <= 1.5 s at 20k/s"
        let latencyOK = step.p99 <= 1.5 && step.seen == step.markers
        var e2e = RowResult(
            number: "6", what: "end to end, co-located (1 agent, 2 enrich, 1 sink): \(Fmt.int(Double(stormCount)))-call storm from one process; latency at 20k/s (\(Int(window)) s)",
            measured: "storm: \(stormText) (storm ran at \(Fmt.rate(stormRate))); 20k/s (got \(Fmt.rate(step.achieved))): p50 \(q(step.p50, step)), p99 \(q(step.p99, step))",
            baseline: chainText,
            ratio: chain.map { "\(Fmt.ratio(rate / $0.rate)) of C chain" } ?? "-",
            target: target, loss: loss,
            met: throughputOK && latencyOK)
        e2e.notes.append("warm-up marker latency \(Fmt.secs(warm.p99)); latencies are upper bounds (+0.1 s poll); the storm's rows are polled every 0.5 s in file_events, then confirmed in file_events_dedup (limit \(Int(limit)) s from storm start)")
        e2e.notes.append("hot key: the storm's events all carry one key (host/pid), so one partition of each topic and one of the two enrich workers: enrich produced \(Fmt.int(after.0 - before.0)) / \(Fmt.int(after.1 - before.1)) during the storm")
        if let chain { e2e.notes.append(chain.loss) }

        let lat = execPoller.latencies().sorted()
        let sent = spawner.count
        var p99 = Double.nan, p50 = Double.nan
        if sent > 0 && !lat.isEmpty {
            let i99 = Int(0.99 * Double(sent)), i50 = Int(0.5 * Double(sent))
            p99 = i99 < lat.count ? lat[i99] : .infinity
            p50 = i50 < lat.count ? lat[i50] : .infinity
        }
        func fq(_ v: Double) -> String { v.isInfinite ? "> 15 s (\(sent - lat.count) of \(sent) missing)" : Fmt.secs(v) }
        let fair = RowResult(
            number: "7", what: "fairness: execve every 100 ms from another process, storm start to its last row",
            measured: "p50 \(fq(p50)), p99 \(fq(p99)) (\(lat.count) of \(sent) execs seen)",
            baseline: "-", ratio: "-", target: "p99 <= 2 s",
            loss: "execs sent \(sent), seen \(lat.count), spawn failures \(spawner.failures)",
            met: sent > 0 && p99 <= 2 && lat.count == sent)

        let mx = sampler.maxima
        let mb = 1_048_576.0
        let mem = RowResult(
            number: "8", what: "memory (max VmRSS over row 6, sampled every 0.25 s)",
            measured: "agent \(Fmt.mb(mx[0])); enrich \(Fmt.mb(mx[1])) / \(Fmt.mb(mx[2])); sink \(Fmt.mb(mx[3]))",
            baseline: "-", ratio: "-", target: "agent <= 64 MB; enrich, sink <= 128 MB each", loss: "\(sampler.samples) samples",
            met: mx[0] > 0 && mx[0] <= 64 * mb && mx[1] <= 128 * mb && mx[2] <= 128 * mb && mx[3] > 0 && mx[3] <= 128 * mb)
        return [e2e, fair, mem]
    }

    private func measure(rate: Double, seconds: Double, tag: String, settle: Double) throws -> Step {
        let markerDir = "/tmp/isb-\(getpid())-\(tag)"
        let prefix = markerDir + "/"
        let every = max(1, Int(rate / 100))
        let poller = MarkerPoller(stack: stack, sinceNs: UInt64(Date().timeIntervalSince1970 * 1e9), interval: 0.1, sql: { since in
            "SELECT path, time_ns FROM infrasight.file_events WHERE time >= toDateTime(\(since)) AND startsWith(path, '\(prefix)') FORMAT TabSeparated"
        })
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

/// Polls ClickHouse for marker rows (`key<TAB>time_ns`) on a background thread and remembers when each
/// was first seen: latency = the poll's start - the row's syscall time.
final class MarkerPoller: @unchecked Sendable {
    let stack: Stack, sinceNs: UInt64, interval: Double
    let sql: (UInt64) -> String
    private let lock = NSLock()
    private var seen: [String: Double] = [:]   // key -> latency s
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init(stack: Stack, sinceNs: UInt64, interval: Double, sql: @escaping (UInt64) -> String) {
        self.stack = stack; self.sinceNs = sinceNs; self.interval = interval; self.sql = sql
    }

    func start() {
        let text = sql(sinceNs / 1_000_000_000 - 2)
        Thread.detachNewThread { [self] in
            while isRunning {
                let asked = Date().timeIntervalSince1970
                if let out = try? stack.query(text) {
                    lock.lock()
                    for line in out.split(separator: "\n") {
                        let f = line.split(separator: "\t")
                        guard f.count == 2, !f[0].isEmpty, seen[String(f[0])] == nil, let ns = Double(f[1]) else { continue }
                        seen[String(f[0])] = asked - ns / 1e9
                    }
                    lock.unlock()
                }
                Thread.sleep(forTimeInterval: interval)
            }
            done.signal()
        }
    }

    private var isRunning: Bool { lock.lock(); defer { lock.unlock() }; return running }
    var seenCount: Int { lock.lock(); defer { lock.unlock() }; return seen.count }
    func stop() { lock.lock(); running = false; lock.unlock(); done.wait() }
    func latencies() -> [Double] { lock.lock(); defer { lock.unlock() }; return Array(seen.values) }
}

/// Execs `/bin/true <prefix><seq>` every 100 ms (posix_spawn, from this driver: another process than
/// the storm) until stopped; children are reaped by their own pid.
final class ExecSpawner: @unchecked Sendable {
    let prefix: String
    private let lock = NSLock()
    private var running = false
    private var sent = 0, failed = 0
    private let done = DispatchSemaphore(value: 0)

    init(prefix: String) { self.prefix = prefix }

    var count: Int { lock.lock(); defer { lock.unlock() }; return sent }
    var failures: Int { lock.lock(); defer { lock.unlock() }; return failed }

    func start() {
        running = true
        Thread.detachNewThread { [self] in
            var pending: [pid_t] = []
            var seq = 0
            let t0 = Date()
            while true {
                lock.lock(); let go = running; lock.unlock()
                if !go { break }
                seq += 1
                let args = ["true", prefix + String(seq)]
                var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
                var pid: pid_t = 0
                let rc = posix_spawn(&pid, "/bin/true", nil, nil, &cargs, environ)
                for p in cargs { free(p) }
                lock.lock(); if rc == 0 { sent += 1 } else { failed += 1 }; lock.unlock()
                if rc == 0 { pending.append(pid) }
                pending.removeAll { p in var st: Int32 = 0; return waitpid(p, &st, WNOHANG) == p }
                let next = t0.addingTimeInterval(Double(seq) * 0.1)
                let wait = next.timeIntervalSinceNow
                if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            }
            for p in pending { var st: Int32 = 0; waitpid(p, &st, 0) }
            done.signal()
        }
    }

    func stop() {
        lock.lock(); let was = running; running = false; lock.unlock()
        if was { done.wait() }
    }
}

/// Samples VmRSS of some processes every `interval` s and keeps each one's maximum.
final class RSSSampler: @unchecked Sendable {
    let pids: [Int32]
    let interval: Double
    private let lock = NSLock()
    private var max_: [Double]
    private var n = 0
    private var running = false
    private let done = DispatchSemaphore(value: 0)

    init(pids: [Int32], interval: Double) { self.pids = pids; self.interval = interval; max_ = pids.map { _ in 0 } }

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
                lock.lock(); n += 1; lock.unlock()
                Thread.sleep(forTimeInterval: interval)
            }
            done.signal()
        }
    }

    func stop() {
        lock.lock(); let was = running; running = false; lock.unlock()
        if was { done.wait() }
    }

    var maxima: [Double] { lock.lock(); defer { lock.unlock() }; return max_ }
    var samples: Int { lock.lock(); defer { lock.unlock() }; return n }
}
