import Foundation
import InfraSightClickHouse
import InfraSightCore
import InfraSightKafka
import Logging
import Metrics

/// `infrasight sink`: consumes `infrasight.events.*`, batches rows per table by rows, bytes and time,
/// inserts them over ClickHouse's HTTP interface in RowBinary, and commits offsets only after
/// ClickHouse acknowledged the insert (and the dead-letter queue acknowledged any poison message).
///
/// Inserts run on a thread of their own (`InsertThread`) while the loop builds the next batches. While
/// ClickHouse is unreachable that thread retries with exponential backoff and jitter, and the loop
/// stops consuming once its next batch is full, so memory stays bounded by two batches per table.
/// Rows ClickHouse rejects are isolated by splitting the batch; the rejected row goes to
/// `infrasight.dlq` and the rest land.
public final class SinkStage: BlockingStage, @unchecked Sendable {
    public let name = "sink"
    public let config: SinkConfig
    public let counters = StageCounters(stage: "sink")
    let logger: Logger

    private var client: ClickHouseClient!
    private var flavor: SchemaFlavor = .legacy
    private var supportsDedupToken = false
    private var useAsyncInsert = false
    private var batches: [String: RowBatch] = [:]
    /// A batch reached its row or byte limit.
    private var flushDue = false
    /// When the oldest batched row arrived (nil while every batch is empty).
    private var oldestRowNanos: UInt64?
    /// Next offset to commit per partition: everything before it is stored or dead-lettered.
    private var consumedUpTo: [TopicPartition: Int64] = [:]
    private var producer: KafkaProducer!
    private var consumer: KafkaConsumer!
    private var dlqFailures = 0
    private var stop = StopFlag()
    /// Inserts run here while the loop goes on consuming (`InsertThread`).
    private var inserts: InsertThread!
    /// Emptied batches the insert thread gave back, reused for the next rows (their buffers keep their size).
    private var spare: [String: RowBatch] = [:]
    /// Set when a flush could not be stored (only at shutdown): nothing is committed after it.
    private var commitsStopped = false
    static let deadLetterToken: UInt64 = 1
    /// Server-side batching that still acknowledges only stored rows.
    static let asyncInsertSettings = ["async_insert": "1", "wait_for_async_insert": "1"]

