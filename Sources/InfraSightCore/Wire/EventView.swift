/// One `infrasight.v1.Event` read in place: a single pass over the message records every field's value
/// or byte range, so a stage reads what it needs without SwiftProtobuf and without copying the message.
///
/// Why: the enrich worker and the sink spent most of their time per event building and tearing down
/// SwiftProtobuf messages (a `String` per field, copy-on-write storage). A view costs one pass, no
/// allocation; strings are handed on as byte ranges (straight into RowBinary, or into the enriched
/// message), never as `String`.
///
/// It accepts and rejects exactly what `EventCodec.decode` does: the wire rules of SwiftProtobuf
/// (see `ProtobufReader`), UTF-8 in every string field, then the contract (`validating:`): event_id
/// set, a known schema version and probe, and the probe's detail payload. Scalars: last occurrence
/// wins; nested messages occurring more than once merge as protobuf says (the `detail` oneof: the last
/// member wins, merged only with directly repeated occurrences of that member).
///
/// Lifetime: the view borrows `buffer` and must not outlive it; build it inside `withUnsafeBytes`.
public struct EventView {
    /// The message bytes this view reads.
    public let buffer: UnsafeRawBufferPointer

    // Strings of the Event message: `offset << 32 | length` into `buffer`, 0 when absent.
    @usableFromInline var eventIDRange: UInt64 = 0
    @usableFromInline var probeRange: UInt64 = 0
    @usableFromInline var hostRange: UInt64 = 0
    @usableFromInline var userRange: UInt64 = 0
    @usableFromInline var commRange: UInt64 = 0
    @usableFromInline var containerIDRange: UInt64 = 0
    @usableFromInline var containerRuntimeRange: UInt64 = 0

    /// Version of the contract the producer wrote.
    public private(set) var schemaVersion: UInt32 = 0
    /// Wall-clock time of syscall entry, Unix epoch nanoseconds.
    public private(set) var timeNs: UInt64 = 0
    /// Kernel CLOCK_BOOTTIME nanoseconds at syscall entry.
    public private(set) var ktimeNs: UInt64 = 0
    public private(set) var pid: UInt32 = 0
    public private(set) var tid: UInt32 = 0
    public private(set) var ppid: UInt32 = 0
    public private(set) var uid: UInt32 = 0
    public private(set) var gid: UInt32 = 0
    public private(set) var cgroupID: UInt64 = 0
    /// Syscall return value (negative errno on failure).
    public private(set) var ret: Int64 = 0
    public private(set) var latencyNs: UInt64 = 0

    /// The probe, once validated (`validating:`); nil from `parsing:` when unknown.
    public private(set) var probeKind: Probe?

    /// Which member of the `detail` oneof is set (its field number), 0 for none.
    @usableFromInline var detailField: Int = 0
    @usableFromInline var detail = MessageView()
    @usableFromInline var processView = MessageView()
    @usableFromInline var containerView = MessageView()
    @usableFromInline var enrichedView = MessageView()
    /// The process's ancestors as the single pass read them (`forEachAncestor`).
    @usableFromInline var ancestorIndex = AncestorIndex()

    /// Nesting depth SwiftProtobuf allows below the event itself.
    static let depthBudget = 99

    /// Reads and checks the wire format only (UTF-8 included), not the contract: for tests and tools
    /// that look at incomplete events. Throws `WireFormatError`.
    public init(parsing buffer: UnsafeRawBufferPointer) throws(WireFormatError) {
        self.buffer = buffer
        guard buffer.count < Int(Int32.max) else { throw WireFormatError("message of \(buffer.count) bytes is too large") }
        var r = ProtobufReader(buffer, range: 0..<buffer.count)
        while !r.isAtEnd {
            let tagAt = r.at
            let (field, wireType) = try r.tag()
            if wireType == ProtobufReader.lengthDelimitedType {
                switch field {
                case 1: eventIDRange = try Self.string(&r, buffer, field, tagAt)
                case 3: probeRange = try Self.string(&r, buffer, field, tagAt)
                case 4: hostRange = try Self.string(&r, buffer, field, tagAt)
                case 12: userRange = try Self.string(&r, buffer, field, tagAt)
                case 13: commRange = try Self.string(&r, buffer, field, tagAt)
                case 15: containerIDRange = try Self.string(&r, buffer, field, tagAt)
                case 16: containerRuntimeRange = try Self.string(&r, buffer, field, tagAt)
                case 20...29, 32...35:
                    let body = try r.lengthDelimited()
                    if field != detailField {
                        detail = MessageView()
                        detailField = field
                    }
                    try detail.merge(buffer, field: field, tagAt: tagAt, body: body,
                                     schema: .detail(field), budget: Self.depthBudget - 1)
                case 30:
                    let body = try r.lengthDelimited()
                    try processView.merge(buffer, field: field, tagAt: tagAt, body: body,
                                          schema: .process, budget: Self.depthBudget - 1, ancestors: &ancestorIndex)
                case 31:
                    let body = try r.lengthDelimited()
                    try containerView.merge(buffer, field: field, tagAt: tagAt, body: body,
                                            schema: .container, budget: Self.depthBudget - 1)
                case 40:
                    let body = try r.lengthDelimited()
                    try enrichedView.merge(buffer, field: field, tagAt: tagAt, body: body,
                                           schema: .enrichment, budget: Self.depthBudget - 1)
                default:
                    try r.skip(wireType: wireType, field: field, budget: Self.depthBudget)
                }
            } else if wireType == ProtobufReader.varintType {
                switch field {
                case 2: schemaVersion = UInt32(truncatingIfNeeded: try r.varint())
                case 5: timeNs = try r.varint()
                case 6: ktimeNs = try r.varint()
                case 7: pid = UInt32(truncatingIfNeeded: try r.varint())
                case 8: tid = UInt32(truncatingIfNeeded: try r.varint())
                case 9: ppid = UInt32(truncatingIfNeeded: try r.varint())
                case 10: uid = UInt32(truncatingIfNeeded: try r.varint())
                case 11: gid = UInt32(truncatingIfNeeded: try r.varint())
                case 14: cgroupID = try r.varint()
                case 17: ret = Int64(bitPattern: try r.varint())
                case 18: latencyNs = try r.varint()
                default: try r.skip(wireType: wireType, field: field, budget: Self.depthBudget)
                }
            } else {
                try r.skip(wireType: wireType, field: field, budget: Self.depthBudget)
            }
        }
        probeKind = Probe(utf8: Self.bytes(probeRange, buffer))
    }

