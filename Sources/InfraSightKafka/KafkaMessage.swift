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
