import InfraSightCore

/// Adds `latency_ms`: the syscall latency in milliseconds.
public struct LatencyMillisecondsStep: EnrichmentStep {
    public let name = "latency-ms"
    public init() {}

    public func apply(_ event: EventView, to enrichment: inout EnrichmentFields) {
        enrichment.latencyMs = LatencyUnits.milliseconds(fromNanos: event.latencyNs)
    }
}
