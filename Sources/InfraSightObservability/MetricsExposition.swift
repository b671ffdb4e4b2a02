import Foundation
import Prometheus

/// Renders a registry in the Prometheus text exposition format (version 0.0.4) for `/metrics`.
///
/// Before every render it runs the registered scrape hooks (for example `CounterGaugeExporter.update`)
/// so pulled values are fresh, and it adds a `# HELP` line to every family that lacks one (see
/// `MetricHelp`). Safe to call from several connections at once.
public final class MetricsExposition: @unchecked Sendable {
    /// The `Content-Type` of the output.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public let registry: PrometheusCollectorRegistry
    private let lock = NSLock()
    private var hooks: [@Sendable () -> Void] = []

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Runs `hook` before each render, on the thread that renders.
    public func addScrapeHook(_ hook: @escaping @Sendable () -> Void) {
        lock.lock(); hooks.append(hook); lock.unlock()
    }

    /// Exports `exporter`'s absolute values at every scrape.
    public func export(_ exporter: CounterGaugeExporter) {
        addScrapeHook { exporter.update() }
    }

    /// Runs the hooks, then renders every registered metric family.
    public func render() -> String {
        lock.lock()
        let hooks = self.hooks
        lock.unlock()
        for hook in hooks { hook() }
        return Self.addingMissingHelp(to: registry.emitToString())
    }

    /// Inserts `# HELP <name> <text>` before every `# TYPE <name> …` line not already preceded by a
    /// HELP line for the same name.
    static func addingMissingHelp(to exposition: String) -> String {
        var out = ""
        out.reserveCapacity(exposition.utf8.count + 1024)
        var helped: Set<Substring> = []
        for line in exposition.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# HELP ") {
                if let name = line.dropFirst("# HELP ".count).split(separator: " ", maxSplits: 1).first {
                    helped.insert(name)
                }
            } else if line.hasPrefix("# TYPE "),
                      let name = line.dropFirst("# TYPE ".count).split(separator: " ", maxSplits: 1).first,
                      !helped.contains(name) {
                out += "# HELP \(name) \(escapeHelp(MetricHelp.text(for: String(name))))\n"
            }
            out += line
            out += "\n"
        }
        return out
    }

    /// Escapes `\` and line feeds as the text format requires in HELP lines.
    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
