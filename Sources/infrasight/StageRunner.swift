import InfraSightCore
import Logging
import ServiceLifecycle

/// Runs one blocking stage under a ServiceGroup: SIGTERM and SIGINT become a graceful shutdown
/// (drain, flush, commit), a second signal is not needed.
enum StageRunner {
    static func run(_ stage: BlockingStage, logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: BlockingStageService(stage: stage, logger: logger))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
