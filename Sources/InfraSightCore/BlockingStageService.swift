import Foundation
import Logging
import ServiceLifecycle

/// A stage whose work is a blocking loop (librdkafka, libbpf and libcurl are blocking C APIs).
/// The loop runs on its own thread; graceful shutdown (SIGTERM/SIGINT through the ServiceGroup)
/// sets the stop flag, and the loop drains, flushes, commits and returns.
public protocol BlockingStage: AnyObject, Sendable {
    /// Human name for logs ("agent", "enrich", "sink").
    var name: String { get }
    /// Runs until `stop` is set; must flush in-flight work and commit before returning.
    func runLoop(stop: StopFlag) throws
    /// The stage's own view of its health (for `/healthz`), asked from any thread while the loop runs.
    /// Defaults to `.healthy`: the runner already reports a loop that is not running as unhealthy.
    var health: HealthStatus { get }
}

extension BlockingStage {
    public var health: HealthStatus { .healthy }
}

/// Whether a process or stage is fit to serve, with the reason when it is not (shown by `/healthz`).
public enum HealthStatus: Sendable, Equatable {
    case healthy
    case unhealthy(reason: String)

    public var isHealthy: Bool { self == .healthy }
}

/// Adapts a `BlockingStage` to swift-service-lifecycle's `Service`.
public struct BlockingStageService: Service {
    let stage: BlockingStage
    let logger: Logger

    public init(stage: BlockingStage, logger: Logger) {
        self.stage = stage
        self.logger = logger
    }

    public func run() async throws {
        let stop = StopFlag()
        let stage = self.stage
        try await withGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                let thread = Thread {
                    do {
                        try stage.runLoop(stop: stop)
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.name = "infrasight-\(stage.name)"
                thread.stackSize = 8 << 20
                thread.start()
            }
        } onGracefulShutdown: { [logger] in
            logger.info("shutdown requested: draining \(stage.name)")
            stop.set()
        }
    }
}
