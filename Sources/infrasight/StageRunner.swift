import InfraSightCore
import InfraSightObservability
import Logging
import ServiceLifecycle

/// Runs one blocking stage under a ServiceGroup: SIGTERM and SIGINT become a graceful shutdown
/// (drain, flush, commit), a second signal is not needed.
///
/// Unless metrics are off, the same group runs a `MetricsHTTPServer` with the stage's `/metrics`
/// (swift-metrics counters plus the `counters.set` values, exported at scrape time) and `/healthz`
/// (healthy while the stage loop runs and the stage says so). The listener is bound before the stage
/// starts, so a taken port fails the command at once; it is shut down after the stage has drained.
enum StageRunner {
    /// Seconds a graceful shutdown may take before the group cancels what still runs.
    static let shutdownDeadlineSeconds: Int64 = 60

    static func run(_ stage: BlockingStage, counters: StageCounters, common: CommonOptions,
                    largeBlocks: MallocControl.LargeBlocks, logger: Logger,
                    companions: [any Service] = []) async throws {
        // Two arenas: one for the stage's loop, one for librdkafka's and the runtime's threads.
        MallocControl.limitArenas(2)
        MallocControl.placeLargeBlocks(largeBlocks)
        let address = try common.resolvedMetricsAddress(stage: stage.name)
        let tracked = HealthTrackingService(BlockingStageService(stage: stage, logger: logger),
                                            detail: { stage.health })
        // Services shut down in reverse order: the stage drains first while /metrics still answers.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let address {
            let registry = MetricsBootstrap.bootstrap()
            let exposition = MetricsExposition(registry: registry)
            exposition.export(CounterGaugeExporter(counters: counters, registry: registry))
            let server = MetricsHTTPServer(address: address, exposition: exposition, logger: logger,
                                           health: { tracked.health })
            let bound = try await server.start()
            let shown = MetricsAddress(host: address.host, port: bound.port ?? address.port)
            logger.info("metrics on http://\(shown)/metrics (health: http://\(shown)/healthz)")
            services.append(.init(service: server, successTerminationBehavior: .gracefullyShutdownGroup,
                                  failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        // Companions (detect's webhook) stop after the stage, so what it handed them is still sent.
        for companion in companions {
            services.append(.init(service: companion, successTerminationBehavior: .gracefullyShutdownGroup,
                                  failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        services.append(.init(service: tracked))
        var configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // The shutdown deadline: a drain that takes longer (the sink gives up retrying ClickHouse after
        // its 30 s grace) is cancelled; a loop that then does not return is abandoned 10 s later
        // (BlockingStageService), so a stage always exits.
        configuration.maximumGracefulShutdownDuration = .seconds(Self.shutdownDeadlineSeconds)
        let group = ServiceGroup(configuration: configuration)
        try await group.run()
    }
}
