/// Appends protobuf wire-format fields (proto3 rules) to a reusable byte buffer, without building a
/// generated message first.
///
/// Why: the hot paths (agent encode, enrich's appended `enriched` field) spent most of their time in
/// SwiftProtobuf's message storage (copy-on-write on every setter) and its serializer. Writing the
/// fields straight into one buffer that is reused across events costs a fraction of that.
///
/// Invariant: the output is exactly what a proto3 serializer accepts as the same message. Scalars equal to
/// their default (0, false, "") are omitted, as proto3 does; nested messages are length-delimited with a
/// minimal varint length (the body is written first, then the length is slotted in front of it).
/// Field numbers are the caller's, from `topics/proto/infrasight/v1/event.proto`.
///
/// The buffer is one `GrowableBytes` that copies of the writer share (no copy-on-write checks per byte,
/// which cost more than the encoding itself): keep one writer per thread, and copy `bytes` out when
/// the content must outlive the next `reset()`.
public struct ProtobufWriter {
    let buffer: GrowableBytes

    public init(reservingCapacity: Int = 512) {
        buffer = GrowableBytes(capacity: reservingCapacity)
    }

    /// A copy of the encoded bytes so far.
    public var bytes: [UInt8] { buffer.withUnsafeBytes { Array($0) } }

    /// The encoded bytes so far, valid only during `body` (no copy).
    @inline(__always)
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeBytes(body)
    }

    /// Forgets the content but keeps the capacity (one buffer for every event).
    @inline(__always)
    public func reset() { buffer.count = 0 }

    public var count: Int { buffer.count }

    /// Unsigned LEB128.
    @inline(__always)
    public func varint(_ value: UInt64) { buffer.appendVarint(value) }

    @inline(__always)
    func key(_ field: UInt32, _ wireType: UInt32) { varint(UInt64(field << 3 | wireType)) }

    /// uint32 / uint64 field (wire type 0); omitted when 0.
    @inline(__always)
    public func uint(_ field: UInt32, _ value: UInt64) {
        guard value != 0 else { return }
        key(field, 0)
        varint(value)
    }

    /// int64 field: two's complement as a 64-bit varint; omitted when 0.
    @inline(__always)
    public func int64(_ field: UInt32, _ value: Int64) { uint(field, UInt64(bitPattern: value)) }

    /// int32 field: sign-extended to 64 bits, as protobuf requires; omitted when 0.
    @inline(__always)
    public func int32(_ field: UInt32, _ value: Int32) { uint(field, UInt64(bitPattern: Int64(value))) }

    /// bool field; omitted when false.
    @inline(__always)
    public func bool(_ field: UInt32, _ value: Bool) {
        guard value else { return }
        key(field, 0)
        buffer.append(byte: 1)
    }

    /// double field (wire type 1, little-endian); omitted when +0.0.
    @inline(__always)
    public func double(_ field: UInt32, _ value: Double) {
        guard value.bitPattern != 0 else { return }
        key(field, 1)
        Swift.withUnsafeBytes(of: value.bitPattern.littleEndian) { buffer.append($0) }
    }

    /// string / bytes field from raw bytes; omitted when empty.
    @inline(__always)
    public func bytes(_ field: UInt32, _ value: UnsafeRawBufferPointer) {
        guard !value.isEmpty else { return }
        key(field, 2)
        varint(UInt64(value.count))
        buffer.append(value)
    }

    /// bytes field from an array; omitted when empty.
    @inline(__always)
    public func bytes(_ field: UInt32, _ value: [UInt8]) {
        value.withUnsafeBytes { bytes(field, $0) }
    }

    /// string field; omitted when empty.
    @inline(__always)
    public func string(_ field: UInt32, _ value: String) {
        guard !value.isEmpty else { return }
        var value = value
        value.withUTF8 { bytes(field, UnsafeRawBufferPointer($0)) }
    }

    /// A string element of a repeated field: written even when empty (an empty argv entry is an entry).
    @inline(__always)
    public func repeatedString(_ field: UInt32, _ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            key(field, 2)
            varint(UInt64(utf8.count))
            buffer.append(UnsafeRawBufferPointer(utf8))
        }
    }

    /// A nested message field: `body` writes its fields. When the body wrote nothing the field is
    /// omitted (an unset message), unless `keepEmpty`: a oneof member must stay present even when all of
    /// its fields are defaults (an exit with code 0 is still an exit), as SwiftProtobuf writes it.
    @inline(__always)
    public func message(_ field: UInt32, keepEmpty: Bool = false, _ body: (inout ProtobufWriter) -> Void) {
        let keyStart = buffer.count
        key(field, 2)
        let lengthAt = buffer.count
        buffer.append(byte: 0)   // one length byte; widened below when the body is 128 bytes or more
        let bodyStart = buffer.count
        var nested = self
        body(&nested)
        let length = buffer.count - bodyStart
        if length == 0 {
            if !keepEmpty { buffer.count = keyStart }
            return
        }
        if length < 0x80 {
            buffer.base[lengthAt] = UInt8(length)
            return
        }
        var prefixLength = 1
        var v = UInt64(length)
        while v >= 0x80 { prefixLength += 1; v >>= 7 }
        buffer.insertGap(of: prefixLength - 1, at: bodyStart)
        var at = lengthAt
        v = UInt64(length)
        while v >= 0x80 { buffer.base[at] = UInt8(truncatingIfNeeded: v) | 0x80; v >>= 7; at += 1 }
        buffer.base[at] = UInt8(v)
    }

    /// A nested message field from an already-encoded body, written even when the body is empty (the
    /// message is present): key, length, body.
    @inline(__always)
    public func presentMessage(_ field: UInt32, body: UnsafeRawBufferPointer) {
        key(field, 2)
        varint(UInt64(body.count))
        buffer.append(body)
    }

    /// Appends already-encoded bytes (a message body kept from earlier, an input message to extend).
    @inline(__always)
    public func raw(_ value: UnsafeRawBufferPointer) { buffer.append(value) }
}
