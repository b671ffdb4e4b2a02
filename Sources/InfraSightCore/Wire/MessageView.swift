/// The fields of one nested message of an event (a detail payload, the process, container or
/// enrichment context, one ancestor), recorded as values and byte offsets into the event's bytes.
///
/// Why: reading an event this way costs one pass and no allocation, where SwiftProtobuf builds a
/// message tree with a `String` per field. Protobuf merge rules hold: when the message occurs more
/// than once (enrich appends a second `enriched`), each occurrence is parsed into the same slots in
/// order, so later scalars and strings override earlier ones and repeated fields accumulate.
/// Slot n holds field n: a scalar's value, a string's `offset << 32 | length`, or for a repeated
/// field the first element's tag offset `<< 32 | count`. The typed views (`OpenView`, ...) read them.
public struct MessageView: Sendable {
    /// Field-number-indexed values (fields 1...15).
    @usableFromInline var slots: FieldSlots = FieldSlots()
    /// Field number of this message in the event (0 while it did not occur).
    @usableFromInline var field: Int32 = 0
    /// How many occurrences were merged.
    @usableFromInline var occurrences: Int32 = 0
    /// Offset in the event of the first merged occurrence's tag (where a re-scan starts).
    @usableFromInline var runStart: Int32 = 0
    /// End of the last occurrence's body.
    @usableFromInline var bodyEnd: Int32 = 0

    @inlinable
    init() {}

    /// Whether the message occurred (a present but empty message counts).
    @inlinable @inline(__always)
    public var isPresent: Bool { occurrences > 0 }

    /// A scalar slot: the varint or fixed64 value, 0 when absent.
    @inlinable @inline(__always)
    func value(_ field: Int) -> UInt64 { slots[field] }

