import Foundation
import InfraSightCore
import InfraSightKafka
import Logging

/// `infrasight detect`: a consumer-group worker on `infrasight.events.*` that runs the rules and
/// publishes alerts to `infrasight.alerts` (key `<host>/<pid>`).
///
/// Co-partitioned: the range assignor gives one worker the same partition number of every events topic,
/// and every topic has the same partition count and key, so all of one process's events (whatever the
/// probe) meet in one worker. Nothing is committed that a restart would need: an input offset is
/// committed only once its alerts were acknowledged and no rule state still holds an event at or
/// before it, so a crashed or rebalanced worker's successor rebuilds the state from the log.
public final class DetectStage: BlockingStage, @unchecked Sendable {
    public let name = "detect"
    public let config: DetectConfig
    public let counters: StageCounters
    let logger: Logger
    private let alertLine: AlertJSONLine
    private let webhook: WebhookNotifier?
    public let reload = ReloadSignal()

    /// An alert sent and not yet acknowledged: the record it came from and every event behind it.
    private struct PendingAlert {
        let record: InputPosition
        let holds: [InputPosition]
        let alert: AlertRecord
    }

    private var engine: DetectionEngine!
    private var producer: KafkaProducer!
    private var consumer: KafkaConsumer!
    private var tracker = OffsetTracker()
    private var pending: [UInt64: PendingAlert] = [:]
    private var nextToken: UInt64 = 1
    /// Alerts still unacknowledged per input record.
    private var openAlerts: [InputPosition: Int] = [:]
    /// Offsets held by unacknowledged alerts (a multiset per partition).
    private var alertHolds: [PartitionKey: [Int64: Int]] = [:]
    private var retryQueue: [(token: UInt64, key: [UInt8]?, value: [UInt8])] = []
    private var raised: [RaisedAlert] = []
    private var lastCommitNanos: UInt64 = 0
    private var lastRulesCheckNanos: UInt64 = 0
    private var lastExpireNanos: UInt64 = 0
    private var unreportedReceived: UInt64 = 0
    private var alertsBySeverity: [String: UInt64] = [:]
    private static let housekeepingEvery = 64

    public init(config: DetectConfig, book: RuleBook, counters: StageCounters = StageCounters(stage: "detect"),
                logger: Logger, webhook: WebhookNotifier? = nil) throws {
        self.config = config
        self.counters = counters
        self.logger = logger
        self.webhook = webhook
        alertLine = try AlertJSONLine(target: config.alertLog)
        engine = DetectionEngine(book: book, latenessNs: config.latenessNs, detectedBy: InstanceIdentity.instance)
    }

    public func runLoop(stop: StopFlag) throws {
        producer = try KafkaProducer(config: config.kafka, idempotent: true, stageDefaults: ["linger.ms": "5"]) { [weak self] report in
            self?.delivered(report)
        }
        // range: partition n of every events topic goes to the same member (co-partitioning), which
        // cooperative-sticky does not promise. Fetch answers of 512 KiB: detect reads enriched events (larger
        // than raw ones) and holds none of them after its rules ran, and with 128 KiB answers one hot
        // partition's fetch round trips, not the rules, bounded a worker (row 11: ~190k/s at half a core).
        consumer = try KafkaConsumer(config: config.kafka, groupId: config.group, topics: [TopicNames.enrichedPattern],
                                     stageDefaults: ["max.poll.interval.ms": "10000", "max.partition.fetch.bytes": "524288",
                                                     "partition.assignment.strategy": "range"])
        consumer.onRevoke = { [weak self] partitions in
            guard let self else { return }
            self.logger.info("partitions revoked: \(partitions.map { "\($0.topic)[\($0.partition)]" }.joined(separator: " ")); committing what is safe, then dropping their rule state")
            self.drainAlerts(timeoutSeconds: 8)
            self.commit()
            self.tracker.forget(partitions)
            self.engine.forget(Set(partitions.map { PartitionKey(topic: $0.topic, partition: $0.partition) }))
        }
        consumer.onAssign = { [weak self] partitions in
            self?.logger.info("partitions assigned: \(partitions.map { "\($0.topic)[\($0.partition)]" }.joined(separator: " "))")
        }
        let stats = StatsReporter(counters: counters, intervalSeconds: config.statsIntervalSeconds, logger: logger) { [weak self] key, value in
            try? self?.producer.send(topic: TopicNames.stats, key: key, value: value, token: 0)
        }
        logger.info("detect worker consuming \(TopicNames.enrichedPattern) as group \(config.group) from \(config.kafka.brokers); \(engine.book.rules.count) rules (\(engine.book.rules.filter(\.isStateful).count) stateful), alerts to \(TopicNames.alerts)\(engine.book.files.isEmpty ? "" : "; rules files \(engine.book.files.joined(separator: ", ")) reload on SIGHUP or change")")

        var handled = 0
        while !stop.isSet {
            resendFailed()
            var idle = false
            if tracker.inFlight < config.maxInFlight {
                idle = try !consumer.poll(timeoutMs: 50) { try handle($0) }
            } else {
                producer.poll(timeoutMs: 50)
                idle = true
            }
            handled += 1
            guard idle || handled >= Self.housekeepingEvery else { continue }
            handled = 0
            producer.poll(timeoutMs: 0)
            housekeeping(stats: stats)
        }
        logger.info("detect draining \(pending.count) unacknowledged alerts")
        drainAlerts(timeoutSeconds: 30)
        commit()
        reportCounts()
        stats.tick(force: true)
        _ = producer.flush(timeoutMs: 5000)
        consumer.close()
        producer.close()
        logger.info("detect stopped; \(engine.heldCount) events in rule state (re-read on restart)")
    }

