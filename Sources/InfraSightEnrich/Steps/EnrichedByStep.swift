import InfraSightCore

/// Records which worker enriched the event (`host:pid`), for tracing an event through the pipeline.
public struct EnrichedByStep: EnrichmentStep {
    public let name = "enriched-by"
    let instance: String

    public init(instance: String = InstanceIdentity.instance) { self.instance = instance }

    public func apply(_ event: EventView, to enrichment: inout EnrichmentFields) {
        enrichment.enrichedBy = instance
    }
}
