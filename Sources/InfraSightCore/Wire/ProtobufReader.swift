/// Why bytes are not a well-formed protobuf message: what was wrong and at which byte offset.
///
/// Why a type of its own: the view-based readers (`EventView`) report wire damage separately from
/// contract violations, and callers wrap it into the reason a dead letter carries.
public struct WireFormatError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A cursor over proto3 binary wire format in a borrowed buffer: tags, varints, fixed-width values,
/// length-delimited bodies and skipping of unknown fields (groups included).
///
/// Why: the enrich and sink hot paths read events without building SwiftProtobuf messages. The rules
/// are SwiftProtobuf's `BinaryDecoder`'s, so the same inputs are accepted and rejected: a tag is at most
/// 5 bytes with a field number in 1...2^29-1 and a wire type in 0...5, an end-group tag outside its group
/// is malformed, a varint is at most 10 bytes, a length-delimited body must fit (and be < 2 GiB), and
/// nested groups count against the same depth budget (100 levels, messages included).
/// Every read is bounds-checked: malformed input throws, it never traps.
@usableFromInline
struct ProtobufReader {
    /// Start of the whole buffer; offsets are relative to it (nil only for an empty buffer).
    @usableFromInline let base: UnsafeRawPointer?
    /// Next byte to read.
    @usableFromInline var at: Int
    /// One past the last readable byte.
    @usableFromInline let end: Int

    /// Wire types.
    static let varintType: UInt8 = 0
    static let fixed64Type: UInt8 = 1
    static let lengthDelimitedType: UInt8 = 2
    static let startGroupType: UInt8 = 3
    static let endGroupType: UInt8 = 4
    static let fixed32Type: UInt8 = 5

    /// Reads `buffer[range]` (offsets stay relative to `buffer`). The range must lie within the buffer.
    @inline(__always)
    init(_ buffer: UnsafeRawBufferPointer, range: Range<Int>) {
        base = buffer.baseAddress
        at = range.lowerBound
        end = range.upperBound
    }

    @inline(__always)
    var isAtEnd: Bool { at >= end }

    @inline(__always)
    func byte(_ offset: Int) -> UInt8 { base.unsafelyUnwrapped.load(fromByteOffset: offset, as: UInt8.self) }

    static func truncated(_ what: String, at offset: Int) -> WireFormatError {
        WireFormatError("truncated \(what) at byte \(offset)")
    }

    static func malformed(_ what: String, at offset: Int) -> WireFormatError {
        WireFormatError("malformed \(what) at byte \(offset)")
    }

    /// The next field's tag, as a message's field loop reads it (SwiftProtobuf `nextFieldNumber`).
    @inline(__always)
    mutating func tag() throws(WireFormatError) -> (field: Int, wireType: UInt8) {
        let start = at
        let c0 = byte(at)
        let wireType = c0 & 7
        guard wireType <= 5 else { throw Self.malformed("tag (wire type \(wireType))", at: start) }
        var field: Int
        if c0 & 0x80 == 0 {
            at += 1
            field = Int(c0) >> 3
        } else {
            field = Int(c0 & 0x7f) >> 3
            var shift = 4
            var i = 1
            while true {
                guard at + i < end else { throw Self.malformed("tag (cut short)", at: start) }
                let c = byte(at + i)
                if i == 4 {
                    guard c <= 15 else { throw Self.malformed("tag (field number too large)", at: start) }
                    field |= Int(c) << shift
                    i += 1
                    break
                }
                field |= Int(c & 0x7f) << shift
                i += 1
                if c & 0x80 == 0 { break }
                shift += 7
            }
            at += i
        }
        guard field != 0 else { throw Self.malformed("tag (field number 0)", at: start) }
        guard wireType != Self.endGroupType else { throw Self.malformed("tag (end of a group that was not started)", at: start) }
        return (field, wireType)
    }

    /// A tag as read inside a group or a map entry (SwiftProtobuf `getTag`): any varint below 2^32-1 that
    /// has a field number and a valid wire type. End-group tags are returned for the caller to judge.
    mutating func looseTag() throws(WireFormatError) -> (field: Int, wireType: UInt8) {
        let start = at
        let t = try varint()
        guard t < UInt64(UInt32.max), t >> 3 != 0, t & 7 <= 5 else { throw Self.malformed("tag", at: start) }
        return (Int(t >> 3), UInt8(t & 7))
    }

