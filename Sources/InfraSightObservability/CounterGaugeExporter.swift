import Foundation
import InfraSightCore
import Prometheus

/// Exports the absolute values a stage writes with `StageCounters.set` (kernel loss counters, consumer
/// lag), which swift-metrics never sees, as Prometheus series in a registry.
///
/// Call `update()` right before rendering (`MetricsExposition` does, at every scrape), so `/metrics`
/// shows the values as of the stage's last `set`. Keys map through `AbsoluteMetricRule`s; a key no
/// rule matches is still exported, as the gauge `infrasight_<stage>_<name>` (label `key` holding the
/// part inside `{…}`, any `_total` suffix dropped), so nothing set is invisible. A series whose label
/// names differ from an earlier one of the same metric is skipped rather than registered (the
/// registry would abort the process). A partial key that a rule marks as a total (`totalShadowedBy`) is
/// not exported while the complete per-probe keys exist.
/// Use one exporter per `StageCounters` and registry: two would add their values into the same series.
public final class CounterGaugeExporter: @unchecked Sendable {
    public let counters: StageCounters
    public let registry: PrometheusCollectorRegistry
    public let rules: [AbsoluteMetricRule]

    private struct Series {
        var target: Target
        var gauge: Gauge?
        var counter: Counter?
        var exported: UInt64

        func isShadowed(by complete: Set<String>) -> Bool {
            target.shadowedBy.map(complete.contains) ?? false
        }
    }

    private let lock = NSLock()
    private var series: [String: Series] = [:]
    /// Label names per metric family registered here, to keep every family's shape consistent.
    private var familyLabels: [String: [String]] = [:]
    private var skipped: Set<String> = []

    public init(counters: StageCounters, registry: PrometheusCollectorRegistry,
                rules: [AbsoluteMetricRule]? = nil) {
        self.counters = counters
        self.registry = registry
        self.rules = rules ?? AbsoluteMetricRule.defaults(stage: counters.stage)
    }

    /// Keys that could not be exported (malformed, or clashing with an earlier series' label names).
    public var skippedKeys: Set<String> {
        lock.lock(); defer { lock.unlock() }
        return skipped
    }

    /// Copies the current absolute values into the registry.
    public func update() {
        let values = counters.absoluteSnapshot()
        var parsed: [String: AbsoluteCounterKey] = [:]
        var complete: Set<String> = [] // key names present with every label filled in
        for key in values.keys {
            guard let k = AbsoluteCounterKey(parsing: key) else { continue }
            parsed[key] = k
            if rules.contains(where: { $0.kind != .ignored && $0.isComplete(k) }) { complete.insert(k.name) }
        }
        lock.lock(); defer { lock.unlock() }
        for (key, value) in values {
            if var existing = series[key] {
                if !existing.isShadowed(by: complete) {
                    apply(value, to: &existing, key: key)
                    series[key] = existing
                }
                continue
            }
            guard !skipped.contains(key) else { continue }
            guard let k = parsed[key] else { skipped.insert(key); continue }
            let target = self.target(for: k)
            if target.kind == .ignored { continue }
            if let name = target.shadowedBy, complete.contains(name) { continue }
            guard var new = makeSeries(target) else { skipped.insert(key); continue }
            apply(value, to: &new, key: key)
            series[key] = new
        }
    }

    // MARK: - Series

    private struct Target {
        var metric: String
        var labels: [(String, String)]
        var kind: AbsoluteMetricRule.Kind
        var help: String
        /// For a partial key that is a total: the key name whose complete keys make it redundant.
        var shadowedBy: String?

        var descriptor: MetricNameDescriptor {
            MetricNameDescriptor(metricName: metric, unitName: "", helpText: help)
        }
    }

    /// The new series (at 0), or nil when its label names clash with an earlier series of the metric.
    private func makeSeries(_ target: Target) -> Series? {
        let labelNames = target.labels.map(\.0)
        if let shape = familyLabels[target.metric], shape != labelNames { return nil }
        familyLabels[target.metric] = labelNames
        switch target.kind {
        case .gauge:
            let gauge = target.labels.isEmpty
                ? registry.makeGauge(descriptor: target.descriptor)
                : registry.makeGauge(descriptor: target.descriptor, labels: target.labels)
            return Series(target: target, gauge: gauge, counter: nil, exported: 0)
        case .counter:
            return Series(target: target, gauge: nil, counter: makeCounter(target), exported: 0)
        case .ignored:
            return nil
        }
    }

    private func makeCounter(_ target: Target) -> Counter {
        target.labels.isEmpty
            ? registry.makeCounter(descriptor: target.descriptor)
            : registry.makeCounter(descriptor: target.descriptor, labels: target.labels)
    }

    private func target(for key: AbsoluteCounterKey) -> Target {
        for rule in rules {
            if let labels = rule.labels(for: key) {
                let partial = !rule.isComplete(key)
                return Target(metric: rule.metric, labels: labels, kind: rule.kind, help: rule.help,
                              shadowedBy: partial ? rule.totalShadowedBy : nil)
            }
        }
        var metric = "infrasight_\(Self.sanitize(counters.stage))_\(Self.sanitize(key.name))"
        // A gauge must not look like a counter (`_total`), nor clash with the stage's own counters.
        if metric.hasSuffix("_total") { metric.removeLast("_total".count) }
        return Target(metric: metric,
                      labels: key.parts.isEmpty ? [] : [("key", key.label)],
                      kind: .gauge,
                      help: "Absolute value \(key.name) set by the \(counters.stage) stage (no metric rule names it).")
    }

    private func apply(_ value: UInt64, to series: inout Series, key: String) {
        switch series.target.kind {
        case .gauge:
            series.gauge?.set(to: Double(value))
        case .counter:
            guard let counter = series.counter else { return }
            if value >= series.exported {
                let delta = value - series.exported
                if delta > 0 { counter.increment(by: Int64(clamping: delta)) }
            } else {
                // The source went backwards (a restarted probe): start the series again from zero,
                // which Prometheus' rate() reads as a counter reset.
                registry.unregisterCounter(counter)
                let fresh = makeCounter(series.target)
                if value > 0 { fresh.increment(by: Int64(clamping: value)) }
                series.counter = fresh
            }
            series.exported = value
        case .ignored:
            break
        }
    }

    /// Replaces characters Prometheus metric names do not allow with `_`.
    static func sanitize(_ s: String) -> String {
        String(s.map { c -> Character in
            c.isASCII && (c.isLetter || c.isNumber || c == "_") ? c : "_"
        })
    }
}
