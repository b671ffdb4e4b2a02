import InfraSightCore

/// One enrichment applied by `infrasight enrich` to every event. Steps are small, independent and
/// configurable by name; they must not block (no network on the hot path).
///
/// A step reads the event in place (`EventView`, no decoded message) and sets fields of the event's
/// enrichment (`EnrichmentFields`), which the worker appends to the unchanged input as `enriched`.
public protocol EnrichmentStep: Sendable {
    /// The name used in `--steps` and in logs.
    var name: String { get }
    func apply(_ event: EventView, to enrichment: inout EnrichmentFields)
}

extension EnrichmentStep {
    /// Applies this step to a decoded event, exactly as the worker would (serialize, read as a view,
    /// append the enrichment, decode). For tests and tools; not the per-event path.
    public func apply(to event: inout Event) {
        EnrichmentPipeline(steps: [self]).apply(to: &event)
    }
}
