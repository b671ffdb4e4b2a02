import InfraSightCore

/// One enrichment applied by `infrasight enrich` to every event. Steps are small, independent and
/// configurable by name; they must not block (no network on the hot path).
public protocol EnrichmentStep: Sendable {
    /// The name used in `--steps` and in logs.
    var name: String { get }
    func apply(to event: inout Event)
}
