/// The topic names of InfraSight's public contract.
public enum TopicNames {
    /// Prefix of every raw (agent) topic.
    public static let rawPrefix = "infrasight.raw."
    /// Prefix of every enriched topic.
    public static let enrichedPrefix = "infrasight.events."
    /// Poison messages, with the reason and their source.
    public static let deadLetter = "infrasight.dlq"
    /// Per-stage counters, published periodically by every stage.
    public static let stats = "infrasight.stats"
    /// Alerts raised by `infrasight detect` (protobuf infrasight.v1.Alert, key "<host>/<pid>").
    public static let alerts = "infrasight.alerts"
    /// librdkafka regex subscription for every raw topic.
    public static let rawPattern = "^infrasight\\.raw\\..*"
    /// librdkafka regex subscription for every enriched topic.
    public static let enrichedPattern = "^infrasight\\.events\\..*"

    public static func raw(_ probe: Probe) -> String { rawPrefix + probe.rawValue }
    public static func enriched(_ probe: Probe) -> String { enrichedPrefix + probe.rawValue }

    /// The probe named by a raw or enriched topic, if it is one of ours.
    public static func probe(ofTopic topic: String) -> Probe? {
        for prefix in [rawPrefix, enrichedPrefix] where topic.hasPrefix(prefix) {
            return Probe(rawValue: String(topic.dropFirst(prefix.count)))
        }
        return nil
    }
}
