import CRdKafka
import Logging

/// A consumer-group member (librdkafka high-level consumer) with manual, synchronous offset commits.
///
/// Not thread-safe: use one instance from one thread. `onAssign`/`onRevoke` run inside `poll()`
/// (and `close()`) on that thread.
///
/// Defaults (overridable through `config.options` / `extraOptions`): `enable.auto.commit=false`,
/// `enable.auto.offset.store=false`, `auto.offset.reset=earliest`,
/// `partition.assignment.strategy=cooperative-sticky` (works with tansu 0.6.0: the assignment is computed
/// client-side, the broker only relays JoinGroup/SyncGroup), `session.timeout.ms=6000`,
/// `heartbeat.interval.ms=1000`, `max.poll.interval.ms=120000`; with a regex subscription also
/// `topic.metadata.refresh.interval.ms=30000` so new matching topics are picked up within ~30 s.
///
/// Topics starting with `^` are regular expressions (librdkafka semantics), e.g. `^infrasight\.raw\..*`.
///
/// Messages are taken from librdkafka in batches, and group events are served only between batches: every
/// assigned partition's fetch queue is forwarded to a queue of this consumer's own (before the partition
/// is assigned, so librdkafka keeps that forward), while rebalances stay on the consumer queue. A
/// revocation therefore never runs while messages already taken out of librdkafka are still unhandled,
/// and `onRevoke` commits what was handled. (One read per batch instead of one per message saves two clock
/// reads and several lock round trips per record: ~10 % of a worker's main thread, issue 11.)
public final class KafkaConsumer {
    private var rk: OpaquePointer?
    /// Messages taken from the message queue (`context.messageQueue`) and not yet handed out: `batch[batchIndex..<batchCount]`.
    private let batch = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(capacity: KafkaConsumer.batchCapacity)
    private var batchIndex = 0
    private var batchCount = 0
    static let batchCapacity = 256
    private let context: ConsumerContext
    /// The bootstrap brokers, for messages.
    public let brokers: String
    public let groupId: String
    public let topics: [String]

    /// Called from inside `poll()`/`close()` BEFORE partitions are revoked (commit finished work here; under
    /// cooperative-sticky only the partitions being taken away are listed), and after partitions are assigned
    /// (the newly added ones). Not called with empty lists.
    public var onRevoke: (([TopicPartition]) -> Void)? {
        get { context.onRevoke }
        set { context.onRevoke = newValue }
    }
    public var onAssign: (([TopicPartition]) -> Void)? {
        get { context.onAssign }
        set { context.onAssign = newValue }
    }

