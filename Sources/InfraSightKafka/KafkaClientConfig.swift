/// Connection settings shared by every client: bootstrap brokers and pass-through librdkafka options (TLS/SASL etc.).
///
/// `options` are handed to librdkafka verbatim (`security.protocol`, `sasl.mechanisms`, `ssl.ca.location`, ...),
/// and they override the defaults each client picks; per-client `extraOptions` override them in turn.
public struct KafkaClientConfig: Sendable {
    /// Comma-separated `host:port` list (librdkafka `bootstrap.servers`).
    public var brokers: String
    /// librdkafka `client.id`; shows up in broker logs.
    public var clientId: String
    /// Pass-through librdkafka configuration properties.
    public var options: [String: String]

    public init(brokers: String, clientId: String = "infrasight", options: [String: String] = [:]) {
        self.brokers = brokers
        self.clientId = clientId
        self.options = options
    }
}
