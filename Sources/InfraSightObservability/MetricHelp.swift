/// `# HELP` texts for the metrics swift-metrics creates without one (`StageCounters` mirrors every
/// counter through `Counter(label:dimensions:)`, which carries no description). Prometheus tooling
/// (`promtool check metrics`) wants a HELP line for every family, so the exposition adds these.
public enum MetricHelp {
    /// Descriptions of `StageCounters.Name`s, used for `infrasight_<stage>_<name>_total`.
    public static let stageCounters: [String: String] = [
        "received": "Messages the stage received",
        "produced": "Messages the stage passed on to its output topic",
        "inserted": "Rows the stage inserted into ClickHouse",
        "retried": "Retries of a failed operation, by reason",
        "dead_lettered": "Messages sent to the dead-letter topic, by reason",
        "dropped": "Messages dropped without being passed on, by reason",
        "filtered": "Messages deliberately filtered out, by reason",
    ]

    /// The HELP text for a metric family that has none.
    public static func text(for metric: String) -> String {
        if metric.hasPrefix("infrasight_"), metric.hasSuffix("_total") {
            let body = metric.dropFirst("infrasight_".count).dropLast("_total".count)
            if let underscore = body.firstIndex(of: "_") {
                let stage = body[..<underscore]
                let name = String(body[body.index(after: underscore)...])
                if let text = stageCounters[name] { return "\(text) (\(stage) stage)." }
            }
        }
        return "InfraSight metric \(metric)."
    }
}
