import InfraSightClickHouse
import InfraSightKafka

/// Settings of one sink process.
public struct SinkConfig: Sendable {
    public var kafka: KafkaClientConfig
    public var clickhouse: ClickHouseEndpoint
    public var group: String = "infrasight-sink"
    public var database: String = "infrasight"
    /// A batch is inserted when it reaches any of these (ClickHouse's guidance: about one insert per second
    /// per table). 16 MiB is a tenth of a second of a storm: two batches are held while one is inserted
    /// (rows keep no copy of their source message), and a sink must stay within 128 MB. ClickHouse
    /// spends ~20 % less per row on 16 MiB inserts than on 8 MiB ones (issue 11, row 5).
    public var batchMaxRows: Int = 50_000
    public var batchMaxBytes: Int = 16 << 20
    public var batchMaxWaitMs: Int = 1000
    /// Use the server's asynchronous inserts (ClickHouse >= 21.11) with `wait_for_async_insert=1`, so the
    /// acknowledgement still means "stored" and offsets are committed only after it. Ignored (with a log
    /// line) on servers without them.
    public var asyncInsert: Bool = false
    public var statsIntervalSeconds: Double = 10
    /// Stop retrying an unreachable ClickHouse during shutdown after this long; uncommitted rows are re-read on restart.
    public var shutdownGraceSeconds: Double = 30

    public init(kafka: KafkaClientConfig, clickhouse: ClickHouseEndpoint) {
        self.kafka = kafka
        self.clickhouse = clickhouse
    }
}