    public init(config: SinkConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    public func runLoop(stop: StopFlag) throws {
        self.stop = stop
        client = try ClickHouseClient(endpoint: config.clickhouse)
        guard let version = waitForClickHouse() else { return }
        flavor = SchemaFlavor(version: version)
        supportsDedupToken = version >= ClickHouseVersion("22.2")!
        useAsyncInsert = config.asyncInsert && version >= ClickHouseVersion("21.11")!
        if config.asyncInsert && !useAsyncInsert {
            logger.warning("--async-insert ignored: ClickHouse \(version) has no asynchronous inserts (21.11+)")
        }
        try SchemaManager(client: client, database: config.database).requireCurrent()
        logger.info("ClickHouse \(version) at \(config.clickhouse.baseURL): \(flavor.rawValue) schema, dedup token \(supportsDedupToken ? "on" : "off (ReplacingMergeTree collapses replays)")")

        inserts = InsertThread(inserter: BatchInserter(
            client: client, config: config, counters: counters, logger: logger, stop: stop,
            supportsDedupToken: supportsDedupToken, useAsyncInsert: useAsyncInsert))
        inserts.start()
        defer { inserts.close() }
        producer = try KafkaProducer(config: config.kafka, idempotent: true) { [weak self] report in
            guard let self, let error = report.error else { return }
            if report.token == Self.deadLetterToken { self.dlqFailures += 1 }
            if report.token == Self.deadLetterToken { self.counters.add(.retried, reason: "dlq-delivery") } else { self.counters.add(.dropped, reason: "stats-delivery") }
            self.logger.error("could not publish to \(report.topic): \(error)")
        }
        consumer = try KafkaConsumer(config: config.kafka, groupId: config.group,
                                     topics: [TopicNames.enrichedPattern, TopicNames.stats],
                                     extraOptions: ["max.poll.interval.ms": "600000"])
        consumer.onRevoke = { [weak self] partitions in
            guard let self else { return }
            self.logger.info("partitions revoked: \(partitions.count); inserting and committing first")
            _ = self.flushAll()
            for p in partitions { self.consumedUpTo[p] = nil }
        }
        consumer.onAssign = { [weak self] partitions in
            self.map { $0.logger.info("partitions assigned: \(partitions.map { "\($0.topic)[\($0.partition)]" }.joined(separator: " "))") }
        }
        let stats = StatsReporter(counters: counters, intervalSeconds: config.statsIntervalSeconds, logger: logger) { [weak self] key, value in
            try? self?.producer.send(topic: TopicNames.stats, key: key, value: value, token: 0)
        }
        logger.info("sink consuming \(TopicNames.enrichedPattern) and \(TopicNames.stats) as group \(config.group) from \(config.kafka.brokers)")

        while !stop.isSet {
            if let done = inserts.finished() { _ = complete(done) }
            if let message = try consumer.poll(timeoutMs: 100) {
                handle(message)
            }
            producer.poll(timeoutMs: 0)
            // A flush in flight and a batch full: startFlush waits for it (two sets of batches at most).
            // Due by time only: it goes when the one in flight has finished.
            if shouldFlush() && (flushDue || !inserts.isBusy) { startFlush() }
            if stats.dueSoon { updateLag() }
            stats.tick()
        }
        logger.info("sink draining: inserting what is batched and committing")
        let stored = flushAll()
        stats.tick(force: true)
        _ = producer.flush(timeoutMs: 10_000)
        consumer.close()
        producer.close()
        logger.info("sink stopped (\(stored ? "all consumed rows stored and committed" : "uncommitted rows will be re-read on restart"))")
    }

    func handle(_ message: KafkaMessage) {
        counters.add(.received)
        let tp = TopicPartition(topic: message.topic, partition: message.partition)
        consumedUpTo[tp] = message.offset + 1
        if message.topic == TopicNames.stats {
            guard let record = try? JSONDecoder().decode(StatsRecord.self, from: Data(message.value)) else {
                deadLetter(message.value, reason: "not a JSON stats record", topic: message.topic,
                           partition: message.partition, offset: message.offset)
                return
            }
            let size = batches[PipelineStatsTable.name, default: RowBatch(
                table: PipelineStatsTable.name, insertStatement: PipelineStatsTable.insertStatement(database: config.database))]
                .append(from: message) { _ = PipelineStatsTable.encode(record, into: &$0) }
            noteAppended(size)
            return
        }
        // Read in place: the row is written from the message's bytes, nothing decoded or copied.
        let rejection: String? = message.value.withUnsafeBytes { raw in
            let event: EventView
            do {
                event = try EventView(validating: raw)
            } catch {
                return "\(error)"
            }
            let table = EventTables.table(for: event.probeKind!)   // validated
            let size = batches[table.name, default: RowBatch(table: table, database: config.database)]
                .append(event, of: table, flavor: flavor, from: message)
            noteAppended(size)
            return nil
        }
        if let rejection {
            deadLetter(message.value, reason: rejection, topic: message.topic, partition: message.partition, offset: message.offset)
        }
    }

    /// Records a batch's size after an append: full batches are due at once, and the oldest row
    /// starts the wait. (Checking every batch per message would copy each out of the dictionary.)
    private func noteAppended(_ size: (rows: Int, bytes: Int)) {
        if size.rows >= config.batchMaxRows || size.bytes >= config.batchMaxBytes { flushDue = true }
        if oldestRowNanos == nil { oldestRowNanos = WallClock.monotonicNanos() }
    }

    func shouldFlush() -> Bool {
        if flushDue { return true }
        guard let oldest = oldestRowNanos else { return false }
        return WallClock.monotonicNanos() &- oldest >= UInt64(config.batchMaxWaitMs) * 1_000_000
    }

    /// After a flush (complete or cut short): what is left decides the next one.
    private func recomputeFlushState() {
        flushDue = false
        oldestRowNanos = nil
        for batch in batches.values where !batch.isEmpty {
            if batch.rows.count >= config.batchMaxRows || batch.byteCount >= config.batchMaxBytes { flushDue = true }
            oldestRowNanos = min(oldestRowNanos ?? batch.openedAtNanos, batch.openedAtNanos)
        }
    }

    /// Hands the batched rows and the offsets they cover to the insert thread (after taking back the
    /// flush in flight, if any); the next rows go into reset batches it gave back earlier.
    private func startFlush() {
        if let done = inserts.wait(idle: { producer.poll(timeoutMs: 0) }) { _ = complete(done) }
        var flush = InsertThread.Flush(batches: [], offsets: consumedUpTo)
        for name in batches.keys.sorted() {
            guard let batch = batches[name], !batch.isEmpty else { continue }
            flush.batches.append(batch)
            batches[name] = spare.removeValue(forKey: name) ?? RowBatch(table: batch.table, insertStatement: batch.insertStatement)
        }
        recomputeFlushState()
        inserts.submit(flush)
    }

    /// Finishes a flush the insert thread stored: dead-letters the rows ClickHouse refused, waits for
    /// the dead-letter queue's acknowledgements, then commits the flush's offsets. False when nothing
    /// was committed (shutdown cut the inserts short, the dead-letter queue failed, or the commit did;
    /// re-delivery then, collapsed by event_id).
    private func complete(_ outcome: InsertThread.Outcome) -> Bool {
        for var batch in outcome.flush.batches {
            batch.reset()
            spare[batch.table] = batch
        }
        for r in outcome.rejected {
            deadLetter(r.row.payload, reason: r.reason, topic: r.row.topic, partition: r.row.partition, offset: r.row.offset)
        }
        guard outcome.stored, !commitsStopped else {
            commitsStopped = true   // a later flush must not commit past rows that were not stored
            return false
        }
        if !producer.flush(timeoutMs: 60_000) || dlqFailures > 0 {
            logger.error("dead-letter queue did not acknowledge every message; not committing (they will be re-read)")
            dlqFailures = 0
            return false
        }
        guard !outcome.flush.offsets.isEmpty else { return true }
        // The rows are stored; a commit that keeps failing only means re-delivery (collapsed by event_id).
        // Never spin here: a member evicted from its group (UNKNOWN_MEMBER_ID after a broker stall)
        // must get back to polling to rejoin.
        var backoff = Backoff(initialMs: 100, maxMs: 1000)
        for attempt in 1...3 {
            do {
                try consumer.commit(outcome.flush.offsets)
                return true
            } catch {
                counters.add(.retried, reason: "commit")
                logger.warning("offset commit failed (attempt \(attempt)/3): \(error)")
                if attempt < 3 { stop.sleep(ms: backoff.nextDelayMs()) }
            }
        }
        logger.warning("giving up this commit: the stored rows may be re-delivered after a rebalance and are collapsed by event_id")
        return false
    }

    /// Inserts every batch (after the flush in flight), waits for dead letters to be acknowledged, then
    /// commits: used where the loop must not go on first (a revocation, shutdown).
    func flushAll() -> Bool {
        startFlush()
        guard let done = inserts.wait(idle: { producer.poll(timeoutMs: 0) }) else { return false }
        return complete(done)
    }

    func deadLetter(_ payload: [UInt8], reason: String, topic: String, partition: Int32, offset: Int64) {
        logger.warning("dead-lettering \(topic)[\(partition)]@\(offset): \(reason)")
        let letter = DeadLetter(stage: name, reason: reason, sourceTopic: topic, sourcePartition: partition,
                                sourceOffset: offset, payload: payload)
        do {
            try producer.send(topic: TopicNames.deadLetter, key: Array(topic.utf8), value: letter.encoded(), token: Self.deadLetterToken)
            counters.add(.deadLettered, reason: reason.hasPrefix("ClickHouse") ? "rejected" : "malformed")
        } catch {
            dlqFailures += 1
            logger.error("could not enqueue dead letter: \(error)")
        }
    }

    func updateLag() {
        var total: Int64 = 0
        for (tp, lag) in consumer.lag() {
            counters.set("lag{\(tp.topic)/\(tp.partition)}", UInt64(max(lag, 0)))
            total += max(lag, 0)
        }
        counters.set("lag", UInt64(total))
    }

    /// Waits for ClickHouse with backoff; nil when asked to stop first.
    func waitForClickHouse() -> ClickHouseVersion? {
        var backoff = Backoff()
        while !stop.isSet {
            do {
                return try client.serverVersion()
            } catch {
                let delay = backoff.nextDelayMs()
                logger.warning("ClickHouse at \(config.clickhouse.baseURL) unreachable: \(error). Retrying in \(Int(delay)) ms")
                stop.sleep(ms: delay)
            }
        }
        return nil
    }
}
