/// Where a consumed event came from: its input topic, partition and offset. Events kept in rule state
/// (and events whose alert is not yet acknowledged) hold back the commit of their partition, so a
/// restarted worker reads them again and rebuilds the state.
public struct InputPosition: Hashable, Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// The topic-partition, without the offset.
    public var partitionKey: PartitionKey { PartitionKey(topic: topic, partition: partition) }
}

/// A topic-partition, independent of the bus.
public struct PartitionKey: Hashable, Sendable {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
}