    private func housekeeping(stats: StatsReporter) {
        let now = WallClock.monotonicNanos()
        if unreportedReceived >= 1024 { reportCounts() }
        if now &- lastExpireNanos >= 1_000_000_000 {
            lastExpireNanos = now
            engine.expire(wallNowNs: WallClock.nowNanos())
            do {
                if try alertLine.reopenIfRotated() { logger.info("alert log reopened (the file was rotated)") }
            } catch {
                counters.add(.retried, reason: "alert-log-reopen")
                logger.error("alert log not reopened, still writing to the old file: \(error)")
            }
        }
        if now &- lastCommitNanos >= UInt64(config.commitIntervalMs) * 1_000_000 { commit() }
        let pollNanos = UInt64(config.rulesPollSeconds * 1e9)
        var reloadWanted = reload.takePending()
        if pollNanos > 0, now &- lastRulesCheckNanos >= pollNanos {
            lastRulesCheckNanos = now
            if engine.book.filesChanged { reloadWanted = true }
        }
        if reloadWanted { reloadRules() }
        if stats.dueSoon {
            reportCounts()
            updateLag()
        }
        stats.tick()
    }

    /// Reads the rules again; an invalid file is logged and the rules in force stay.
    func reloadRules() {
        do {
            let book = try RuleBook(files: config.ruleFiles, includeDefaults: config.defaultRules)
            engine.replaceRules(book)
            logger.info("rules reloaded: \(book.rules.count) rules from the defaults\(config.ruleFiles.isEmpty ? "" : " and \(config.ruleFiles.joined(separator: ", "))")")
        } catch {
            counters.add(.retried, reason: "rules-reload-refused")
            logger.error("rules not reloaded, the rules in force stay: \(error)")
        }
    }

    func handle(_ record: KafkaRecordView) throws {
        unreportedReceived &+= 1
        let source = TopicPartition(topic: record.topic, partition: record.partition)
        tracker.consumed(source, offset: record.offset)
        let event: EventView
        do throws(EventCodec.DecodeError) {
            event = try EventView(validating: record.value)
        } catch {
            try deadLetter(record, source: source, reason: error.description)
            return
        }
        let position = InputPosition(topic: record.topic, partition: record.partition, offset: record.offset)
        raised.removeAll(keepingCapacity: true)
        engine.process(event, probe: event.probeKind!, at: position, into: &raised)
        guard !raised.isEmpty else {
            tracker.acknowledged(source, offset: record.offset)
            return
        }
        openAlerts[position] = raised.count
        for r in raised {
            try send(r, record: position)
        }
    }

    private func send(_ r: RaisedAlert, record: InputPosition) throws {
        let token = nextToken
        nextToken &+= 1
        pending[token] = PendingAlert(record: record, holds: r.positions, alert: r.record)
        for p in r.positions { alertHolds[p.partitionKey, default: [:]][p.offset, default: 0] += 1 }
        try producer.send(topic: TopicNames.alerts, key: r.record.key, value: r.record.encoded(), token: token)
    }