    /// `stageDefaults` replace these defaults for one stage and still yield to `config.options` (the
    /// user's `--kafka-option`); `extraOptions` override both.
    public init(config: KafkaClientConfig, groupId: String, topics: [String],
                stageDefaults: [String: String] = [:], extraOptions: [String: String] = [:]) throws {
        guard !topics.isEmpty else {
            throw KafkaError.wrapper("Kafka consumer group \(groupId) on \(config.brokers): no topics to subscribe to")
        }
        brokers = config.brokers
        self.groupId = groupId
        self.topics = topics
        context = ConsumerContext(brokers: config.brokers, role: "consumer group \(groupId)")
        var defaults = [
            "group.id": groupId,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": "cooperative-sticky",
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "1000",
            "max.poll.interval.ms": "120000",
            // One local queue holds every partition's prefetched messages in arrival order, so a flood on
            // one topic (a host-wide open storm) puts all of its backlog ahead of a quiet topic's (execve)
            // next message. librdkafka's 64 MiB default is minutes of backlog for a busy worker; 4 MiB
            // keeps the queue well under a second deep, and the backlog waits in Kafka, where it shows as lag.
            "queued.max.messages.kbytes": "4096",
            // Over that cap the fetcher sleeps `fetch.queue.backoff.ms` (1 s by default) before it looks
            // again: with a small cap a hot partition then lands ~12k msg/s instead of ~1M (measured on
            // tansu, issue 11). 10 ms refills the queue as soon as the worker has room.
            "fetch.queue.backoff.ms": "10",
            // A partition's fetch answer is decompressed whole and stays allocated while any of its
            // messages is queued: 1 MiB of lz4 per answer (librdkafka's default) held a sink at 148 MB
            // and an enrich worker at 101 MB on a one-partition backlog; 128 KiB per answer (and the
            // 4 MiB queue) held them at 115 and 72 MB at the same rate (issue 11, row 8).
            "max.partition.fetch.bytes": "131072",
            // A quiet partition answers a fetch after at most this long, so a trickle is not held back.
            "fetch.wait.max.ms": "100",
        ]
        if topics.contains(where: { $0.hasPrefix("^") }) {
            defaults["topic.metadata.refresh.interval.ms"] = "30000"
        }
        defaults.merge(stageDefaults) { $1 }
        let conf = try RdKafkaHandle.makeConf(config, role: "consumer group \(groupId)", defaults: defaults,
                                              extra: extraOptions, context: context)
        rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
            guard let rk, let ctx = RdKafkaContext.from(opaque) as? ConsumerContext else { return }
            ctx.rebalance(rk, err, partitions)
        }
        let handle = try RdKafkaHandle.create(RD_KAFKA_CONSUMER, conf: conf, role: "consumer group \(groupId)",
                                              brokers: config.brokers)
        rd_kafka_poll_set_consumer(handle)
        let queue = rd_kafka_queue_new(handle)!
        context.messageQueue = queue
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for t in topics { rd_kafka_topic_partition_list_add(list, t, -1) }
        let err = rd_kafka_subscribe(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            context.messageQueue = nil
            rd_kafka_queue_destroy(queue)
            rd_kafka_destroy(handle)
            throw KafkaError(err, context: "consumer group \(groupId) on \(brokers) cannot subscribe to \(topics)")
        }
        rk = handle
        kafkaLogger.debug("Kafka consumer subscribed", metadata: ["brokers": "\(brokers)", "group": "\(groupId)",
                                                                  "topics": "\(topics)"])
    }

    deinit {
        close()
        batch.deallocate()
    }

    /// Next message, or nil on timeout. Partition EOF and transient errors are logged, not thrown (nil is
    /// returned for them); fatal errors throw.
    public func poll(timeoutMs: Int32) throws -> KafkaMessage? {
        guard let (msgPtr, topic) = try next(timeoutMs: timeoutMs) else { return nil }
        defer { rd_kafka_message_destroy(msgPtr) }
        return KafkaMessage(msgPtr, topic: topic)
    }

    /// As `poll(timeoutMs:)`, but the next message is read in place: `body` gets it before librdkafka
    /// frees it, nothing is copied. Returns false when no message came (timeout, EOF, transient error).
    public func poll(timeoutMs: Int32, _ body: (KafkaRecordView) throws -> Void) throws -> Bool {
        guard let (msgPtr, topic) = try next(timeoutMs: timeoutMs) else { return false }
        defer { rd_kafka_message_destroy(msgPtr) }
        let msg = msgPtr.pointee
        try body(KafkaRecordView(topic: topic, partition: msg.partition, offset: msg.offset,
                                 value: UnsafeRawBufferPointer(start: msg.payload, count: msg.payload == nil ? 0 : msg.len),
                                 key: msg.key.map { UnsafeRawBufferPointer(start: $0, count: msg.key_len) }))
        return true
    }

    /// The next successfully consumed message (the caller destroys it) with its topic's name: the next one
    /// of the current batch; when the batch is used up, group events first (rebalance callbacks run here
    /// and only here), then what is queued now, or else the first message to come within `timeoutMs`.
    private func next(timeoutMs: Int32) throws -> (UnsafeMutablePointer<rd_kafka_message_t>, String)? {
        guard let rk, let messageQueue = context.messageQueue else {
            throw KafkaError.wrapper("poll on closed consumer (group \(groupId), brokers \(brokers))")
        }
        if let fatal = context.fatalError { throw fatal }
        if let msgPtr = takeFromBatch() { return try accept(msgPtr) }
        if let warning = context.joinWatch.warning(group: groupId, brokers: brokers) { kafkaLogger.warning("\(warning)") }
        // Group events, errors, and the messages of any partition whose queue could not be forwarded.
        if let msgPtr = rd_kafka_consumer_poll(rk, 0) { return try accept(msgPtr) }
        batchIndex = 0
        batchCount = max(0, rd_kafka_consume_batch_queue(messageQueue, 0, batch, Self.batchCapacity))
        if let msgPtr = takeFromBatch() { return try accept(msgPtr) }
        guard timeoutMs > 0, let msgPtr = rd_kafka_consume_queue(messageQueue, timeoutMs) else {
            if let fatal = context.fatalError { throw fatal }
            return nil
        }
        return try accept(msgPtr)
    }

    /// The next message of the current batch, if one is left.
    private func takeFromBatch() -> UnsafeMutablePointer<rd_kafka_message_t>? {
        guard batchIndex < batchCount else { return nil }
        defer { batchIndex += 1 }
        return batch[batchIndex]
    }

    /// A consumed message if it carries one (the caller destroys it); an event (partition EOF, an error) is
    /// logged or thrown, destroyed, and gives nil.
    private func accept(_ msgPtr: UnsafeMutablePointer<rd_kafka_message_t>) throws -> (UnsafeMutablePointer<rd_kafka_message_t>, String)? {
        let msg = msgPtr.pointee
        let topic = msg.rkt.map { topicNames.name(of: $0) } ?? ""
        if msg.err == RD_KAFKA_RESP_ERR_NO_ERROR { return (msgPtr, topic) }
        defer { rd_kafka_message_destroy(msgPtr) }
        if msg.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            kafkaLogger.debug("end of partition", metadata: ["topic": "\(topic)", "partition": "\(msg.partition)",
                                                             "offset": "\(msg.offset)"])
            return nil
        }
        let detail = String(cString: rd_kafka_message_errstr(msgPtr))
        let where_ = topic.isEmpty ? "" : " (\(topic)[\(msg.partition)])"
        let error = KafkaError(msg.err, context: "consumer group \(groupId) on \(brokers)\(where_)", detail: detail)
        if error.isFatal {
            let fatal = context.fatalError ?? error
            throw fatal
        }
        if msg.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || msg.err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED {
            kafkaLogger.error("\(error); create the topic / grant access (subscription stays active)")
        } else {
            kafkaLogger.warning("\(error)")
        }
        return nil
    }

    private var topicNames = TopicNameCache()

    /// Synchronous commit of explicit offsets; `offset` is the NEXT offset to read (last processed + 1).
    /// Throws if the commit request or any partition fails (e.g. partition no longer assigned after a rebalance).
    public func commit(_ offsets: [TopicPartition: Int64]) throws {
        guard let rk else {
            throw KafkaError.wrapper("commit on closed consumer (group \(groupId), brokers \(brokers))")
        }
        if offsets.isEmpty { return }
        let list = PartitionList.make(Array(offsets.keys), offsets: offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_commit(rk, list, 0)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(err, context: "commit of \(offsets.count) offset(s) for group \(groupId) on \(brokers) failed; "
                             + "uncommitted messages will be re-delivered")
        }
        let failed = PartitionList.entries(list).filter { $0.2 != RD_KAFKA_RESP_ERR_NO_ERROR }
        if let (tp, _, perr) = failed.first {
            throw KafkaError(perr, context: "commit for \(tp) (and \(failed.count - 1) more) in group \(groupId) on \(brokers) failed; "
                             + "uncommitted messages will be re-delivered")
        }
        for (tp, offset) in offsets { committedHere[tp] = offset }
    }

    /// Offsets this member committed, so `lag()` needs no round trip for them.
    private var committedHere: [TopicPartition: Int64] = [:]

    /// The partitions currently assigned to this member.
    public func assignment() -> [TopicPartition] {
        guard let rk else { return [] }
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(rk, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return PartitionList.partitions(list)
    }

    /// Per-partition lag for the current assignment: high watermark − committed offset (falling back to the
    /// consumer's position, then to the low watermark when neither exists yet). The high watermark is the one
    /// cached from the latest Fetch response (fresh within ~`fetch.wait.max.ms` while assigned), queried from
    /// the broker only if none is cached. The committed offset is the one this member last committed; only
    /// for partitions it has not committed yet is the broker asked (a round trip of at most `timeoutMs`, which
    /// stalled a busy worker's loop on every stats tick); partitions whose watermarks cannot be read are left out.
    public func lag(timeoutMs: Int32 = 5_000) -> [TopicPartition: Int64] {
        guard let rk else { return [:] }
        let assigned = assignment()
        if assigned.isEmpty { return [:] }
        // Partitions no longer assigned are forgotten (another member may commit them from now on).
        let assignedSet = Set(assigned)
        committedHere = committedHere.filter { assignedSet.contains($0.key) }
        var committed: [TopicPartition: Int64] = [:]
        var unknown: [TopicPartition] = []
        for tp in assigned {
            if let offset = committedHere[tp] { committed[tp] = offset } else { unknown.append(tp) }
        }
        if !unknown.isEmpty {
            let committedList = PartitionList.make(unknown)
            defer { rd_kafka_topic_partition_list_destroy(committedList) }
            if rd_kafka_committed(rk, committedList, timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR {
                for (tp, off, err) in PartitionList.entries(committedList) where err == RD_KAFKA_RESP_ERR_NO_ERROR && off >= 0 {
                    committed[tp] = off
                }
            }
        }
        let positionList = PartitionList.make(assigned)
        defer { rd_kafka_topic_partition_list_destroy(positionList) }
        var position: [TopicPartition: Int64] = [:]
        if rd_kafka_position(rk, positionList) == RD_KAFKA_RESP_ERR_NO_ERROR {
            for (tp, off, err) in PartitionList.entries(positionList) where err == RD_KAFKA_RESP_ERR_NO_ERROR && off >= 0 {
                position[tp] = off
            }
        }
        var result: [TopicPartition: Int64] = [:]
        for tp in assigned {
            // Prefer the watermarks the fetcher caches from Fetch responses (no round trip, and correct on
            // tansu 0.6.0, whose ListOffsets(latest) answers "base offset of the last batch + 1" instead of
            // the high watermark). Ask the broker only when nothing has been fetched yet.
            var low: Int64 = -1, high: Int64 = -1
            var err = rd_kafka_get_watermark_offsets(rk, tp.topic, tp.partition, &low, &high)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR || high < 0 || low < 0 {
                err = rd_kafka_query_watermark_offsets(rk, tp.topic, tp.partition, &low, &high, timeoutMs)
            }
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                kafkaLogger.warning("cannot read watermarks of \(tp) from \(brokers): \(String(cString: rd_kafka_err2str(err)))")
                continue
            }
            let base = committed[tp] ?? position[tp] ?? low
            result[tp] = max(0, high - base)
        }
        return result
    }

    /// The fatal error the consumer hit, if any.
    public var fatalError: KafkaError? { context.fatalError }

    /// Leaves the group (the final `onRevoke` runs inside, so the caller can commit) and destroys the handle;
    /// `timeoutMs` bounds the wait for the group to take the partitions back. Idempotent.
    ///
    /// The group is left by unsubscribing first, with the rebalance events served here as in `poll()`, and
    /// only then closed. A rebalance callback that calls `rd_kafka_assign` while librdkafka closes the
    /// consumer can wait for ever (librdkafka issues 4884 and 4527): a member that was not polled while
    /// another left has an assignment pending, and closing served it. This hung `make test` in CI.
    public func close(timeoutMs: Int = 30_000) {
        guard let handle = rk else { return }
        // Taken but never handled: not committed, so re-delivered (and librdkafka must get them back first).
        while batchIndex < batchCount {
            if let msgPtr = takeFromBatch() { rd_kafka_message_destroy(msgPtr) }
        }
        leaveByUnsubscribing(handle, timeoutMs: timeoutMs)
        // `rk` stays set while the group is left: the final `onRevoke` commits through it. The message queue
        // goes after that and before the handle (it holds a reference on it).
        RdKafkaHandle.closeConsumer(handle, role: "consumer group \(groupId)", brokers: brokers) {
            if let queue = self.context.messageQueue { rd_kafka_queue_destroy(queue) }
            self.context.messageQueue = nil
            self.rk = nil
        }
    }
}

