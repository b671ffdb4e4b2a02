/// Counters of an `ExecveProbe`, summed over CPUs (kernel side) plus the user-space decoder's.
public struct ExecveProbeCounters: Sendable, Equatable {
    /// Events the kernel wrote to the ring buffer.
    public var emitted: UInt64 = 0
    /// Events lost because the ring buffer was full.
    public var reserveFailures: UInt64 = 0
    /// sys_exit seen without the matching sys_enter data (event dropped).
    public var enterMisses: UInt64 = 0
    /// sys_enter calls skipped because the tgid is excluded.
    public var excluded: UInt64 = 0
    /// sys_enter data that could not be stored (event dropped).
    public var stashFailures: UInt64 = 0
    /// Events whose argv was truncated by the limits.
    public var argvTruncated: UInt64 = 0
    /// Events with unreadable filename/argv memory.
    public var readFailures: UInt64 = 0
    /// Records user space could not decode (user-space count).
    public var decodeErrors: UInt64 = 0

    public init() {}
}
