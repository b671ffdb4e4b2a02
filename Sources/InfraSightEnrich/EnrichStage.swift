import Foundation
import InfraSightCore
import InfraSightKafka
import Logging

/// `infrasight enrich`: a consumer-group worker on `infrasight.raw.*`. It decodes each raw event, runs
/// the enrichment steps, and produces the result to `infrasight.events.<probe>` with the same key
/// (so per-process order holds). An input offset is committed only after the broker acknowledged the
/// enriched message (or, for poison input, the dead letter): at-least-once, nothing skipped.
public final class EnrichStage: BlockingStage, @unchecked Sendable {
    public let name = "enrich"
    public let config: EnrichConfig
    public let counters = StageCounters(stage: "enrich")
    let logger: Logger

    /// A produced message not yet acknowledged, kept so a failed delivery can be retried. For an
    /// enriched message `value` is the consumed input (its storage shared, not copied), enriched again
    /// on a retry; for a dead letter it is the letter itself.
    private struct Pending {
        let source: TopicPartition
        let offset: Int64
        let topic: String
        let key: [UInt8]?
        let value: [UInt8]
        let isDeadLetter: Bool
    }

    private var pending: [UInt64: Pending] = [:]
    private var retryQueue: [UInt64] = []
    private var nextToken: UInt64 = 1
    private var tracker = OffsetTracker()
    private var producer: KafkaProducer!
    private var consumer: KafkaConsumer!
    private var pipeline: EnrichmentPipeline!
    /// Reused for every event: the steps' fields and the output buffer.
    private var enrichment = EnrichmentFields()
    private var output = EnrichedMessageWriter()
    private var lastCommitNanos: UInt64 = 0
    /// Per-message counts not yet added to `counters` (an `add` takes a lock and two hashed lookups, as
    /// much as a step costs): added every 1024 messages, on every idle poll, before stats and at the end.
    private var unreported: (received: UInt64, produced: UInt64) = (0, 0)

