import CoreMetrics
import Foundation
import Prometheus

/// Points swift-metrics at a Prometheus registry, once per process.
///
/// `MetricsSystem.bootstrap` may only run once per process; `bootstrap()` wraps it so any number of
/// callers (every stage command, every test) can ask for the registry safely. Every `Counter`,
/// `Gauge`, … created through swift-metrics after the first call, including the ones `StageCounters`
/// mirrors, lands in `registry` and shows up in its exposition output.
public enum MetricsBootstrap {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed: PrometheusCollectorRegistry?

    /// Bootstraps swift-metrics with a `PrometheusMetricsFactory` on the first call; later calls return
    /// the same registry. Fails (precondition) only if some other code bootstrapped swift-metrics with
    /// a different backend first, since those metrics would silently never reach `/metrics`.
    @discardableResult
    public static func bootstrap() -> PrometheusCollectorRegistry {
        lock.lock(); defer { lock.unlock() }
        if let installed { return installed }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        installed = registry
        return registry
    }

    /// The registry swift-metrics reports into (bootstrapping on first use).
    public static var registry: PrometheusCollectorRegistry { bootstrap() }

    /// True once `bootstrap()` has run in this process.
    public static var isBootstrapped: Bool {
        lock.lock(); defer { lock.unlock() }
        return installed != nil
    }
}
