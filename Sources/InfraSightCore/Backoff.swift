/// Exponential backoff with full jitter, for retrying an unreachable broker or ClickHouse.
public struct Backoff: Sendable {
    public var initialMs: Double
    public var maxMs: Double
    public private(set) var attempt: Int = 0

    public init(initialMs: Double = 200, maxMs: Double = 10_000) {
        self.initialMs = initialMs
        self.maxMs = maxMs
    }

    /// The delay before the next attempt: uniform in [cap/2, cap], cap = min(max, initial·2^attempt).
    public mutating func nextDelayMs() -> Double {
        let cap = min(maxMs, initialMs * Double(1 << min(attempt, 30)))
        attempt += 1
        return Double.random(in: (cap / 2)...cap)
    }

    public mutating func reset() { attempt = 0 }
}
