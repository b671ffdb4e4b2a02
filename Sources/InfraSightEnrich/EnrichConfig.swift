import InfraSightKafka

/// Settings of one enrichment worker.
public struct EnrichConfig: Sendable {
    public var kafka: KafkaClientConfig
    public var group: String = "infrasight-enrich"
    /// Enrichment steps by name, in order (`EnrichmentPipeline.defaultNames`).
    public var steps: [String] = EnrichmentPipeline.defaultNames
    /// Configuration of the steps that need some (sensitive-paths file, reverse DNS, services file).
    public var enrichment = EnrichmentOptions()
    /// Consumed-but-unacknowledged messages before the worker stops consuming (backpressure). Each is
    /// held twice until acknowledged (for a retry, and in librdkafka's queue): 8k of ~700 B is ~11 MB,
    /// and still 40 ms of produce latency at 200k/s (measured: 20k held 111 MB resident at peak, 8k 96 MB,
    /// at the same rate).
    public var maxInFlight: Int = 8_000
    public var commitIntervalMs: Int = 1000
    public var statsIntervalSeconds: Double = 10

    public init(kafka: KafkaClientConfig) { self.kafka = kafka }
}
