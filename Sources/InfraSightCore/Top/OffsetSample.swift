/// The offsets one consumer group has committed, summed per probe topic, at one moment: two samples give
/// the messages per second the group's stage really finished for each probe.
public struct OffsetSample: Sendable, Equatable {
    public var timeNanos: UInt64
    /// Probe → sum of the committed offsets over the partitions of its topic.
    public var committed: [Probe: UInt64]

    public init(timeNanos: UInt64, committed: [Probe: UInt64]) {
        self.timeNanos = timeNanos
        self.committed = committed
    }

    /// Messages per second from `earlier` to this sample for `probe`; nil when either sample lacks it.
    public func rate(since earlier: OffsetSample?, probe: Probe) -> Double? {
        guard let earlier, timeNanos > earlier.timeNanos, let old = earlier.committed[probe], let new = committed[probe] else { return nil }
        return CounterRate.perSecond(from: old, to: new, nanoseconds: timeNanos - earlier.timeNanos)
    }
}