    /// A string or bytes slot as bytes of `buffer` (empty when absent).
    @inlinable @inline(__always)
    func bytes(_ field: Int, in buffer: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let packed = slots[field]
        guard packed != 0, let base = buffer.baseAddress else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + Int(packed >> 32), count: Int(packed & 0xffff_ffff))
    }

    /// Element count of a repeated or map field.
    @inlinable @inline(__always)
    func count(_ field: Int) -> Int { Int(slots[field] & 0xffff_ffff) }

    /// Records one occurrence of this message at `tagAt` with body `body`: parses it into the slots,
    /// validating strings and nested messages. `budget` is the nesting depth left for groups.
    @usableFromInline
    mutating func merge(_ buffer: UnsafeRawBufferPointer, field: Int, tagAt: Int, body: Range<Int>,
                        schema: MessageSchema, budget: Int,
                        ancestors: UnsafeMutablePointer<AncestorIndex>? = nil) throws(WireFormatError) {
        if occurrences == 0 {
            self.field = Int32(field)
            runStart = Int32(tagAt)
        }
        occurrences += 1
        bodyEnd = Int32(body.upperBound)
        try parse(buffer, body: body, schema: schema, budget: budget, ancestors: ancestors)
    }

    @usableFromInline
    mutating func parse(_ buffer: UnsafeRawBufferPointer, body: Range<Int>, schema: MessageSchema,
                        budget: Int, ancestors: UnsafeMutablePointer<AncestorIndex>? = nil) throws(WireFormatError) {
        var r = ProtobufReader(buffer, range: body)
        while !r.isAtEnd {
            let tagAt = r.at
            let (field, wireType) = try r.tag()
            let bit: UInt32 = field < 32 ? 1 << UInt32(field) : 0
            switch wireType {
            case ProtobufReader.varintType where schema.varint & bit != 0:
                slots[field] = try r.varint()
            case ProtobufReader.fixed64Type where schema.fixed64 & bit != 0:
                slots[field] = try r.fixed64()
            case ProtobufReader.lengthDelimitedType where (schema.string | schema.bytes) & bit != 0:
                let v = try r.lengthDelimited()
                if schema.string & bit != 0 { try Self.checkUTF8(buffer, v, field: field, tagAt: tagAt) }
                slots[field] = UInt64(v.lowerBound) << 32 | UInt64(v.count)
            case ProtobufReader.lengthDelimitedType
                where (schema.repeatedString | schema.repeatedAncestor | schema.stringMap) & bit != 0:
                let v = try r.lengthDelimited()
                if schema.repeatedString & bit != 0 {
                    try Self.checkUTF8(buffer, v, field: field, tagAt: tagAt)
                } else if schema.repeatedAncestor & bit != 0 {
                    let fields = try Self.checkAncestor(buffer, body: v, budget: budget - 1)
                    ancestors?.pointee.append(fields)
                } else {
                    _ = try Self.mapEntry(buffer, body: v, budget: budget)
                }
                let old = slots[field]
                slots[field] = old == 0 ? UInt64(tagAt) << 32 | 1 : old + 1
            default:
                try r.skip(wireType: wireType, field: field, budget: budget)
            }
        }
    }

    /// Validates one `Ancestor` (pid 1, comm 2, exe 3, exec_id 4): the wire format and its strings.
    /// Returns its fields as `AncestorView` reads them: pid, then `offset << 32 | length` of the strings
    /// (the last occurrence of each wins; unknown fields are skipped).
    static func checkAncestor(_ buffer: UnsafeRawBufferPointer, body: Range<Int>,
                              budget: Int) throws(WireFormatError) -> (UInt64, UInt64, UInt64, UInt64) {
        var fields: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var r = ProtobufReader(buffer, range: body)
        while !r.isAtEnd {
            let tagAt = r.at
            let (field, wireType) = try r.tag()
            if field == 1 && wireType == ProtobufReader.varintType {
                fields.0 = try r.varint()
            } else if (2...4).contains(field) && wireType == ProtobufReader.lengthDelimitedType {
                let v = try r.lengthDelimited()
                try checkUTF8(buffer, v, field: field, tagAt: tagAt)
                let packed = UInt64(v.lowerBound) << 32 | UInt64(v.count)
                if field == 2 { fields.1 = packed } else if field == 3 { fields.2 = packed } else { fields.3 = packed }
            } else {
                try r.skip(wireType: wireType, field: field, budget: budget)
            }
        }
        return fields
    }

    @inline(__always)
    static func checkUTF8(_ buffer: UnsafeRawBufferPointer, _ v: Range<Int>, field: Int, tagAt: Int) throws(WireFormatError) {
        guard v.isEmpty || UTF8Validation.isValid(buffer.baseAddress.unsafelyUnwrapped, from: v.lowerBound, to: v.upperBound) else {
            throw WireFormatError("invalid UTF-8 in string field \(field) at byte \(tagAt)")
        }
    }

    /// One map<string, string> entry: its key and value bodies (empty ranges when absent), read as
    /// SwiftProtobuf reads map entries (loose tags; a key or value with another wire type is not
    /// consumed, the next tag is read right after it).
    @usableFromInline
    static func mapEntry(_ buffer: UnsafeRawBufferPointer, body: Range<Int>,
                         budget: Int) throws(WireFormatError) -> (key: Range<Int>, value: Range<Int>) {
        var r = ProtobufReader(buffer, range: body)
        var key = body.lowerBound..<body.lowerBound
        var value = key
        while !r.isAtEnd {
            let tagAt = r.at
            let (field, wireType) = try r.looseTag()
            guard wireType != ProtobufReader.endGroupType else {
                throw ProtobufReader.malformed("map entry (end of a group that was not started)", at: tagAt)
            }
            switch field {
            case 1, 2:
                guard wireType == ProtobufReader.lengthDelimitedType else { continue }
                let v = try r.lengthDelimited()
                try checkUTF8(buffer, v, field: field, tagAt: tagAt)
                if field == 1 { key = v } else { value = v }
            default:
                try r.skip(wireType: wireType, field: field, budget: budget)
            }
        }
        return (key, value)
    }

    /// Calls `body` with the body of each element of repeated field `field`, in wire order, across
    /// every merged occurrence of this message (`buffer` is the whole event).
    @usableFromInline
    func forEachElement(of field: Int, in buffer: UnsafeRawBufferPointer, _ body: (Range<Int>) -> Void) {
        let packed = slots[field]
        guard packed != 0 else { return }
        if occurrences == 1 {
            Self.scan(buffer, Int(packed >> 32)..<Int(bodyEnd), for: field, body)
            return
        }
        // Merged occurrences: walk the event again from the first one.
        Self.scan(buffer, Int(runStart)..<buffer.count, for: Int(self.field)) { occurrence in
            Self.scan(buffer, occurrence, for: field, body)
        }
    }

    /// Calls `body` with each length-delimited occurrence of `field` in `range` (already validated).
    @usableFromInline
    static func scan(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, for field: Int, _ body: (Range<Int>) -> Void) {
        var r = ProtobufReader(buffer, range: range)
        do {
            while !r.isAtEnd {
                let (f, wireType) = try r.tag()
                if f == field && wireType == ProtobufReader.lengthDelimitedType {
                    body(try r.lengthDelimited())
                } else {
                    try r.skip(wireType: wireType, field: f, budget: 100)
                }
            }
        } catch {
            // Unreachable: the bytes were validated when the view was built.
        }
    }
}

/// Sixteen 64-bit slots indexed by field number, stored inline (no allocation).
///
/// Why: a nested message's fields are recorded per event; an array would allocate every time.
@usableFromInline
struct FieldSlots: Sendable {
    @usableFromInline var raw: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
        = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    @inlinable
    init() {}

    /// Field `i` (0...15; callers only pass field numbers of the schema, all below 16).
    @inlinable @inline(__always)
    subscript(i: Int) -> UInt64 {
        get {
            withUnsafeBytes(of: raw) { $0.load(fromByteOffset: (i & 15) &* 8, as: UInt64.self) }
        }
        set {
            withUnsafeMutableBytes(of: &raw) { $0.storeBytes(of: newValue, toByteOffset: (i & 15) &* 8, as: UInt64.self) }
        }
    }
}
