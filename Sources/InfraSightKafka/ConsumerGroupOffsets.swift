import CRdKafka

/// Reads the offsets a consumer group has committed without joining the group: a consumer handle configured
/// with the group's id that never subscribes, asking the group coordinator (OffsetFetch). Used by
/// `infrasight top` to see how far the enrich and sink groups really got on each topic. Not thread-safe.
public final class ConsumerGroupOffsets {
    private var rk: OpaquePointer?
    private let context: RdKafkaContext
    public let group: String
    public let brokers: String

    public init(config: KafkaClientConfig, group: String) throws {
        self.group = group
        brokers = config.brokers
        let role = "offset reader of group \(group)"
        context = RdKafkaContext(brokers: config.brokers, role: role)
        let conf = try RdKafkaHandle.makeConf(config, role: role,
                                              defaults: ["group.id": group, "enable.auto.commit": "false"],
                                              extra: [:], context: context)
        rk = try RdKafkaHandle.create(RD_KAFKA_CONSUMER, conf: conf, role: role, brokers: config.brokers)
    }

    deinit { close() }

    /// The committed offset (next offset to read) of each partition that has one.
    public func committed(_ partitions: [TopicPartition], timeoutMs: Int32 = 5_000) throws -> [TopicPartition: Int64] {
        guard let rk else { throw KafkaError.wrapper("\(group): offset reader is closed") }
        if partitions.isEmpty { return [:] }
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_committed(rk, list, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, context: "committed offsets of group \(group) on \(brokers)")
        }
        var result: [TopicPartition: Int64] = [:]
        for (tp, offset, perr) in PartitionList.entries(list) where perr == RD_KAFKA_RESP_ERR_NO_ERROR && offset >= 0 {
            result[tp] = offset
        }
        return result
    }

    /// Idempotent.
    public func close() {
        guard let handle = rk else { return }
        rk = nil
        rd_kafka_destroy(handle)
    }
}
