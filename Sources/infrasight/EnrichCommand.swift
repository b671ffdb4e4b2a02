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

    @Option(name: .long, help: "Comma-separated enrichment steps, in order. Known: \(EnrichmentPipeline.knownNames.joined(separator: ",")).")
    var steps: String = EnrichmentPipeline.defaultNames.joined(separator: ",")

    @Option(name: .long, help: ArgumentHelp(
        "Sensitive-path patterns file for the sensitive step, replacing the built-in list.",
        discussion: "One pattern per line, # comments: /exact/path, /prefix/ (trailing slash), * for one path component, optional second word 'write' (modifications only)."),
            completion: .file())
    var sensitivePaths: String?

    @Flag(name: .long, help: "Enable the reverse-dns step (cached, resolved in the background; fills remote_hostname).")
    var reverseDns = false

    @Option(name: .long, help: "/etc/services-format file extending the built-in port→service table (missing file: built-in only).")
    var servicesFile: String = "/etc/services"

    @Option(name: .long, help: "Unacknowledged messages before consumption pauses.")
    var maxInFlight: Int = 8_000

    func run() async throws {
        LogSetup.bootstrap(level: common.logLevel)
        let logger = LogSetup.logger("enrich")
        var config = EnrichConfig(kafka: try kafka.clientConfig(clientId: "infrasight-enrich"))
        config.group = group
        config.steps = steps.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if reverseDns { config.steps = EnrichmentPipeline.adding("reverse-dns", to: config.steps) }
        config.enrichment.sensitivePathsFile = sensitivePaths
        config.enrichment.servicesFile = servicesFile.isEmpty ? nil : servicesFile
        _ = try EnrichmentPipeline(names: config.steps, options: config.enrichment)   // fail fast on bad names or files
        config.maxInFlight = maxInFlight
        config.statsIntervalSeconds = common.statsInterval
        let stage = EnrichStage(config: config, logger: logger)
        try await StageRunner.run(stage, counters: stage.counters, common: common, largeBlocks: .pooled, logger: logger)
    }
}
