import InfraSightCore

/// How one family of absolute `StageCounters` keys (written with `counters.set`) becomes a Prometheus
/// series: the key's name selects the rule, the parts inside `{…}` fill `labelNames` in order, and
/// trailing labels the key leaves out come from `defaults`.
///
/// With `labelNames: ["reason", "probe"]` and `defaults: ["probe": "execve"]`, the per-probe key
/// `lost{ringbuf_reserve,openat}` becomes `{reason="ringbuf_reserve",probe="openat"}`, and the older
/// agent's `lost{ringbuf_reserve}` (execve only) becomes `{reason="ringbuf_reserve",probe="execve"}`
/// (rendered in `labelOrder` when given: `{probe=…,reason=…}`).
/// When `totalShadowedBy` is set, such a partial key is a total over probes and is only exported
/// while no complete key of that name exists, so totals never double a per-probe series.
public struct AbsoluteMetricRule: Sendable {
    /// The Prometheus type of the exported series.
    public enum Kind: Sendable, Equatable {
        /// A monotonic total owned elsewhere (kernel counters): exported as a `counter` whose value
        /// tracks the absolute value (it restarts from zero if the source ever goes backwards).
        case counter
        /// A value that goes up and down (consumer lag).
        case gauge
        /// Matching keys are deliberately not exported (for example a sum that PromQL's `sum()` gives).
        case ignored
    }

    public var key: String
    public var metric: String
    public var kind: Kind
    public var help: String
    public var labelNames: [String]
    public var defaults: [String: String]
    public var totalShadowedBy: String?
    /// The order labels are rendered in, when it differs from the order of the key's parts.
    public var labelOrder: [String]?

    public init(key: String, metric: String, kind: Kind, help: String, labelNames: [String] = [],
                defaults: [String: String] = [:], totalShadowedBy: String? = nil, labelOrder: [String]? = nil) {
        self.key = key
        self.metric = metric
        self.kind = kind
        self.help = help
        self.labelNames = labelNames
        self.defaults = defaults
        self.totalShadowedBy = totalShadowedBy
        self.labelOrder = labelOrder
    }

    /// A rule that drops keys named `key` with exactly `partCount` parts.
    public static func ignore(key: String, partCount: Int) -> AbsoluteMetricRule {
        AbsoluteMetricRule(key: key, metric: "", kind: .ignored, help: "",
                           labelNames: Array(repeating: "", count: partCount))
    }

    /// The labels for `key` under this rule, or nil when the rule does not apply to it (other name,
    /// too many parts, or a missing label without a default).
    public func labels(for key: AbsoluteCounterKey) -> [(String, String)]? {
        guard key.name == self.key else { return nil }
        if kind == .ignored { return key.parts.count == labelNames.count ? [] : nil }
        guard key.parts.count <= labelNames.count else { return nil }
        var labels: [(String, String)] = []
        labels.reserveCapacity(labelNames.count)
        for (i, label) in labelNames.enumerated() {
            if i < key.parts.count {
                labels.append((label, key.parts[i]))
            } else {
                guard let value = defaults[label] else { return nil }
                labels.append((label, value))
            }
        }
        if let labelOrder {
            labels.sort { (labelOrder.firstIndex(of: $0.0) ?? Int.max) < (labelOrder.firstIndex(of: $1.0) ?? Int.max) }
        }
        return labels
    }

    /// True when `key` fills every label itself (no defaults used).
    public func isComplete(_ key: AbsoluteCounterKey) -> Bool {
        key.name == self.key && key.parts.count == labelNames.count
    }
}

extension AbsoluteMetricRule {
    /// The rules every stage uses: Kafka consumer lag per partition (`lag{topic/partition}`) as the gauge
    /// `infrasight_<stage>_consumer_lag{topic,partition}`; the summed `lag` key is left to PromQL.
    public static func consumerLag(stage: String) -> [AbsoluteMetricRule] {
        [
            AbsoluteMetricRule(key: "lag", metric: "infrasight_\(stage)_consumer_lag", kind: .gauge,
                               help: "Messages between the consumer group's position and the partition's high watermark, as of the stage's last lag refresh.",
                               labelNames: ["topic", "partition"]),
            .ignore(key: "lag", partCount: 0),
        ]
    }

    /// The agent's kernel-side counters (read from the BPF maps), named as the other pipeline peers
    /// name them: `infrasight_agent_events_total{probe}`, `infrasight_agent_events_lost_total{probe,reason}`.
    /// Keys carry the probe last (`lost{ringbuf_reserve,openat}`, `kernel_emitted{openat}`); keys
    /// without it are totals, exported as `defaultProbe` only when no per-probe key exists (an agent
    /// that predates per-probe counters attached execve alone).
    public static func agentKernel(defaultProbe: String = Probe.execve.rawValue) -> [AbsoluteMetricRule] {
        let probe = ["probe": defaultProbe]
        func perProbe(_ key: String, _ metric: String, _ help: String, reason: Bool = false,
                      shadowedBy: String? = nil) -> AbsoluteMetricRule {
            AbsoluteMetricRule(key: key, metric: "infrasight_agent_\(metric)", kind: .counter, help: help,
                               labelNames: reason ? ["reason", "probe"] : ["probe"], defaults: probe,
                               totalShadowedBy: shadowedBy ?? key, labelOrder: ["probe", "reason"])
        }
        return [
            perProbe("kernel_emitted", "events_total", "Events the BPF programs emitted into the ring buffer, by probe."),
            perProbe("lost", "events_lost_total",
                     "Events lost before reaching user space, by probe and reason (ringbuf_reserve, enter_miss, stash, decode).",
                     reason: true),
            perProbe("filtered", "events_filtered_total",
                     "Events the BPF programs filtered out in the kernel, by probe and reason.", reason: true),
            perProbe("truncated", "events_truncated_total",
                     "Events emitted with a truncated variable-length field (argv, path), by probe."),
            perProbe("argv_truncated", "events_truncated_total",
                     "Events emitted with a truncated variable-length field (argv, path), by probe.",
                     shadowedBy: "truncated"),
            perProbe("read_failed", "events_read_failed_total",
                     "Events whose user-memory reads failed in the kernel, by probe."),
            perProbe("no_socket", "events_no_socket_total",
                     "Network events emitted without socket details, by probe."),
        ]
    }

    /// The rules for a stage by name: consumer lag for every stage, plus the kernel counters for the agent.
    public static func defaults(stage: String) -> [AbsoluteMetricRule] {
        consumerLag(stage: stage) + (stage == "agent" ? agentKernel() : [])
    }
}
