import ArgumentParser
import InfraSightCore
import InfraSightEnrich

/// `infrasight enrich`: a consumer-group worker that enriches raw events.
struct EnrichCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrich", abstract: "Consume infrasight.raw.*, enrich, produce infrasight.events.<probe>.")

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Consumer group; workers in one group split the partitions.")
    var group: String = "infrasight-enrich"

    @Option(name: .long, help: "Comma-separated enrichment steps, in order. Known: \(EnrichmentPipeline.defaultNames.joined(separator: ",")).")
    var steps: String = EnrichmentPipeline.defaultNames.joined(separator: ",")

    @Option(name: .long, help: "Unacknowledged messages before consumption pauses.")
    var maxInFlight: Int = 100_000

    func run() async throws {
        LogSetup.bootstrap(level: common.logLevel)
        let logger = LogSetup.logger("enrich")
        var config = EnrichConfig(kafka: try kafka.clientConfig(clientId: "infrasight-enrich"))
        config.group = group
        config.steps = steps.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        _ = try EnrichmentPipeline(names: config.steps)
        config.maxInFlight = maxInFlight
        config.statsIntervalSeconds = common.statsInterval
        try await StageRunner.run(EnrichStage(config: config, logger: logger), logger: logger)
    }
}
