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

    /// A produced message not yet acknowledged: where its input came from. Nothing of the message
    /// itself is kept: a failed delivery's report carries it, and it is sent again as it was.
    private struct Pending {
        let source: TopicPartition
        let offset: Int64
        let isDeadLetter: Bool
    }

    /// A message whose delivery failed, copied from its report, waiting to be sent again.
    private struct Retry {
        let slot: Int
        let topic: String
        let key: [UInt8]?
        let value: [UInt8]
    }

    /// Pending messages by slot. A message's producer token is its slot + 1 (token 0 marks stats
    /// records); a slot is reused once its message is acknowledged, so no hashing per message.
    private var pending: [Pending?] = []
    private var freeSlots: [Int] = []
    private var retryQueue: [Retry] = []
    /// Messages handled between two rounds of the loop's clock-driven work (commit, counters, stats).
    private static let housekeepingEvery = 64
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

        // Records are read in place (nothing copied per record). Delivery reports, the clock and the
        // counters are served once per `housekeepingEvery` records, or whenever no record came.
        var handledSinceHousekeeping = 0
        while !stop.isSet {
            resendFailed()
            var idle = false
            if tracker.inFlight < config.maxInFlight {
                idle = try !consumer.poll(timeoutMs: 50) { try handle($0) }
            } else {
                producer.poll(timeoutMs: 50)
                idle = true
            }
            handledSinceHousekeeping += 1
            guard idle || handledSinceHousekeeping >= Self.housekeepingEvery else { continue }
            handledSinceHousekeeping = 0
            producer.poll(timeoutMs: 0)
            if idle || unreported.received &+ unreported.produced >= 1024 { reportCounts() }
            if WallClock.monotonicNanos() &- lastCommitNanos >= UInt64(config.commitIntervalMs) * 1_000_000 {
                commit()
            }
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

    func handle(_ record: KafkaRecordView) throws {
        unreported.received &+= 1
        let source = TopicPartition(topic: record.topic, partition: record.partition)
        tracker.consumed(source, offset: record.offset)
        // Validated as EventCodec.decode would; poison goes to the dead-letter queue.
        let event: EventView
        do throws(EventCodec.DecodeError) {
            event = try EventView(validating: record.value)
        } catch {
            try deadLetter(record, source: source, reason: error.description)
            return
        }
        try produce(event, key: record.key, source: source, offset: record.offset)
    }

    /// Runs the steps over `event` (the input, read in place) and produces the enriched message (the
    /// input plus one appended `enriched`) from the reused output buffer.
    private func produce(_ event: EventView, key: UnsafeRawBufferPointer?, source: TopicPartition, offset: Int64) throws {
        let topic = Self.enrichedTopics[event.probeKind!]!   // validated
        let slot = hold(Pending(source: source, offset: offset, isDeadLetter: false))
        enrichment.reset()
        pipeline.apply(event, to: &enrichment)
        do {
            try output.withMessage(for: event, enrichment: enrichment) { value in
                try producer.send(topic: topic, key: key, value: value, token: Self.token(slot))
            }
        } catch {
            release(slot)   // never handed to the producer: no report will come for this token
            throw error
        }
    }

    private func deadLetter(_ record: KafkaRecordView, source: TopicPartition, reason: String) throws {
        logger.warning("dead-lettering \(record.topic)[\(record.partition)]@\(record.offset): \(reason)")
        let letter = DeadLetter(stage: name, reason: reason, sourceTopic: record.topic, sourcePartition: record.partition,
                                sourceOffset: record.offset, payload: Array(record.value))
        let slot = hold(Pending(source: source, offset: record.offset, isDeadLetter: true))
        do {
            try producer.send(topic: TopicNames.deadLetter, key: Array(record.topic.utf8), value: letter.encoded(),
                              token: Self.token(slot))
        } catch {
            release(slot)
            throw error
        }
    }

    /// Enriched topic names, made once (not per event).
    private static let enrichedTopics: [Probe: String] = Dictionary(uniqueKeysWithValues: Probe.allCases.map { ($0, $0.enrichedTopic) })

    private static func token(_ slot: Int) -> UInt64 { UInt64(slot) + 1 }

    /// A free slot holding `p`.
    private func hold(_ p: Pending) -> Int {
        if let slot = freeSlots.popLast() {
            pending[slot] = p
            return slot
        }
        pending.append(p)
        return pending.count - 1
    }

    private func release(_ slot: Int) {
        pending[slot] = nil
        freeSlots.append(slot)
    }

    private func delivered(_ report: DeliveryReport) {
        let slot = Int(truncatingIfNeeded: report.token &- 1)
        guard report.token != 0, slot < pending.count, let p = pending[slot] else {
            if let error = report.error { counters.add(.dropped, reason: "stats-delivery"); logger.warning("stats not delivered: \(error)") }
            return
        }
        if let error = report.error {
            counters.add(.retried, reason: "delivery")
            logger.warning("delivery to \(report.topic) failed (\(error)); will retry")
            retryQueue.append(Retry(slot: slot, topic: report.topic, key: report.failedKey, value: report.failedValue ?? []))
            return
        }
        release(slot)
        tracker.acknowledged(p.source, offset: p.offset)
        if p.isDeadLetter { counters.add(.deadLettered, reason: "malformed") } else { unreported.produced &+= 1 }
    }

    /// Sends failed messages again, as they were, under their own tokens.
    private func resendFailed() {
        guard !retryQueue.isEmpty else { return }
        let retries = retryQueue
        retryQueue.removeAll()
        for r in retries {
            do { try producer.send(topic: r.topic, key: r.key, value: r.value, token: Self.token(r.slot)) } catch {
                logger.error("re-send to \(r.topic) failed: \(error)")
                retryQueue.append(r)
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
