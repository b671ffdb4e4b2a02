import InfraSightCore

/// The `Enrichment` fields the steps set for one event, before they are appended to the message.
///
/// Why not the generated `Enrichment`: its setters go through SwiftProtobuf's copy-on-write storage on
/// every assignment, per step, per event. This is a plain struct reused across events. It also records
/// which fields a step assigned (`assigned`), because an assignment of the empty value must still clear
/// an `enriched` field the input already carried (rare: inputs from the agent have none).
/// Field numbers are those of `Enrichment` in `topics/proto/infrasight/v1/event.proto`.
public struct EnrichmentFields: Sendable {
    /// `time_iso8601`. `TimeISO8601Step` sets it through `setTimeISO8601(epochNanos:)`, which formats
    /// only when the message is written (no `String` per event); reading it formats on demand.
    public var timeIso8601: String {
        get { timeNanos.map { ISO8601Nanos.format(epochNanos: $0) } ?? timeText }
        set { timeText = newValue; timeNanos = nil; assigned |= 1 << 1 }
    }
    private var timeText = ""
    private var timeNanos: UInt64?
    public var latencyMs: Double = 0 { didSet { assigned |= 1 << 2 } }
    public var errnoName = "" { didSet { assigned |= 1 << 3 } }
    public var enrichedBy = "" { didSet { assigned |= 1 << 4 } }
    public var flagsText = "" { didSet { assigned |= 1 << 5 } }
    public var modeText = "" { didSet { assigned |= 1 << 6 } }
    public var familyName = "" { didSet { assigned |= 1 << 7 } }
    public var protocolName = "" { didSet { assigned |= 1 << 8 } }
    public var localIp = "" { didSet { assigned |= 1 << 9 } }
    public var remoteIp = "" { didSet { assigned |= 1 << 10 } }
    public var service = "" { didSet { assigned |= 1 << 11 } }
    public var remoteHostname = "" { didSet { assigned |= 1 << 12 } }
    public var sensitive = false { didSet { assigned |= 1 << 13 } }

    /// Bit n set when field n was assigned (even to its default) since the last reset.
    public private(set) var assigned: UInt32 = 0

    public init() {}

    /// Whether any step touched the enrichment (then the event carries `enriched`, as a decoded
    /// event's `enriched` becomes present on the first assignment).
    public var isTouched: Bool { assigned != 0 }

    /// Sets `time_iso8601` to the ISO 8601 text of `epochNanos`, formatted when written.
    public mutating func setTimeISO8601(epochNanos: UInt64) {
        timeNanos = epochNanos
        timeText = ""
        assigned |= 1 << 1
    }

    private func writeTime(into w: inout ProtobufWriter) {
        guard let nanos = timeNanos else { return w.string(1, timeText) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ISO8601Nanos.formattedLength) { buffer in
            let n = ISO8601Nanos.write(epochNanos: nanos, into: buffer)
            w.bytes(1, UnsafeRawBufferPointer(start: buffer.baseAddress, count: n))
        }
    }

    /// Back to all defaults, nothing assigned.
    public mutating func reset() { self = EnrichmentFields() }

    /// Writes the fields that are not their default, in field order: an `Enrichment` message body.
    public func writeBody(into w: inout ProtobufWriter) {
        writeTime(into: &w)
        w.double(2, latencyMs)
        w.string(3, errnoName)
        w.string(4, enrichedBy)
        w.string(5, flagsText)
        w.string(6, modeText)
        w.string(7, familyName)
        w.string(8, protocolName)
        w.string(9, localIp)
        w.string(10, remoteIp)
        w.string(11, service)
        w.string(12, remoteHostname)
        w.bool(13, sensitive)
    }

    /// As `writeBody(into:)` over the input's own enrichment: a field not assigned here keeps its value
    /// from `existing`, so the body equals the input's enrichment with these assignments applied.
    public func writeBody(into w: inout ProtobufWriter, over existing: EnrichmentView) {
        func text(_ field: UInt32, _ value: String, _ old: UnsafeRawBufferPointer) {
            if assigned & (1 << field) != 0 { w.string(field, value) } else { w.bytes(field, old) }
        }
        if assigned & (1 << 1) != 0 { writeTime(into: &w) } else { w.bytes(1, existing.timeIso8601) }
        w.double(2, assigned & (1 << 2) != 0 ? latencyMs : existing.latencyMs)
        text(3, errnoName, existing.errnoName)
        text(4, enrichedBy, existing.enrichedBy)
        text(5, flagsText, existing.flagsText)
        text(6, modeText, existing.modeText)
        text(7, familyName, existing.familyName)
        text(8, protocolName, existing.protocolName)
        text(9, localIp, existing.localIp)
        text(10, remoteIp, existing.remoteIp)
        text(11, service, existing.service)
        text(12, remoteHostname, existing.remoteHostname)
        w.bool(13, assigned & (1 << 13) != 0 ? sensitive : existing.sensitive)
    }
}
