import Logging

/// Publishes a stage's counters every `intervalSeconds` (to `infrasight.stats` via `publish`, and to the log).
/// Called from the stage loop with `tick()`; it does nothing until the interval has passed.
public final class StatsReporter {
    public let counters: StageCounters
    let intervalNanos: UInt64
    let publish: (_ key: [UInt8], _ value: [UInt8]) -> Void
    let logger: Logger
    var lastNanos: UInt64
    var lastSummary = ""

    public init(counters: StageCounters, intervalSeconds: Double, logger: Logger,
                publish: @escaping (_ key: [UInt8], _ value: [UInt8]) -> Void) {
        self.counters = counters
        self.intervalNanos = UInt64(max(intervalSeconds, 0.1) * 1e9)
        self.publish = publish
        self.logger = logger
        self.lastNanos = WallClock.monotonicNanos()
    }

    /// True when the next `tick()` will publish: a cue to refresh expensive gauges (consumer lag) first.
    public var dueSoon: Bool { WallClock.monotonicNanos() &- lastNanos >= intervalNanos }

    /// Publishes when the interval has passed (or always when `force`).
    public func tick(force: Bool = false) {
        let now = WallClock.monotonicNanos()
        guard force || now &- lastNanos >= intervalNanos else { return }
        lastNanos = now
        let record = StatsRecord(stage: counters.stage, instance: InstanceIdentity.instance,
                                 host: InstanceIdentity.hostName, timeNs: WallClock.nowNanos(),
                                 counters: counters.snapshot())
        publish(Array("\(record.stage)/\(record.instance)".utf8), record.encoded())
        let summary = record.summary
        if summary != lastSummary || force {
            logger.info("stats \(summary.isEmpty ? "(idle)" : summary)")
            lastSummary = summary
        }
    }
}
