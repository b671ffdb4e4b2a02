/// A topic to create.
public struct KafkaTopicSpec: Sendable {
    public var name: String
    public var partitions: Int32
    /// -1 = the broker's default (KIP-464); tansu accepts -1 and 1.
    public var replicationFactor: Int16
    /// Topic-level configuration, e.g. `["retention.ms": "86400000"]`.
    public var config: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int16 = -1, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }
}

/// What `KafkaAdmin.createTopics` did for one topic.
public enum TopicCreateOutcome: Sendable, Equatable {
    case created
    case alreadyExists
}
