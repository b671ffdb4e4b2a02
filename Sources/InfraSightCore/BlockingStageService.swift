import Foundation
import Logging
import ServiceLifecycle
import Synchronization

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
///
/// Graceful shutdown sets the stop flag and waits for the loop to drain. Task cancellation (the
/// group's shutdown deadline has passed, or the caller cancelled) sets it too, and if the loop has not
/// returned `abandonAfter` later (stuck in a blocking C call), `run()` throws `BlockingStageAbandoned`
/// instead of waiting for ever: the process can exit, and whatever the loop had not committed is
/// re-read on restart (offsets are committed only after the next hop acknowledged).
public struct BlockingStageService: Service {
    let stage: BlockingStage
    let logger: Logger
    let abandonAfter: Duration

    public init(stage: BlockingStage, logger: Logger, abandonAfter: Duration = .seconds(10)) {
        self.stage = stage
        self.logger = logger
        self.abandonAfter = abandonAfter
    }

    public func run() async throws {
        let stop = StopFlag()
        let stage = self.stage
        let outcome = LoopOutcome()
        let abandonAfter = self.abandonAfter
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                    outcome.install(continuation)
                    let thread = Thread {
                        do {
                            try stage.runLoop(stop: stop)
                            outcome.finish(.success(()))
                        } catch {
                            outcome.finish(.failure(error))
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
        } onCancel: { [logger] in
            logger.notice("\(stage.name) cancelled: stopping; abandoned if its loop has not returned in \(abandonAfter)")
            stop.set()
            let seconds = Double(abandonAfter.components.seconds) + Double(abandonAfter.components.attoseconds) / 1e18
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                outcome.finish(.failure(BlockingStageAbandoned(stage: stage.name, after: abandonAfter)))
            }
        }
    }
}

/// A stage loop that did not return within its deadline after cancellation; the process may exit
/// without it (nothing it had not committed is lost: it is re-read on restart).
public struct BlockingStageAbandoned: Error, CustomStringConvertible {
    public let stage: String
    public let after: Duration
    public var description: String {
        "the \(stage) loop did not stop within \(after) of cancellation; left behind (uncommitted input is re-read on restart)"
    }
}

/// The one result of a stage loop's run, handed to its continuation exactly once: the first outcome
/// wins (the loop's own end, or abandonment), and either may come before the continuation is installed.
private final class LoopOutcome: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Void, Error>?
        var outcome: Result<Void, Error>?
    }
    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<Void, Error>) {
        let decided = state.withLock { s -> Result<Void, Error>? in
            if s.outcome == nil { s.continuation = continuation }
            return s.outcome
        }
        if let decided { continuation.resume(with: decided) }
    }

    func finish(_ outcome: Result<Void, Error>) {
        let waiting = state.withLock { s -> CheckedContinuation<Void, Error>? in
            guard s.outcome == nil else { return nil }
            s.outcome = outcome
            defer { s.continuation = nil }
            return s.continuation
        }
        waiting?.resume(with: outcome)
    }
}
