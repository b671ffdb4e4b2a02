/// gRPC's message framing on HTTP/2 ("Length-Prefixed-Message"): each protobuf message in a request or
/// response body is preceded by 5 bytes, a compressed flag (0 or 1) and the message length (big-endian
/// `UInt32`). The agent sends and accepts only uncompressed messages (it announces no `grpc-encoding`,
/// so a conforming server does not compress) and, for a unary call, exactly one message per body.
public enum GRPCMessageFrame {
    /// Why a response body is not one uncompressed message.
    public enum Failure: Error, Equatable, CustomStringConvertible, Sendable {
        /// The body ends inside the 5-byte prefix or inside the message.
        case truncated(expected: Int, got: Int)
        /// The compressed flag is set (or not 0/1).
        case compressed(flag: UInt8)
        /// The message is longer than the caller allows.
        case tooLarge(length: Int, limit: Int)
        /// Bytes follow the first message (a unary response has one).
        case trailingBytes(Int)

        public var description: String {
            switch self {
            case .truncated(let expected, let got): return "gRPC message truncated: \(got) of \(expected) bytes"
            case .compressed(let flag): return "compressed gRPC message (flag \(flag)) although no compression was offered"
            case .tooLarge(let length, let limit): return "gRPC message of \(length) bytes exceeds the limit of \(limit)"
            case .trailingBytes(let n): return "\(n) bytes after the single message of a unary response"
            }
        }
    }

    /// The length of the prefix in front of every message.
    public static let prefixLength = 5

    /// `message` with its prefix (not compressed).
    public static func encode(_ message: [UInt8]) -> [UInt8] {
        let n = UInt32(message.count)
        return [0, UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8),
                UInt8(truncatingIfNeeded: n)] + message
    }

    /// The length the prefix at the start of `body` announces, once 5 bytes are there (lets a reader
    /// refuse an oversized message before it arrives).
    public static func announcedLength(_ body: [UInt8]) -> Int? {
        guard body.count >= prefixLength else { return nil }
        return Int(body[1]) << 24 | Int(body[2]) << 16 | Int(body[3]) << 8 | Int(body[4])
    }

    /// The one message in a unary response body; nil for an empty body (a response without a message,
    /// as with a "trailers-only" error answer).
    public static func decodeSingle(_ body: [UInt8], maxMessageBytes: Int) throws -> [UInt8]? {
        if body.isEmpty { return nil }
        guard let length = announcedLength(body) else { throw Failure.truncated(expected: prefixLength, got: body.count) }
        guard body[0] == 0 else { throw Failure.compressed(flag: body[0]) }
        guard length <= maxMessageBytes else { throw Failure.tooLarge(length: length, limit: maxMessageBytes) }
        let end = prefixLength + length
        guard body.count >= end else { throw Failure.truncated(expected: end, got: body.count) }
        guard body.count == end else { throw Failure.trailingBytes(body.count - end) }
        return Array(body[prefixLength..<end])
    }
}
