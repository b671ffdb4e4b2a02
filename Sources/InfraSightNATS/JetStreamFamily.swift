/// A family of InfraSight subjects and the JetStream stream that stores it: one stream per family, so each
/// family has its own limits and its own duplicate window (a resend of a raw event is judged only against raw
/// events). The subjects are the Kafka topic names as they are, plus the partition suffix (`KeyPartitioner`).
public enum JetStreamFamily: String, Sendable, CaseIterable {
    case raw, events, dlq, stats, alerts

    /// The stream's name: INFRASIGHT_RAW, INFRASIGHT_EVENTS, INFRASIGHT_DLQ, INFRASIGHT_STATS, INFRASIGHT_ALERTS.
    public var streamName: String { "INFRASIGHT_" + rawValue.uppercased() }

    /// The topic (Kafka name) or topic prefix of the family: `infrasight.raw.` / `infrasight.events.` for the
    /// per-probe families, `infrasight.dlq` etc. for the single-topic ones.
    public var topicPrefix: String {
        switch self {
        case .raw: return "infrasight.raw."
        case .events: return "infrasight.events."
        case .dlq: return "infrasight.dlq"
        case .stats: return "infrasight.stats"
        case .alerts: return "infrasight.alerts"
        }
    }

    /// The stream's subjects: `infrasight.raw.>` and `infrasight.events.>` (probe, then partition);
    /// `infrasight.dlq` and `infrasight.dlq.>` (partitioned or not), and likewise for stats and alerts.
    public var subjects: [String] {
        switch self {
        case .raw, .events: return [topicPrefix + ">"]
        case .dlq, .stats, .alerts: return [topicPrefix, topicPrefix + ".>"]
        }
    }

    /// The consumer filter for partition `n` of the whole family: `infrasight.raw.*.3`, `infrasight.dlq.3`.
    public func filter(partition n: Int) -> String {
        switch self {
        case .raw, .events: return topicPrefix + "*.\(n)"
        case .dlq, .stats, .alerts: return topicPrefix + ".\(n)"
        }
    }

    /// The family a topic (or a partitioned subject) belongs to, if any.
    public static func of(topic: String) -> JetStreamFamily? {
        allCases.first { f in
            switch f {
            case .raw, .events: return topic.hasPrefix(f.topicPrefix)
            case .dlq, .stats, .alerts: return topic == f.topicPrefix || topic.hasPrefix(f.topicPrefix + ".")
            }
        }
    }
}
