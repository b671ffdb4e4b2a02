import Foundation

/// A poison message as published to `infrasight.dlq`: the original bytes, why they were rejected,
/// which stage rejected them, and exactly where they came from.
public struct DeadLetter: Codable, Sendable, Equatable {
    public var stage: String
    public var reason: String
    public var sourceTopic: String
    public var sourcePartition: Int32
    public var sourceOffset: Int64
    /// The rejected message value, base64.
    public var payloadBase64: String
    public var timeNs: UInt64

    enum CodingKeys: String, CodingKey {
        case stage, reason
        case sourceTopic = "source_topic", sourcePartition = "source_partition", sourceOffset = "source_offset"
        case payloadBase64 = "payload_base64", timeNs = "time_ns"
    }

    public init(stage: String, reason: String, sourceTopic: String, sourcePartition: Int32, sourceOffset: Int64,
                payload: [UInt8], timeNs: UInt64 = WallClock.nowNanos()) {
        self.stage = stage
        self.reason = String(reason.prefix(4096))
        self.sourceTopic = sourceTopic
        self.sourcePartition = sourcePartition
        self.sourceOffset = sourceOffset
        self.payloadBase64 = Data(payload).base64EncodedString()
        self.timeNs = timeNs
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    public static func decode(_ bytes: [UInt8]) throws -> DeadLetter {
        try JSONDecoder().decode(DeadLetter.self, from: Data(bytes))
    }

    public var payload: [UInt8] { Array(Data(base64Encoded: payloadBase64) ?? Data()) }
}