    private func deadLetter(_ record: KafkaRecordView, source: TopicPartition, reason: String) throws {
        logger.warning("dead-lettering \(record.topic)[\(record.partition)]@\(record.offset): \(reason)")
        let letter = DeadLetter(stage: name, reason: reason, sourceTopic: record.topic, sourcePartition: record.partition,
                                sourceOffset: record.offset, payload: Array(record.value))
        let token = nextToken
        nextToken &+= 1
        let position = InputPosition(topic: record.topic, partition: record.partition, offset: record.offset)
        pending[token] = PendingAlert(record: position, holds: [], alert: AlertRecord())
        openAlerts[position] = 1
        try producer.send(topic: TopicNames.deadLetter, key: Array(record.topic.utf8), value: letter.encoded(), token: token)
    }

    private func delivered(_ report: DeliveryReport) {
        guard report.token != 0, let p = pending[report.token] else {
            if let error = report.error { counters.add(.dropped, reason: "stats-delivery"); logger.warning("stats not delivered: \(error)") }
            return
        }
        if let error = report.error {
            counters.add(.retried, reason: "delivery")
            logger.warning("delivery to \(report.topic) failed (\(error)); will retry")
            retryQueue.append((report.token, report.failedKey, report.failedValue ?? []))
            return
        }
        pending[report.token] = nil
        for h in p.holds {
            let k = h.partitionKey
            if let n = alertHolds[k]?[h.offset] {
                alertHolds[k]![h.offset] = n > 1 ? n - 1 : nil
                if alertHolds[k]!.isEmpty { alertHolds[k] = nil }
            }
        }
        if p.alert.alertID.isEmpty {
            counters.add(.deadLettered, reason: "malformed")
        } else {
            counters.add(.produced)
            alertsBySeverity[p.alert.severity, default: 0] += 1
            alertLine.write(p.alert)
            webhook?.enqueue(p.alert)
        }
        if let left = openAlerts[p.record] {
            if left > 1 {
                openAlerts[p.record] = left - 1
            } else {
                openAlerts[p.record] = nil
                tracker.acknowledged(TopicPartition(topic: p.record.topic, partition: p.record.partition), offset: p.record.offset)
            }
        }
    }

    private func resendFailed() {
        guard !retryQueue.isEmpty else { return }
        let retries = retryQueue
        retryQueue.removeAll()
        for r in retries {
            let topic = pending[r.token].map { $0.alert.alertID.isEmpty ? TopicNames.deadLetter : TopicNames.alerts } ?? TopicNames.alerts
            do { try producer.send(topic: topic, key: r.key, value: r.value, token: r.token) } catch {
                logger.error("re-send to \(topic) failed: \(error)")
                retryQueue.append(r)
            }
        }
    }

    private func drainAlerts(timeoutSeconds: Double) {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while !pending.isEmpty, Date() < deadline {
            resendFailed()
            producer.poll(timeoutMs: 50)
        }
        if !pending.isEmpty {
            logger.warning("\(pending.count) alerts still unacknowledged after \(Int(timeoutSeconds)) s; their events' offsets stay uncommitted")
        }
    }

    /// Commits, per partition, the first offset that is neither unacknowledged nor held by rule state
    /// or an unacknowledged alert.
    private func commit() {
        lastCommitNanos = WallClock.monotonicNanos()
        var offsets = tracker.committable()
        guard !offsets.isEmpty else { return }
        let held = engine.heldOffsets()
        for (tp, offset) in offsets {
            let key = PartitionKey(topic: tp.topic, partition: tp.partition)
            var limit = offset
            if let h = held[key] { limit = min(limit, h) }
            if let holds = alertHolds[key], let h = holds.keys.min() { limit = min(limit, h) }
            offsets[tp] = limit
        }
        do {
            try consumer.commit(offsets)
            tracker.markCommitted(offsets)
        } catch {
            counters.add(.retried, reason: "commit")
            logger.warning("offset commit failed: \(error); will retry")
        }
    }

    private func reportCounts() {
        if unreportedReceived > 0 { counters.add(.received, unreportedReceived) }
        unreportedReceived = 0
        counters.set("held_events", UInt64(engine.heldCount))
        counters.set("late_events", engine.lateEvents)
        counters.set("evicted_events", engine.evictedEvents)
        counters.set("rules", UInt64(engine.book.rules.count))
        for (severity, n) in alertsBySeverity { counters.set("alerts{\(severity)}", n) }
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
