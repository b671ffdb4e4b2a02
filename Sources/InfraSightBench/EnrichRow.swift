import Foundation

/// Row 4: one enrich worker draining what row 3 left in the raw topics, against a C pass-through
/// (consume in batches -> produce unchanged, no decoding) over the same messages (same ^regex
/// subscription, fresh group). A consume-only pass over the same messages shows what the broker
/// gives one consumer in this run.
struct EnrichRow {
    let env: BenchEnvironment
    let stack: Stack
    let stages: Stages
    let group: String
    let drainLimit: Double

    static let rawPattern = "^infrasight\\.raw\\..*"
    /// shared/README: tansu's raw produce rate (200 B messages) and one consumer's rate (300 B, 64 MiB prefetch).
    static let brokerProduce = 1_200_000.0, brokerConsume = 1_020_000.0

    struct Outcome { var row: RowResult; var enriched: Double; var passRate: Double; var consumeRate: Double; var meanBytes: Double }

    /// Runs the pass-through first (it also captures payloads for row 3's baseline into `dump`).
    func run(expect: Double, dump: String) throws -> Outcome {
        let consume = runCommand(env.rdkBench, ["consume", stack.brokers, Self.rawPattern, Fmt.int(expect), "15"])
        let consumeRate = keyValue(consume.output, "rate") ?? 0
        let pass = runCommand(env.rdkBench, ["pass", stack.brokers, Self.rawPattern, "bench.pass", Fmt.int(expect), "15", dump])
        let passRate = keyValue(pass.output, "rate") ?? 0
        let dumpBytes = Double((try? FileManager.default.attributesOfItem(atPath: dump)[.size] as? Int) ?? 0)
        let dumped = min(expect, 200_000)
        let meanBytes = dumped > 0 ? dumpBytes / dumped - 4 : 0

        let (enrich, port) = try stages.enrich(group: group)
        let drained = Drain.watch(port: port, counter: "infrasight_enrich_produced_total", expect: expect, idle: 15, limit: drainLimit)
        let m = MetricsScrape.fetch(port: port)
        let rss = residentBytes(pid: enrich.pid)
        enrich.stop()
        let received = m?.sum("infrasight_enrich_received_total") ?? 0
        let dead = m?.sum("infrasight_enrich_dead_lettered_total") ?? 0
        let dropped = m?.sum("infrasight_enrich_dropped_total") ?? 0
        var row = RowResult(
            number: "4", what: "enrich worker x1 (consume -> enrich -> produce, acked)",
            measured: "\(Fmt.rate(drained.rate)) (\(Fmt.int(drained.count)) in \(Fmt.secs(drained.seconds))\(drained.cut ? ", stopped at the \(Int(drainLimit)) s limit" : "")); RSS \(Fmt.mb(rss))",
            baseline: "C pass-through \(Fmt.rate(passRate)) (\(Fmt.int(keyValue(pass.output, "acked") ?? 0)) acked); consume-only \(Fmt.rate(consumeRate))",
            ratio: "\(Fmt.ratio(drained.rate / passRate)) of pass-through",
            target: ">= 0.8x the C pass-through",
            loss: "received \(Fmt.int(received)), produced \(Fmt.int(drained.count)), dead-lettered \(Fmt.int(dead)), dropped \(Fmt.int(dropped)), not drained \(Fmt.int(max(0, expect - drained.count)))",
            met: drained.rate >= 0.8 * passRate && dead == 0 && dropped == 0 && drained.count >= expect)
        row.notes.append("messages: the agent's raw records of row 3 (mean \(Int(meanBytes)) B), one hot partition of infrasight.raw.open plus the machine's background events; C consumers use librdkafka's default prefetch (\(consumerSettings(consume.output)))")
        // shared/README's rates in bytes: produce 1.2M/s x 200 B, consume 1.02M/s x 300 B.
        let mib = 1_048_576.0
        let produceMiB = Self.brokerProduce * 200 / mib, consumeMiB = Self.brokerConsume * 300 / mib
        let passMiB = passRate * meanBytes / mib, consumeOnlyMiB = consumeRate * meanBytes / mib
        let withinMessages = passRate >= Self.brokerProduce / 2 && passRate >= Self.brokerConsume / 2
        let withinBytes = passMiB >= produceMiB / 2 && passMiB >= consumeMiB / 2
        let measuredWhy = "one consumer alone reads these messages at \(Fmt.rate(consumeRate)) = \(String(format: "%.0f", consumeOnlyMiB)) MiB/s (README: \(String(format: "%.0f", consumeMiB)) MiB/s); the pass-through moves \(String(format: "%.0f", passMiB)) MiB/s and produces every message again (idempotent, acks=all, lz4) with the broker, consumer and producer on the same 2 cores"
        if withinMessages {
            row.notes.append("the C pass-through is within 2x of the broker's raw rates in shared/README (produce 1.2M/s, consume 1.02M/s)")
        } else if withinBytes {
            row.notes.append("the C pass-through (\(Fmt.rate(passRate))) is more than 2x below shared/README's message rates (1.2M/s of 200 B produced, 1.02M/s of 300 B consumed) but within 2x of them in bytes (\(String(format: "%.0f", produceMiB)) and \(String(format: "%.0f", consumeMiB)) MiB/s): these messages average \(Int(meanBytes)) B; \(measuredWhy)")
        } else {
            row.notes.append("the C pass-through (\(Fmt.rate(passRate))) is more than 2x below the broker's raw rates in shared/README (produce 1.2M/s of 200 B = \(String(format: "%.0f", produceMiB)) MiB/s, consume 1.02M/s of 300 B = \(String(format: "%.0f", consumeMiB)) MiB/s, 64 MiB prefetch), in messages and in bytes. Measured in this run: \(measuredWhy); the raw producer's rate on these payloads is in row 3")
        }
        if pass.status != 0 || consume.status != 0 { row.notes.append("baseline failed: \(pass.error.prefix(200)) \(consume.error.prefix(200))") }
        return Outcome(row: row, enriched: drained.count, passRate: passRate, consumeRate: consumeRate, meanBytes: meanBytes)
    }