    public init(config: EnrichConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    public func runLoop(stop: StopFlag) throws {
        pipeline = try EnrichmentPipeline(names: config.steps, options: config.enrichment)
        // Batches filled for up to 50 ms (the default is 5): fewer, larger produce requests cost the
        // worker's librdkafka thread and the broker less per event, so a hot worker keeps up with a
        // storm better (issue 11, row 6). --kafka-option overrides it.
        producer = try KafkaProducer(config: config.kafka, idempotent: true, stageDefaults: ["linger.ms": "50"]) { [weak self] report in
            self?.delivered(report)
        }
        // Workers poll continuously, so a short max.poll.interval is safe and keeps group joins fast
        // (a join waits up to this long for members that went away).
        // A 1 MiB prefetch queue instead of the consumers' 4 MiB. Co-located with the agent, a sink and
        // ClickHouse (bench row 6), the hot worker's RSS peaked at 170-195 MB in 3 of 7 runs with 4 MiB:
        // dozens of librdkafka's ~1.5 MB lz4 decompression buffers, each held by the few of its records
        // still queued. 2 MiB: 72-127 MB; 1 MiB: 67-91 MB, and the storm itself ran faster. Draining a
        // backlog alone costs ~15 % (issue 11, rows 4 and 8). --kafka-option overrides both.
        consumer = try KafkaConsumer(config: config.kafka, groupId: config.group, topics: [TopicNames.rawPattern],
                                     stageDefaults: ["max.poll.interval.ms": "10000", "queued.max.messages.kbytes": "1024"])
        consumer.onRevoke = { [weak self] partitions in
            guard let self else { return }
            self.logger.info("partitions revoked: \(partitions.map { "\($0.topic)[\($0.partition)]" }.joined(separator: " ")); draining and committing first")
            self.drain(partitions, timeoutSeconds: 8)
            self.commit()
            self.tracker.forget(partitions)
        }
        consumer.onAssign = { [weak self] partitions in
            self?.logger.info("partitions assigned: \(partitions.map { "\($0.topic)[\($0.partition)]" }.joined(separator: " "))")
        }
        let stats = StatsReporter(counters: counters, intervalSeconds: config.statsIntervalSeconds, logger: logger) { [weak self] key, value in
            try? self?.producer.send(topic: TopicNames.stats, key: key, value: value, token: 0)
        }
        logger.info("enrich worker consuming \(TopicNames.rawPattern) as group \(config.group) from \(config.kafka.brokers); steps: \(pipeline.steps.map(\.name).joined(separator: ", "))")

        while !stop.isSet {
            resendFailed()
            if tracker.inFlight < config.maxInFlight {
                if let message = try consumer.poll(timeoutMs: 50) { try handle(message) } else { reportCounts() }
            } else {
                producer.poll(timeoutMs: 50)
            }
            producer.poll(timeoutMs: 0)
            if WallClock.monotonicNanos() &- lastCommitNanos >= UInt64(config.commitIntervalMs) * 1_000_000 {
                commit()
            }
            if unreported.received &+ unreported.produced >= 1024 { reportCounts() }
            if stats.dueSoon {
                reportCounts()
                updateLag()
            }
            stats.tick()
        }
        logger.info("enrich draining \(tracker.inFlight) in-flight messages")
        drain(nil, timeoutSeconds: 30)
        commit()
        reportCounts()
        stats.tick(force: true)
        _ = producer.flush(timeoutMs: 5000)
        consumer.close()
        producer.close()
        logger.info("enrich stopped; \(tracker.inFlight) messages left unacknowledged (re-read on restart)")
    }

    /// Adds the per-message counts gathered since the last call to `counters`.
    private func reportCounts() {
        if unreported.received > 0 { counters.add(.received, unreported.received) }
        if unreported.produced > 0 { counters.add(.produced, unreported.produced) }
        unreported = (0, 0)
    }

    func handle(_ message: KafkaMessage) throws {
        unreported.received &+= 1
        let source = TopicPartition(topic: message.topic, partition: message.partition)
        tracker.consumed(source, offset: message.offset)
        // Read in place and validated as EventCodec.decode would; poison goes to the dead-letter queue.
        let pendingInput = Pending(source: source, offset: message.offset, topic: "", key: message.key,
                                   value: message.value, isDeadLetter: false)
        let rejection: String? = try message.value.withUnsafeBytes { raw in
            let event: EventView
            do throws(EventCodec.DecodeError) {
                event = try EventView(validating: raw)
            } catch {
                return error.description
            }
            try produce(event, pendingInput)
            return nil
        }
        if let rejection {
            logger.warning("dead-lettering \(message.topic)[\(message.partition)]@\(message.offset): \(rejection)")
            let letter = DeadLetter(stage: name, reason: rejection, sourceTopic: message.topic,
                                    sourcePartition: message.partition, sourceOffset: message.offset, payload: message.value)
            try send(Pending(source: source, offset: message.offset, topic: TopicNames.deadLetter,
                             key: Array(message.topic.utf8), value: letter.encoded(), isDeadLetter: true))
        }
    }

    /// Runs the steps over `event` (the input of `p`, read in place) and produces the enriched message
    /// (the input plus one appended `enriched`) from the reused output buffer.
    private func produce(_ event: EventView, _ p: Pending) throws {
        let token = nextToken
        nextToken += 1
        let topic = Self.enrichedTopics[event.probeKind!]!   // validated
        pending[token] = Pending(source: p.source, offset: p.offset, topic: topic, key: p.key, value: p.value,
                                 isDeadLetter: false)
        enrichment.reset()
        pipeline.apply(event, to: &enrichment)
        do {
            try output.withMessage(for: event, enrichment: enrichment) { value in
                if let key = p.key {
                    try key.withUnsafeBytes { try producer.send(topic: topic, key: $0, value: value, token: token) }
                } else {
                    try producer.send(topic: topic, key: nil, value: value, token: token)
                }
            }
        } catch {
            pending[token] = nil   // never handed to the producer: no report will come for this token
            throw error
        }
    }

    /// Enriched topic names, made once (not per event).
    private static let enrichedTopics: [Probe: String] = Dictionary(uniqueKeysWithValues: Probe.allCases.map { ($0, $0.enrichedTopic) })

    /// (Re)sends a dead letter as it is, or an input by enriching it again.
    private func send(_ p: Pending) throws {
        guard p.isDeadLetter else {
            try p.value.withUnsafeBytes { raw in try produce(try EventView(validating: raw), p) }
            return
        }
        let token = nextToken
        nextToken += 1
        pending[token] = p
        do {
            try producer.send(topic: p.topic, key: p.key, value: p.value, token: token)
        } catch {
            pending[token] = nil
            throw error
        }
    }

    private func delivered(_ report: DeliveryReport) {
        guard report.token != 0, let p = pending[report.token] else {
            if let error = report.error { counters.add(.dropped, reason: "stats-delivery"); logger.warning("stats not delivered: \(error)") }
            return
        }
        if let error = report.error {
            counters.add(.retried, reason: "delivery")
            logger.warning("delivery to \(p.topic) failed (\(error)); will retry")
            retryQueue.append(report.token)
            return
        }
        pending.removeValue(forKey: report.token)
        tracker.acknowledged(p.source, offset: p.offset)
        if p.isDeadLetter { counters.add(.deadLettered, reason: "malformed") } else { unreported.produced &+= 1 }
    }

    private func resendFailed() {
        guard !retryQueue.isEmpty else { return }
        let tokens = retryQueue
        retryQueue.removeAll()
        for old in tokens {
            guard let p = pending.removeValue(forKey: old) else { continue }
            do { try send(p) } catch {
                logger.error("re-send to \(p.topic) failed: \(error)")
                pending[old] = p
                retryQueue.append(old)
            }
        }
    }

    /// Waits until everything consumed from `partitions` (all when nil) is acknowledged, or the timeout.
    private func drain(_ partitions: [TopicPartition]?, timeoutSeconds: Double) {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        func remaining() -> Int { partitions.map { tracker.inFlight(in: $0) } ?? tracker.inFlight }
        while remaining() > 0, Date() < deadline {
            resendFailed()
            producer.poll(timeoutMs: 50)
        }
        if remaining() > 0 {
            logger.warning("\(remaining()) messages still unacknowledged after \(Int(timeoutSeconds)) s; their offsets stay uncommitted")
        }
    }

    private func commit() {
        lastCommitNanos = WallClock.monotonicNanos()
        let offsets = tracker.committable()
        guard !offsets.isEmpty else { return }
        do {
            try consumer.commit(offsets)
            tracker.markCommitted(offsets)
        } catch {
            counters.add(.retried, reason: "commit")
            logger.warning("offset commit failed: \(error); will retry")
        }
    }

    private func updateLag() {
        var total: Int64 = 0
        for (tp, lag) in consumer.lag() {
            counters.set("lag{\(tp.topic)/\(tp.partition)}", UInt64(max(lag, 0)))
            total += max(lag, 0)
        }
        counters.set("lag", UInt64(total))
    }
}
