import InfraSightCore

/// Adds `time_iso8601`: the event time as ISO 8601 UTC with nanoseconds.
public struct TimeISO8601Step: EnrichmentStep {
    public let name = "time-iso8601"
    public init() {}

    public func apply(_ event: EventView, to enrichment: inout EnrichmentFields) {
        enrichment.timeIso8601 = ISO8601Nanos.format(epochNanos: event.timeNs)
    }
}
