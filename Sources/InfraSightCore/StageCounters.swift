import Foundation
import Metrics

/// What a stage counts about every message: each one received ends as passed on, dead-lettered or
/// dropped (with a reason), possibly after retries. Thread-safe; mirrored into swift-metrics counters
/// named `infrasight_<stage>_<counter>_total`.
public final class StageCounters: @unchecked Sendable {
    /// The counter names every stage reports (some stay 0 for a stage).
    public enum Name: String, CaseIterable, Sendable {
        case received, produced, inserted, retried, deadLettered = "dead_lettered", dropped, filtered
    }

    public let stage: String
    private let lock = NSLock()
    private var values: [String: UInt64] = [:]
    private var metrics: [String: Counter] = [:]
    private var absoluteKeys: Set<String> = []

    public init(stage: String) {
        self.stage = stage
        for name in Name.allCases { values[name.rawValue] = 0 }
    }

    /// Adds `n` to a counter; `reason` (for dropped/dead-lettered) becomes a label and a sub-key `name{reason}`.
    public func add(_ name: Name, _ n: UInt64 = 1, reason: String? = nil) {
        guard n > 0 else { return }
        let key = reason.map { "\(name.rawValue){\($0)}" } ?? name.rawValue
        lock.lock()
        values[name.rawValue, default: 0] &+= n
        if reason != nil { values[key, default: 0] &+= n }
        let counter: Counter
        if let c = metrics[key] {
            counter = c
        } else {
            var dims: [(String, String)] = []
            if let reason { dims.append(("reason", reason)) }
            counter = Counter(label: "infrasight_\(stage)_\(name.rawValue)_total", dimensions: dims)
            metrics[key] = counter
        }
        lock.unlock()
        counter.increment(by: Int64(clamping: n))
    }

    /// Sets an externally-owned absolute counter (for example the kernel's per-CPU loss counters).
    public func set(_ key: String, _ value: UInt64) {
        lock.lock(); values[key] = value; absoluteKeys.insert(key); lock.unlock()
    }

    public func value(_ name: Name) -> UInt64 {
        lock.lock(); defer { lock.unlock() }
        return values[name.rawValue] ?? 0
    }

    /// A consistent copy of every counter.
    public func snapshot() -> [String: UInt64] {
        lock.lock(); defer { lock.unlock() }
        return values
    }

    /// A consistent copy of only the absolute values written with `set(_:_:)` (keys such as
    /// `lost{ringbuf_reserve}` or `lag{topic/partition}`), which are not mirrored into swift-metrics.
    public func absoluteSnapshot() -> [String: UInt64] {
        lock.lock(); defer { lock.unlock() }
        var result: [String: UInt64] = [:]
        result.reserveCapacity(absoluteKeys.count)
        for key in absoluteKeys { result[key] = values[key] }
        return result
    }
}
