/// Unit conversions for syscall latencies, which the agent measures in nanoseconds.
public enum LatencyUnits {
    /// `nanos` expressed in milliseconds. Whole milliseconds and the sub-millisecond remainder
    /// are converted separately, so the huge-integer-to-Double rounding of a plain
    /// `Double(nanos) / 1e6` (above 2^53 ns, about 104 days) is avoided.
    public static func milliseconds(fromNanos nanos: UInt64) -> Double {
        Double(nanos / 1_000_000) + Double(nanos % 1_000_000) / 1_000_000
    }
}
