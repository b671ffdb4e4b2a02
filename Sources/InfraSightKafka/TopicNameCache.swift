import CRdKafka

/// Topic names by librdkafka topic handle (a handle lives as long as its client): one `String` per
/// topic instead of one per consumed message or delivery report. Used from one thread (the one that
/// polls its client).
struct TopicNameCache {
    private var names: [OpaquePointer: String] = [:]

    /// The name of `rkt`'s topic.
    mutating func name(of rkt: OpaquePointer) -> String {
        if let known = names[rkt] { return known }
        let name = String(cString: rd_kafka_topic_name(rkt))
        names[rkt] = name
        return name
    }
}