    /// An unsigned LEB128 varint of at most 10 bytes (bits beyond 64 are dropped, as SwiftProtobuf does).
    @inline(__always)
    mutating func varint() throws(WireFormatError) -> UInt64 {
        guard at < end else { throw Self.truncated("varint", at: at) }
        let c0 = byte(at)
        if c0 & 0x80 == 0 {
            at += 1
            return UInt64(c0)
        }
        return try varintSlow()
    }

    @usableFromInline
    mutating func varintSlow() throws(WireFormatError) -> UInt64 {
        let start = at
        let base = base.unsafelyUnwrapped
        // Fast path: the whole varint (at most 10 bytes) lies in the buffer.
        if end &- at >= 10 {
            var value = UInt64(base.load(fromByteOffset: at, as: UInt8.self) & 0x7f)
            var i = at &+ 1
            var shift: UInt64 = 7
            while true {
                let c = base.load(fromByteOffset: i, as: UInt8.self)
                i &+= 1
                value |= UInt64(c & 0x7f) &<< shift
                if c & 0x80 == 0 {
                    at = i
                    return value
                }
                shift &+= 7
                if shift > 63 { throw Self.malformed("varint", at: start) }
            }
        }
        var value = UInt64(byte(at) & 0x7f)
        var shift: UInt64 = 7
        var i = at + 1
        while true {
            guard i < end, shift <= 63 else { throw Self.malformed("varint", at: start) }
            let c = byte(i)
            i += 1
            value |= UInt64(c & 0x7f) &<< shift
            if c & 0x80 == 0 {
                at = i
                return value
            }
            shift &+= 7
        }
    }

    /// A little-endian 64-bit value (wire type 1).
    @inline(__always)
    mutating func fixed64() throws(WireFormatError) -> UInt64 {
        guard end - at >= 8 else { throw Self.truncated("fixed64", at: at) }
        let v = UInt64(littleEndian: base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        at += 8
        return v
    }

    /// The body of a length-delimited field (wire type 2), as offsets into the buffer.
    @inline(__always)
    mutating func lengthDelimited() throws(WireFormatError) -> Range<Int> {
        let start = at
        let length = try varint()
        guard length < 0x7fff_ffff else { throw Self.malformed("length", at: start) }
        guard length <= UInt64(end - at) else { throw Self.truncated("length-delimited field", at: start) }
        let body = at..<(at + Int(length))
        at = body.upperBound
        return body
    }

    /// Skips the value of a field whose tag was just read (an unknown field, or a known one with an
    /// unexpected wire type). `budget` is the nesting depth left; each group level takes one.
    mutating func skip(wireType: UInt8, field: Int, budget: Int) throws(WireFormatError) {
        switch wireType {
        case Self.varintType:
            _ = try varint()
        case Self.fixed64Type:
            guard end - at >= 8 else { throw Self.truncated("fixed64", at: at) }
            at += 8
        case Self.lengthDelimitedType:
            let start = at
            let length = try varint()
            guard length <= UInt64(end - at) else { throw Self.truncated("length-delimited field", at: start) }
            at += Int(length)
        case Self.fixed32Type:
            guard end - at >= 4 else { throw Self.truncated("fixed32", at: at) }
            at += 4
        case Self.startGroupType:
            let start = at
            guard budget > 0 else { throw WireFormatError("groups nested too deeply at byte \(start)") }
            while true {
                guard !isAtEnd else { throw Self.truncated("group \(field)", at: start) }
                let tagAt = at
                let inner = try looseTag()
                if inner.wireType == Self.endGroupType {
                    guard inner.field == field else { throw Self.malformed("end of group \(inner.field) inside group \(field)", at: tagAt) }
                    return
                }
                try skip(wireType: inner.wireType, field: inner.field, budget: budget - 1)
            }
        default:
            throw Self.truncated("group end", at: at)
        }
    }
}