    /// Reads, checks the wire format and validates the contract as `EventCodec.decode` does; the error
    /// is an `EventCodec.DecodeError` with the same reasons (they go to the dead-letter queue).
    public init(validating buffer: UnsafeRawBufferPointer) throws(EventCodec.DecodeError) {
        do {
            try self.init(parsing: buffer)
        } catch {
            throw EventCodec.DecodeError(description: "not a protobuf infrasight.v1.Event (\(buffer.count) bytes): \(error)")
        }
        if eventIDRange == 0 { throw EventCodec.DecodeError(description: "event_id is empty") }
        if schemaVersion == 0 || schemaVersion > EventCodec.schemaVersion {
            throw EventCodec.DecodeError(description: "unsupported schema_version \(schemaVersion) (this build reads 1...\(EventCodec.schemaVersion))")
        }
        guard let probe = probeKind else {
            let text = String(decoding: Self.bytes(probeRange, buffer), as: UTF8.self)
            throw EventCodec.DecodeError(description: "unknown probe \"\(text.prefix(64))\"")
        }
        guard probe.detailField == detailField else {
            throw EventCodec.DecodeError(description: "probe \(probe.rawValue) without its detail payload")
        }
    }

    @inline(__always)
    static func string(_ r: inout ProtobufReader, _ buffer: UnsafeRawBufferPointer, _ field: Int,
                       _ tagAt: Int) throws(WireFormatError) -> UInt64 {
        let v = try r.lengthDelimited()
        try MessageView.checkUTF8(buffer, v, field: field, tagAt: tagAt)
        // An empty string reads as absent (proto3 has no presence for strings).
        return v.isEmpty ? 0 : UInt64(v.lowerBound) << 32 | UInt64(v.count)
    }

    @inlinable @inline(__always)
    static func bytes(_ packed: UInt64, _ buffer: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard packed != 0, let base = buffer.baseAddress else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + Int(packed >> 32), count: Int(packed & 0xffff_ffff))
    }

    // MARK: String fields, as UTF-8 bytes of `buffer`

    @inlinable @inline(__always) public var eventID: UnsafeRawBufferPointer { Self.bytes(eventIDRange, buffer) }
    /// The probe name as written (use `probeKind` for the validated probe).
    @inlinable @inline(__always) public var probe: UnsafeRawBufferPointer { Self.bytes(probeRange, buffer) }
    @inlinable @inline(__always) public var host: UnsafeRawBufferPointer { Self.bytes(hostRange, buffer) }
    @inlinable @inline(__always) public var user: UnsafeRawBufferPointer { Self.bytes(userRange, buffer) }
    @inlinable @inline(__always) public var comm: UnsafeRawBufferPointer { Self.bytes(commRange, buffer) }
    @inlinable @inline(__always) public var containerID: UnsafeRawBufferPointer { Self.bytes(containerIDRange, buffer) }
    @inlinable @inline(__always) public var containerRuntime: UnsafeRawBufferPointer { Self.bytes(containerRuntimeRange, buffer) }

    /// Copies the message's fields to `writer` in wire order, except the occurrences of message field
    /// `omitted` (length-delimited ones): the event without, say, its `enriched` (40) context.
    public func writeFields(into writer: inout ProtobufWriter, omitting omitted: Int) {
        var r = ProtobufReader(buffer, range: 0..<buffer.count)
        var copyFrom = 0
        do {
            while !r.isAtEnd {
                let tagAt = r.at
                let (field, wireType) = try r.tag()
                try r.skip(wireType: wireType, field: field, budget: Self.depthBudget)
                if field == omitted && wireType == ProtobufReader.lengthDelimitedType {
                    writer.raw(UnsafeRawBufferPointer(rebasing: buffer[copyFrom..<tagAt]))
                    copyFrom = r.at
                }
            }
        } catch {
            // Unreachable: the bytes were read when the view was built.
        }
        writer.raw(UnsafeRawBufferPointer(rebasing: buffer[copyFrom..<buffer.count]))
    }
}
