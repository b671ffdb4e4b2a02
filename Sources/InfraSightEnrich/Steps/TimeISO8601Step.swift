import InfraSightCore

/// Adds `time_iso8601`: the event time as ISO 8601 UTC with nanoseconds.
public struct TimeISO8601Step: EnrichmentStep {
    public let name = "time-iso8601"
    public init() {}

    public func apply(_ event: EventView, to enrichment: inout EnrichmentFields) {
        enrichment.setTimeISO8601(epochNanos: event.timeNs)
    }
}