extension KafkaConsumer {
    /// Unsubscribes and serves the consumer queue (rebalance callbacks included, as `poll()` does) until
    /// nothing is assigned or `timeoutMs` passed. Messages that still come are not handled: never
    /// committed, they are read again by the partition's next owner.
    fileprivate func leaveByUnsubscribing(_ handle: OpaquePointer, timeoutMs: Int) {
        let err = rd_kafka_unsubscribe(handle)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            kafkaLogger.warning("unsubscribing consumer group \(groupId) on \(brokers): \(String(cString: rd_kafka_err2str(err)))")
            return
        }
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMs))
        // Until nothing is assigned, then two more rounds for events already queued (an assignment that
        // arrived before the unsubscribe and its revoke).
        var quietRounds = 0
        while quietRounds < 2 {
            if ContinuousClock.now >= deadline {
                kafkaLogger.warning("consumer group \(groupId) on \(brokers) still had \(assignment()) assigned \(timeoutMs) ms after unsubscribing; closing anyway")
                return
            }
            if let msgPtr = rd_kafka_consumer_poll(handle, 100) { rd_kafka_message_destroy(msgPtr) }
            quietRounds = assignment().isEmpty ? quietRounds + 1 : 0
        }
    }
}

/// Consumer state reachable from the rebalance callback.
final class ConsumerContext: RdKafkaContext {
    var joinWatch = GroupJoinWatch()
    var onAssign: (([TopicPartition]) -> Void)?
    var onRevoke: (([TopicPartition]) -> Void)?
    /// The consumer's own message queue (nil once closed): partitions are forwarded to it before they are
    /// assigned, and `KafkaConsumer.next` reads it.
    var messageQueue: OpaquePointer?

