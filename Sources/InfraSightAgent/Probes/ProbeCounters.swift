import CEventLayout

/// Counters of one `BPFProbe`: the object's per-CPU kernel counters summed over CPUs, plus the
/// user-space decoder's.
public struct ProbeCounters: Sendable, Equatable {
    /// Records the kernel wrote to the ring buffer.
    public var emitted: UInt64 = 0
    /// Records lost because the ring buffer was full.
    public var reserveFailures: UInt64 = 0
    /// sys_exit without the matching sys_enter data (record dropped).
    public var enterMisses: UInt64 = 0
    /// Calls skipped because the tgid is excluded.
    public var excluded: UInt64 = 0
    /// sys_enter data that could not be stored (record dropped).
    public var stashFailures: UInt64 = 0
    /// Records with a truncated string (exec: argv).
    public var truncated: UInt64 = 0
    /// Records with unreadable user memory.
    public var readFailures: UInt64 = 0
    /// connect/accept records whose socket was not found in the fd table.
    public var noSocket: UInt64 = 0
    /// Records dropped by the per-process rate limit.
    public var throttled: UInt64 = 0
    /// Records dropped by the allow/deny filters, by the kind that refused them.
    public var filteredPid: UInt64 = 0
    public var filteredComm: UInt64 = 0
    public var filteredUid: UInt64 = 0
    public var filteredCgroup: UInt64 = 0
    public var filteredPath: UInt64 = 0
    /// Records user space could not decode.
    public var decodeErrors: UInt64 = 0

    public init() {}

    static let kernelIndexes: [(WritableKeyPath<ProbeCounters, UInt64>, infrasight_counter)] = [
        (\.emitted, INFRASIGHT_CTR_EMITTED), (\.reserveFailures, INFRASIGHT_CTR_RESERVE_FAILED),
        (\.enterMisses, INFRASIGHT_CTR_ENTER_MISS), (\.excluded, INFRASIGHT_CTR_EXCLUDED),
        (\.stashFailures, INFRASIGHT_CTR_STASH_FAILED), (\.truncated, INFRASIGHT_CTR_ARGV_TRUNCATED),
        (\.readFailures, INFRASIGHT_CTR_READ_FAILED), (\.noSocket, infrasight_counter(rawValue: 7)),
        (\.throttled, INFRASIGHT_CTR_THROTTLED),
        (\.filteredPid, INFRASIGHT_CTR_FILTERED_PID), (\.filteredComm, INFRASIGHT_CTR_FILTERED_COMM),
        (\.filteredUid, INFRASIGHT_CTR_FILTERED_UID), (\.filteredCgroup, INFRASIGHT_CTR_FILTERED_CGROUP),
        (\.filteredPath, INFRASIGHT_CTR_FILTERED_PATH),
    ]

    /// The records `kind` dropped.
    public func filtered(_ kind: FilterKind) -> UInt64 {
        switch kind {
        case .pid: return filteredPid
        case .comm: return filteredComm
        case .uid: return filteredUid
        case .cgroup: return filteredCgroup
        case .path: return filteredPath
        }
    }
}