    /// The pass-through moves each message in and out of the same broker on the same cores: with the
    /// consume-only and produce-only rates of this run, done one after the other, the bound is
    /// 1 / (1/consume + 1/produce).
    static func boundNote(pass: Double, consume: Double, produce: Double) -> String {
        let bound = 1 / (1 / consume + 1 / produce)
        return "pass-through bound in this run: consume-only \(Fmt.rate(consume)) and raw produce (1 key) \(Fmt.rate(produce)) on the same messages, one after the other: 1/(1/c + 1/p) = \(Fmt.rate(bound)); the pass-through reached \(Fmt.rate(pass)) = \(Fmt.ratio(pass / bound)) of it"
    }

    private func consumerSettings(_ output: String) -> String {
        let line = output.split(separator: "\n").first { $0.hasPrefix("consumer ") } ?? ""
        return line.dropFirst("consumer ".count).split(separator: " ").joined(separator: ", ")
    }
}

/// Watches a stage's counter until it reaches `expect`, stops moving for `idle` s, or `limit` s pass
/// after it first moved; the rate is counted from the first sample that moved to the last change
/// (scraped every 0.2 s, so ±0.2 s).
enum Drain {
    struct Result { var count: Double; var seconds: Double; var rate: Double; var cut: Bool }

    static func watch(port: Int, counter: String, expect: Double, idle: Double, limit: Double) -> Result {
        let start = Date()
        var first: Date?, lastChange = Date(), last = 0.0, cut = false
        while true {
            let v = MetricsScrape.fetch(port: port)?.sum(counter) ?? last
            if v != last {
                if first == nil { first = Date() }
                last = v; lastChange = Date()
            }
            if last >= expect { break }
            if let first, Date().timeIntervalSince(first) > limit { cut = true; break }
            if first != nil, Date().timeIntervalSince(lastChange) > idle { break }
            if first == nil, Date().timeIntervalSince(start) > 60 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let secs = first.map { lastChange.timeIntervalSince($0) + 0.2 } ?? .nan
        return Result(count: last, seconds: secs, rate: secs > 0 ? last / secs : 0, cut: cut)
    }
}