    func rebalance(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t,
                   _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        // NULL while the member is not in a group (seen while closing: an empty assignment after leaving);
        // that case takes the eager calls, which accept any list.
        let cooperative = rd_kafka_rebalance_protocol(rk).map { String(cString: $0) } == "COOPERATIVE"
        let tps = PartitionList.partitions(partitions)
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if let messageQueue { forward(tps, to: messageQueue, rk) }
            if cooperative {
                if let e = rd_kafka_incremental_assign(rk, partitions) { logAndDestroy(e, "incremental assign") }
            } else {
                let r = rd_kafka_assign(rk, partitions)
                if r != RD_KAFKA_RESP_ERR_NO_ERROR { kafkaLogger.error("\(role) on \(brokers): assign failed: \(String(cString: rd_kafka_err2str(r)))") }
            }
            joinWatch.assigned()
            kafkaLogger.info("partitions assigned", metadata: ["group": "\(role)", "partitions": "\(tps)"])
            if !tps.isEmpty { onAssign?(tps) }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            if rd_kafka_assignment_lost(rk) != 0 {
                kafkaLogger.warning("\(role) on \(brokers): assignment lost (session timed out?); commits for \(tps) will fail and their uncommitted messages will be re-delivered to another member")
            }
            joinWatch.waiting()
            kafkaLogger.info("partitions revoked", metadata: ["group": "\(role)", "partitions": "\(tps)"])
            if !tps.isEmpty { onRevoke?(tps) }
            if cooperative {
                if let e = rd_kafka_incremental_unassign(rk, partitions) { logAndDestroy(e, "incremental unassign") }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
        default:
            kafkaLogger.error("\(role) on \(brokers): rebalance error \(String(cString: rd_kafka_err2name(err))): \(String(cString: rd_kafka_err2str(err)))")
            if cooperative {
                if let e = rd_kafka_incremental_unassign(rk, partitions) { logAndDestroy(e, "incremental unassign") }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
        }
    }

    /// Forwards each partition's fetch queue to `queue`. librdkafka keeps a forward made by the application
    /// when it starts fetching (it would otherwise forward to the consumer queue), and keeps it for the
    /// partition's lifetime. A partition whose queue cannot be had stays on the consumer queue, which
    /// `next` also reads: its messages are still consumed, in order.
    private func forward(_ partitions: [TopicPartition], to queue: OpaquePointer, _ rk: OpaquePointer) {
        for tp in partitions {
            guard let partitionQueue = rd_kafka_queue_get_partition(rk, tp.topic, tp.partition) else { continue }
            rd_kafka_queue_forward(partitionQueue, queue)
            rd_kafka_queue_destroy(partitionQueue)
        }
    }

    private func logAndDestroy(_ error: OpaquePointer, _ what: String) {
        kafkaLogger.error("\(role) on \(brokers): \(what) failed: \(KafkaError(error))")
        rd_kafka_error_destroy(error)
    }
}
