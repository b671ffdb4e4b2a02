import ArgumentParser
import InfraSightCore
import InfraSightSink

/// `infrasight sink`: batch-insert enriched events into ClickHouse.
struct SinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink", abstract: "Consume infrasight.events.* and batch-insert into ClickHouse.")

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var clickhouse: ClickHouseOptions
    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Consumer group; sinks in one group split the partitions.")
    var group: String = "infrasight-sink"

    @Option(name: .long, help: "Insert when a table's batch has this many rows.")
    var batchRows: Int = 50_000

    @Option(name: .long, help: "Insert when a table's batch has this many bytes.")
    var batchBytes: Int = 16 << 20

    @Option(name: .long, help: "Insert when a batch's oldest row has waited this long (ms).")
    var batchWaitMs: Int = 1000

    @Flag(name: .long, help: "Use ClickHouse asynchronous inserts (21.11+) with wait_for_async_insert=1.")
    var asyncInsert = false

    func run() async throws {
        LogSetup.bootstrap(level: common.logLevel)
        let logger = LogSetup.logger("sink")
        var config = SinkConfig(kafka: try kafka.clientConfig(clientId: "infrasight-sink"), clickhouse: try clickhouse.endpoint())
        config.group = group
        config.database = clickhouse.database
        config.batchMaxRows = batchRows
        config.batchMaxBytes = batchBytes
        config.batchMaxWaitMs = batchWaitMs
        config.asyncInsert = asyncInsert
        config.statsIntervalSeconds = common.statsInterval
        let stage = SinkStage(config: config, logger: logger)
        try await StageRunner.run(stage, counters: stage.counters, common: common, largeBlocks: .pooled, logger: logger)
    }
}
