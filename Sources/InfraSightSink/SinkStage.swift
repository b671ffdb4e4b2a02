import Foundation
import InfraSightClickHouse
import InfraSightCore
import InfraSightKafka
import Logging
import Metrics

/// `infrasight sink`: consumes `infrasight.events.*` (and `infrasight.stats` into `pipeline_stats`,
/// `infrasight.alerts` into `alerts`), batches rows per table by rows, bytes and time,
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
    /// A full batch and its last row (a batch is inserted once it reaches `batchMaxBytes`).
    private var batchCapacity: Int { config.batchMaxBytes + (1 << 20) }
    /// Records handled between two rounds of the loop's bookkeeping.
    static let burst: UInt64 = 256
    /// The partition records are coming from now and the next offset to commit there: records come in
    /// runs from one partition, and this is written to `consumedUpTo` when the run ends (`endRun`), not
    /// hashed into it per record.
    private var run: (topic: String, partition: Int32, next: Int64)?
    /// What the current run's records are, classified when the run starts (`noteConsumed`).
    private var runInput = SinkInput.events
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
        // The sink keeps no record once its row is written, so a fetch answer is freed at once: 1 MiB
        // answers (librdkafka's default) cost ~25 MB more than the consumers' 128 KiB and cut the broker's
        // work per row by two thirds (tansu 0.24 -> 0.07 cores at ~220k rows/s; issue 11, row 5). 512 KiB
        // keeps most of that (tansu's CPU in the co-located row within noise of 1 MiB's) and held the
        // sink's peak at ~116 MB where 1 MiB reached ~129 MB (issue 11, row 8). A --kafka-option still
        // overrides it.
        consumer = try KafkaConsumer(config: config.kafka, groupId: config.group,
                                     topics: [TopicNames.enrichedPattern, TopicNames.stats, TopicNames.alerts],
                                     stageDefaults: ["max.partition.fetch.bytes": "524288"],
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
        logger.info("sink consuming \(TopicNames.enrichedPattern), \(TopicNames.stats) and \(TopicNames.alerts) as group \(config.group) from \(config.kafka.brokers)")

        while !stop.isSet {
            if let done = inserts.finished() { _ = complete(done) }
            // A burst of records: the first waits up to 100 ms, the rest are taken while they are queued.
            // Bookkeeping that costs a clock read or a lock (counters, delivery reports, the time limit of
            // a batch, stats) runs once per burst rather than per record; a full batch ends the burst.
            var received: UInt64 = 0
            while received < Self.burst, !flushDue, try consumer.poll(timeoutMs: received == 0 ? 100 : 0, { handle($0) }) {
                received += 1
            }
            if received > 0 { counters.add(.received, received) }
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

    /// One consumed record: a row in its table's batch, a stats row, an alert row, or a dead letter.
    func handle(_ record: KafkaRecordView) {
        noteConsumed(record)
        switch runInput {
        case .events: break
        case .stats: return handleStats(record)
        case .alerts: return handleAlert(record)
        }
        // Read in place: the row is written from the record's bytes, nothing decoded or copied.
        let event: EventView
        do {
            event = try EventView(validating: record.value)
        } catch {
            deadLetter(Array(record.value), reason: "\(error)", topic: record.topic, partition: record.partition, offset: record.offset)
            return
        }
        let table = EventTables.table(for: event.probeKind!)   // validated
        let size = batches[table.name, default: RowBatch(table: table, database: config.database, capacity: batchCapacity)]
            .append(event, of: table, flavor: flavor, from: record)
        noteAppended(size)
    }

    /// A JSON stats record: one `pipeline_stats` row per counter.
    private func handleStats(_ record: KafkaRecordView) {
        guard let stats = try? JSONDecoder().decode(StatsRecord.self, from: Data(record.value)) else {
            deadLetter(Array(record.value), reason: "not a JSON stats record", topic: record.topic,
                       partition: record.partition, offset: record.offset)
            return
        }
        let size = batches[PipelineStatsTable.name, default: RowBatch(
            table: PipelineStatsTable.name, insertStatement: PipelineStatsTable.insertStatement(database: config.database),
            capacity: batchCapacity)]
            .append(topic: record.topic, partition: record.partition, offset: record.offset) {
                _ = PipelineStatsTable.encode(stats, into: &$0)
            }
        noteAppended(size)
    }

    /// An `infrasight.v1.Alert`: one `alerts` row, or a dead letter saying why it cannot be stored.
    private func handleAlert(_ record: KafkaRecordView) {
        let alert: AlertRecord
        do {
            alert = try AlertRecord.decode(record.value)
        } catch {
            deadLetter(Array(record.value), reason: "not an infrasight.v1.Alert: \(error)", topic: record.topic,
                       partition: record.partition, offset: record.offset)
            return
        }
        if let problem = AlertsTable.problem(with: alert) {
            deadLetter(Array(record.value), reason: problem, topic: record.topic, partition: record.partition, offset: record.offset)
            return
        }
        let size = batches[AlertsTable.name, default: RowBatch(
            table: AlertsTable.name, insertStatement: AlertsTable.insertStatement(database: config.database),
            capacity: batchCapacity)]
            .append(topic: record.topic, partition: record.partition, offset: record.offset) {
                AlertsTable.encode(alert, flavor: flavor, into: &$0)
            }
        noteAppended(size)
    }

    /// Everything before the next offset of the record's partition is now handled (stored, batched or
    /// dead-lettered).
    @inline(__always)
    private func noteConsumed(_ record: KafkaRecordView) {
        if let current = run, current.partition == record.partition, current.topic == record.topic {
            run!.next = record.offset + 1
            return
        }
        endRun()
        run = (record.topic, record.partition, record.offset + 1)
        runInput = SinkInput(topic: record.topic)
    }

    /// Writes the current run's offset to `consumedUpTo` (before anything reads it).
    private func endRun() {
        guard let current = run else { return }
        consumedUpTo[TopicPartition(topic: current.topic, partition: current.partition)] = current.next
        run = nil
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
        endRun()
        var flush = InsertThread.Flush(batches: [], offsets: consumedUpTo)
        for name in batches.keys.sorted() {
            guard let batch = batches[name], !batch.isEmpty else { continue }
            flush.batches.append(batch)
            batches[name] = spare.removeValue(forKey: name) ?? RowBatch(table: batch.table, insertStatement: batch.insertStatement, capacity: batchCapacity)
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
        deadLetter(outcome.rejected)
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

    /// Dead-letters the rows ClickHouse refused, with their source messages read back from the broker
    /// (the batch keeps only where each came from). A message the broker no longer has goes with an
    /// empty payload and says so in its reason; its topic, partition and offset still name it.
    func deadLetter(_ rejected: [BatchInserter.RejectedRow]) {
        guard !rejected.isEmpty else { return }
        var sources: [TopicPartition: [Int64: [UInt8]]] = [:]
        do {
            sources = try KafkaRecordReader.read(config: config.kafka, rejected.map { ($0.row.topic, $0.row.partition, $0.row.offset) })
        } catch {
            logger.error("could not read back \(rejected.count) refused row(s) for the dead-letter queue: \(error)")
        }
        for r in rejected {
            let payload = sources[TopicPartition(topic: r.row.topic, partition: r.row.partition)]?[r.row.offset]
            deadLetter(payload ?? [], reason: payload == nil ? r.reason + " (source message could not be read back)" : r.reason,
                       topic: r.row.topic, partition: r.row.partition, offset: r.row.offset)
        }
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
