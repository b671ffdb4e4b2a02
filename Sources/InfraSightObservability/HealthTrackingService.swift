import Foundation
import InfraSightCore
import ServiceLifecycle

/// Wraps a `Service` (a stage's loop) and records whether it is running, for `/healthz`:
/// unhealthy before it starts, healthy while it runs (then whatever `detail()` says, such as the
/// stage's own `health`), unhealthy once graceful shutdown began (draining) and after it returned.
public final class HealthTrackingService<Wrapped: Service>: Service, @unchecked Sendable {
    enum Phase: Equatable { case starting, running, draining, stopped, failed(String) }

    public let wrapped: Wrapped
    let detail: @Sendable () -> HealthStatus
    private let lock = NSLock()
    private var phase = Phase.starting

    public init(_ wrapped: Wrapped, detail: @escaping @Sendable () -> HealthStatus = { .healthy }) {
        self.wrapped = wrapped
        self.detail = detail
    }

    /// The current health: the phase first, then `detail()` while running.
    public var health: HealthStatus {
        lock.lock()
        let phase = self.phase
        lock.unlock()
        switch phase {
        case .starting: return .unhealthy(reason: "starting")
        case .running: return detail()
        case .draining: return .unhealthy(reason: "shutting down")
        case .stopped: return .unhealthy(reason: "stopped")
        case .failed(let error): return .unhealthy(reason: "failed: \(error)")
        }
    }

    public func run() async throws {
        set(.running)
        do {
            try await withGracefulShutdownHandler {
                try await wrapped.run()
            } onGracefulShutdown: {
                self.set(.draining)
            }
            set(.stopped)
        } catch {
            set(.failed(String(describing: error)))
            throw error
        }
    }

    private func set(_ new: Phase) {
        lock.lock(); phase = new; lock.unlock()
    }
}
