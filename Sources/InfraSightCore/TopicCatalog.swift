/// One topic of the catalog: everything an operator or another team needs to create and read it.
public struct TopicDescriptor: Sendable, Codable, Equatable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int16
    public var retentionMs: Int64
    /// What the message key is, and why.
    public var key: String
    /// What the message value is (schema and encoding).
    public var schema: String
    /// Extra topic-level configuration (cleanup policy, compression…).
    public var config: [String: String]

    /// The topic-level configuration to create the topic with.
    public var topicConfig: [String: String] {
        var c = config
        c["retention.ms"] = String(retentionMs)
        return c
    }
}

/// Every topic InfraSight uses, with partitions, retention, key and schema.
///
/// `topics/catalog.json` in the repository is this catalog rendered (`infrasight topics catalog`);
/// a test keeps the two identical.
public enum TopicCatalog {
    static let day: Int64 = 24 * 3600 * 1000

    /// The default catalog. Partition counts bound how many workers of a group can share a topic.
    public static func all(partitions: Int32 = 6, replicationFactor: Int16 = 1) -> [TopicDescriptor] {
        var topics: [TopicDescriptor] = []
        for probe in Probe.allCases {
            topics.append(TopicDescriptor(
                name: probe.rawTopic, partitions: partitions, replicationFactor: replicationFactor,
                retentionMs: 3 * day,
                key: "\"<host>/<pid>\" (UTF-8): keeps one process's events in order",
                schema: "protobuf infrasight.v1.Event (topics/proto/infrasight/v1/event.proto), enriched unset",
                config: ["compression.type": "producer"]))
            topics.append(TopicDescriptor(
                name: probe.enrichedTopic, partitions: partitions, replicationFactor: replicationFactor,
                retentionMs: 3 * day,
                key: "same key as the raw event",
                schema: "protobuf infrasight.v1.Event with enriched set",
                config: ["compression.type": "producer"]))
        }
        topics.append(TopicDescriptor(
            name: TopicNames.deadLetter, partitions: 1, replicationFactor: replicationFactor,
            retentionMs: 14 * day,
            key: "source topic name",
            schema: "JSON DeadLetter: stage, reason, source topic/partition/offset, payload (base64), time_ns",
            config: [:]))
        topics.append(TopicDescriptor(
            name: TopicNames.stats, partitions: 1, replicationFactor: replicationFactor,
            retentionMs: 7 * day,
            key: "\"<stage>/<instance>\"",
            schema: "JSON StatsRecord: stage, instance, host, time_ns, counters",
            config: [:]))
        topics.append(TopicDescriptor(
            name: TopicNames.alerts, partitions: 3, replicationFactor: replicationFactor,
            retentionMs: 30 * day,
            key: "\"<host>/<pid>\" (UTF-8), as the events that raised it",
            schema: "protobuf infrasight.v1.Alert (topics/proto/infrasight/v1/alert.proto)",
            config: ["compression.type": "producer"]))
        return topics
    }
}
