import ArgumentParser
import Foundation
import InfraSightObservability

/// Options every stage shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "YAML config file of this stage (env INFRASIGHT_CONFIG): option names as keys, e.g. `brokers: host:9092`.",
        discussion: "Environment variables INFRASIGHT_<OPTION> override the file, flags override both. See the README's configuration reference."),
            completion: .file())
    var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (env INFRASIGHT_LOG_LEVEL).")
    var logLevel: String?

    @Option(name: .long, help: "Seconds between stats records on infrasight.stats.")
    var statsInterval: Double = 10

    @Option(name: .long, help: ArgumentHelp(
        "HOST:PORT serving /metrics (Prometheus) and /healthz, or off (env INFRASIGHT_METRICS_ADDRESS).",
        discussion: "Defaults: agent 127.0.0.1:9464, enrich 127.0.0.1:9465, sink 127.0.0.1:9466, detect 127.0.0.1:9467. Several workers of one stage on one host need distinct ports (or port 0 for any free port, logged at startup); :PORT listens on all interfaces.",
        valueName: "host:port|off"))
    var metricsAddress: String?

    /// The default metrics address of each stage, so the three stages can share a host.
    static let defaultMetricsAddresses = [
        "agent": "127.0.0.1:9464",
        "enrich": "127.0.0.1:9465",
        "sink": "127.0.0.1:9466",
        "detect": "127.0.0.1:9467",
    ]

    /// Where `stage` serves metrics: the flag, else INFRASIGHT_METRICS_ADDRESS, else the stage's default;
    /// nil when turned off.
    func resolvedMetricsAddress(stage: String) throws -> MetricsAddress? {
        let text = metricsAddress
            ?? ProcessInfo.processInfo.environment["INFRASIGHT_METRICS_ADDRESS"]
            ?? Self.defaultMetricsAddresses[stage]
            ?? "off"
        do {
            return try MetricsAddress.parse(text)
        } catch {
            throw ValidationError("--metrics-address: \(error)")
        }
    }
}
