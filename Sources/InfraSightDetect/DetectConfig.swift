import InfraSightKafka

/// Settings of one detect worker.
public struct DetectConfig: Sendable {
    public var kafka: KafkaClientConfig
    public var group: String = "infrasight-detect"
    /// `--rules` files, read after the built-in rules (later ones override earlier names).
    public var ruleFiles: [String] = []
    /// False: only the `--rules` files (`--no-default-rules`).
    public var defaultRules = true
    /// How far behind the newest event time an event may arrive and still take part in sequences and
    /// thresholds (events of one process come on several topics, not in order).
    public var latenessNs: UInt64 = 5_000_000_000
    /// Where each acknowledged alert is written as a JSON line: "stdout", "stderr", "off" or a file path.
    public var alertLog: String = "stdout"
    /// Webhook that receives each alert as a JSON POST (nil: none).
    public var webhookURL: String?
    /// Alerts waiting for the webhook before new ones are dropped (counted).
    public var webhookQueue: Int = 1_000
    /// Seconds between checks of the rules files for a change (0: only on SIGHUP).
    public var rulesPollSeconds: Double = 2
    public var maxInFlight: Int = 8_000
    public var commitIntervalMs: Int = 1000
    public var statsIntervalSeconds: Double = 10

    public init(kafka: KafkaClientConfig) { self.kafka = kafka }
}
