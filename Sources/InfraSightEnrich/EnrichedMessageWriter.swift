import InfraSightCore

/// Builds an enrich worker's output message: the input bytes unchanged, plus one appended `enriched`
/// (field 40) carrying what the steps set, in a buffer reused for every event.
///
/// Why: protobuf merges a repeated message field, so "input + appended field 40" decodes to exactly
/// what decode, set the fields, encode gave, without decoding or re-encoding anything. One case needs
/// more: when the input already carries `enriched`, an assignment of an empty value must clear the
/// earlier one, which an appended field cannot do; then the input is copied without its `enriched`
/// and one merged enrichment is appended (rare: the agent never writes `enriched`). One per thread:
/// copies share their buffers.
public struct EnrichedMessageWriter {
    var output = ProtobufWriter(reservingCapacity: 4096)
    var body = ProtobufWriter(reservingCapacity: 512)

    public init() {}

    /// Calls `use` with the enriched message for `event` (valid during the call only). An enrichment
    /// no step touched leaves the input as it is: `use` then gets the input's own bytes.
    public mutating func withMessage<R>(for event: EventView, enrichment: EnrichmentFields,
                                        _ use: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard enrichment.isTouched else { return try use(event.buffer) }
        body.reset()
        output.reset()
        if event.enriched.isPresent {
            enrichment.writeBody(into: &body, over: event.enriched)
            event.writeFields(into: &output, omitting: 40)
        } else {
            enrichment.writeBody(into: &body)
            output.raw(event.buffer)
        }
        body.bytes.withUnsafeBytes { output.presentMessage(40, body: $0) }
        return try output.bytes.withUnsafeBytes(use)
    }
}
