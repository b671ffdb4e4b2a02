/// Events per second between two readings of a monotonic counter. A later reading below the earlier one
/// means the counter started again from 0 (a restarted process), so the later reading is the increase.
public enum CounterRate {
    public static func perSecond(from old: UInt64, to new: UInt64, nanoseconds: UInt64) -> Double {
        guard nanoseconds > 0 else { return 0 }
        let increase = new >= old ? new - old : new
        return Double(increase) * 1e9 / Double(nanoseconds)
    }
}
