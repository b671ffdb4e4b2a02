import Foundation

/// One stage's counters at one moment, as published to `infrasight.stats` (JSON).
public struct StatsRecord: Codable, Sendable, Equatable {
    public var stage: String
    public var instance: String
    public var host: String
    public var timeNs: UInt64
    public var counters: [String: UInt64]

    enum CodingKeys: String, CodingKey {
        case stage, instance, host, counters
        case timeNs = "time_ns"
    }

    public init(stage: String, instance: String, host: String, timeNs: UInt64, counters: [String: UInt64]) {
        self.stage = stage; self.instance = instance; self.host = host; self.timeNs = timeNs; self.counters = counters
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    /// A short human-readable line for logs.
    public var summary: String {
        counters.sorted { $0.key < $1.key }.filter { $0.value > 0 }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}
