import CRdKafka

/// A consumed record.
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// nil when the record has no key.
    public var key: [UInt8]?
    /// Empty for tombstones (null values).
    public var value: [UInt8]
    /// Producer (CreateTime) or broker (LogAppendTime) timestamp, when the record has one.
    public var timestampMs: Int64?

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8], timestampMs: Int64?) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestampMs = timestampMs
    }

    /// Where this record sits, for building commit maps.
    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}

extension KafkaMessage {
    /// Copies a successfully consumed librdkafka message (the caller checked `err` and still owns `msgPtr`);
    /// `topic` is its topic's name.
    init(_ msgPtr: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) {
        let msg = msgPtr.pointee
        let value: [UInt8] = msg.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: msg.len)) } ?? []
        let key: [UInt8]? = msg.key.map { Array(UnsafeRawBufferPointer(start: $0, count: msg.key_len)) }
        var tsType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ts = rd_kafka_message_timestamp(msgPtr, &tsType)
        self.init(topic: topic, partition: msg.partition,
                  offset: msg.offset, key: key, value: value,
                  timestampMs: tsType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || ts < 0 ? nil : ts)
    }
}
