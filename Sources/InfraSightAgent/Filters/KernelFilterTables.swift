import CEventLayout

/// What one configuration puts into a probe object's filter maps (infrasight_filter.h): the kinds
/// whose allow / deny lists are non-empty and, per value, its flags (`allowFlag` | `denyFlag`).
/// Path prefixes carry the union of their own flags and those of every shorter listed prefix, so
/// the kernel's longest-prefix match sees every list that covers a path (deny still wins).
public struct KernelFilterTables: Equatable, Sendable {
    public static let allowFlag = UInt8(INFRASIGHT_FILTER_ALLOW)
    public static let denyFlag = UInt8(INFRASIGHT_FILTER_DENY)

    public var allowKinds: UInt32 = 0
    public var denyKinds: UInt32 = 0
    public var pids: [UInt32: UInt8] = [:]
    public var uids: [UInt32: UInt8] = [:]
    /// comm bytes (at most 15) → flags
    public var comms: [[UInt8]: UInt8] = [:]
    public var cgroups: [UInt64: UInt8] = [:]
    /// path prefix bytes → cumulative flags
    public var paths: [[UInt8]: UInt8] = [:]

    /// No filters.
    public static let empty = KernelFilterTables()

    public init() {}

    /// The tables of `filter`, with each cgroup selector's ids from `cgroupIDs`. A kind's bit is set
    /// when its list is non-empty, even when none of its cgroups resolved (an allow list naming only
    /// a container that is not running admits nothing).
    public init(filter: EventFilter, cgroupIDs: (CgroupSelector) -> Set<UInt64>) {
        for kind in filter.allow.kinds { allowKinds |= kind.bit }
        for kind in filter.deny.kinds { denyKinds |= kind.bit }
        for (list, flag) in [(filter.allow, Self.allowFlag), (filter.deny, Self.denyFlag)] {
            for pid in list.pids { pids[pid, default: 0] |= flag }
            for uid in list.uids { uids[uid, default: 0] |= flag }
            for comm in list.comms { comms[Array(comm.utf8), default: 0] |= flag }
            for selector in list.cgroups { for id in cgroupIDs(selector) { cgroups[id, default: 0] |= flag } }
            for prefix in list.pathPrefixes { paths[Array(prefix.utf8), default: 0] |= flag }
        }
        let own = paths
        for (prefix, _) in own {
            for (shorter, flags) in own where shorter.count < prefix.count && prefix.starts(with: shorter) {
                paths[prefix, default: 0] |= flags
            }
        }
    }

    /// True when no kind is active (the kernel then looks nothing up).
    public var isEmpty: Bool { allowKinds == 0 && denyKinds == 0 }
}
