import CRdKafka
import Foundation

/// Reads one topic from near its end without joining a consumer group (partitions assigned directly,
/// nothing committed): first the newest `backlog` records of every partition, then whatever arrives.
/// `infrasight top` reads `infrasight.stats` this way, so it disturbs no stage and shows rates at once.
/// Not thread-safe.
public final class KafkaTopicTail {
    private var rk: OpaquePointer?
    private let context: RdKafkaContext
    public let topic: String
    public let brokers: String

    public init(config: KafkaClientConfig, topic: String, backlog: Int64, timeoutMs: Int32 = 10_000) throws {
        self.topic = topic
        brokers = config.brokers
        let role = "reader of \(topic)"
        context = RdKafkaContext(brokers: config.brokers, role: role)
        let conf = try RdKafkaHandle.makeConf(config, role: role,
                                              // librdkafka's assign() needs a group id; it is never joined nor committed to.
                                              defaults: ["group.id": "infrasight-tail-\(ProcessInfo.processInfo.processIdentifier)",
                                                         "enable.auto.commit": "false", "enable.auto.offset.store": "false"],
                                              extra: [:], context: context)
        let handle = try RdKafkaHandle.create(RD_KAFKA_CONSUMER, conf: conf, role: role, brokers: config.brokers)
        rk = handle
        rd_kafka_poll_set_consumer(handle)
        let partitions = try Self.partitionCount(handle, topic: topic, brokers: config.brokers, timeoutMs: timeoutMs)
        let tps = (0..<partitions).map { TopicPartition(topic: topic, partition: $0) }
        // RD_KAFKA_OFFSET_TAIL(n) is a C macro: RD_KAFKA_OFFSET_TAIL_BASE - n.
        let tail = Int64(RD_KAFKA_OFFSET_TAIL_BASE) - max(backlog, 0)
        let list = PartitionList.make(tps, offsets: Dictionary(uniqueKeysWithValues: tps.map { ($0, tail) }))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            close()
            throw KafkaError(err, context: "cannot read \(topic) on \(config.brokers)")
        }
    }

    deinit { close() }

    static func partitionCount(_ rk: OpaquePointer, topic: String, brokers: String, timeoutMs: Int32) throws -> Int32 {
        guard let rkt = rd_kafka_topic_new(rk, topic, nil) else {
            throw KafkaError.wrapper("cannot open topic \(topic) on \(brokers)")
        }
        defer { rd_kafka_topic_destroy(rkt) }
        var md: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(rk, 0, rkt, &md, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let md else {
            throw KafkaError(err, context: "no metadata for \(topic) from \(brokers); is the broker reachable?")
        }
        defer { rd_kafka_metadata_destroy(md) }
        guard md.pointee.topic_cnt > 0, md.pointee.topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR,
              md.pointee.topics[0].partition_cnt > 0 else {
            throw KafkaError.wrapper("topic \(topic) does not exist on \(brokers); run `infrasight topics create`")
        }
        return md.pointee.topics[0].partition_cnt
    }

    /// The next record, or nil when none arrived within `timeoutMs` (transient errors are logged and skipped).
    public func poll(timeoutMs: Int32) throws -> KafkaMessage? {
        guard let rk else { throw KafkaError.wrapper("poll on a closed reader of \(topic)") }
        if let fatal = context.fatalError { throw fatal }
        guard let msgPtr = rd_kafka_consumer_poll(rk, timeoutMs) else { return nil }
        defer { rd_kafka_message_destroy(msgPtr) }
        let err = msgPtr.pointee.err
        if err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let error = KafkaError(err, context: "reading \(topic) on \(brokers)", detail: String(cString: rd_kafka_message_errstr(msgPtr)))
            if error.isFatal { throw error }
            kafkaLogger.warning("\(error)")
            return nil
        }
        return KafkaMessage(msgPtr, topic: topic)
    }

    /// Idempotent.
    public func close() {
        guard let handle = rk else { return }
        rk = nil
        RdKafkaHandle.closeConsumer(handle, role: context.role, brokers: brokers)
    }
}
