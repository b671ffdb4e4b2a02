import CEventLayout

/// One kind of value the in-kernel allow/deny filters compare (bpf/include/infrasight_filter.h).
/// Container ids and cgroup paths are ways of naming cgroups: they are the `cgroup` kind.
public enum FilterKind: String, CaseIterable, Sendable, Comparable {
    case pid, comm, uid, cgroup, path

    /// The kind's bit in `infrasight_filter_config.allow_kinds` / `deny_kinds`.
    public var bit: UInt32 {
        switch self {
        case .pid: return INFRASIGHT_FILTER_PID.rawValue
        case .comm: return INFRASIGHT_FILTER_COMM.rawValue
        case .uid: return INFRASIGHT_FILTER_UID.rawValue
        case .cgroup: return INFRASIGHT_FILTER_CGROUP.rawValue
        case .path: return INFRASIGHT_FILTER_PATH.rawValue
        }
    }

    /// The kernel counter of records this kind dropped.
    public var counter: infrasight_counter {
        switch self {
        case .pid: return INFRASIGHT_CTR_FILTERED_PID
        case .comm: return INFRASIGHT_CTR_FILTERED_COMM
        case .uid: return INFRASIGHT_CTR_FILTERED_UID
        case .cgroup: return INFRASIGHT_CTR_FILTERED_CGROUP
        case .path: return INFRASIGHT_CTR_FILTERED_PATH
        }
    }

    /// The stats key of this kind's drops (`filtered{comm}`; per probe `filtered{comm,open}`).
    public var statsKey: String { "filtered{\(rawValue)}" }

    public static func < (a: FilterKind, b: FilterKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
