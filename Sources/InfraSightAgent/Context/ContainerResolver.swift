import Foundation
import InfraSightCore

/// Resolves a cgroup v2 id straight to the container it belongs to: id → path
/// (`CgroupPathResolver`) → `ContainerIdentity` (`CgroupContainerParser`), caching the answer.
///
/// Answers for ids whose path is known are cached, including "not in a container" (a cgroup
/// path never changes, and ids are not reused). Ids whose path is unknown are not cached, so
/// they resolve once the path resolver's next walk finds them. The cache keeps about
/// `capacity` ids (`TwoGenerationCache`: an approximate LRU with O(1) work per lookup).
///
/// cgroup v1: the BPF programs record the cgroup v2 id only. When that id names no container and
/// the host has v1 hierarchies (a v1 host, where every task reports the v2 root, or a hybrid host
/// whose runtime uses the v1 hierarchies), `container(forCgroupId:pid:ppid:)` asks `processes`, which
/// reads `/proc/<pid>/cgroup` (see `ProcCgroupContainerLookup`).
public final class ContainerResolver: @unchecked Sendable {
    /// The path resolver consulted on cache misses; nil when the host has no cgroup v2 hierarchy.
    public let paths: CgroupPathResolver?
    /// The per-process `/proc/<pid>/cgroup` lookup used when the v2 id names no container (v1 hosts).
    public let processes: ProcCgroupContainerLookup?
    /// Approximate number of cached ids.
    public let capacity: Int

    private struct Entry {
        let identity: ContainerIdentity?
    }

    private let lock = NSLock()
    private var entries: TwoGenerationCache<UInt64, Entry>

    /// A resolver over `paths` caching about `capacity` ids, falling back to `processes` (v1) when set.
    public init(paths: CgroupPathResolver?, processes: ProcCgroupContainerLookup? = nil, capacity: Int = 8192) {
        self.paths = paths
        self.processes = processes
        self.capacity = max(2, capacity)
        entries = TwoGenerationCache(capacity: capacity)
    }

    /// The resolver for this host: the v2 hierarchy from `/proc/self/mountinfo` when mounted, and the
    /// `/proc/<pid>/cgroup` fallback when v1 hierarchies are mounted; nil when there is neither.
    public static func forCurrentHost(procRoot: String = "/proc") -> ContainerResolver? {
        let mountinfo = BoundedFileReader.contents(of: "/proc/self/mountinfo", maxBytes: 4 << 20)
            .map { String(decoding: $0, as: UTF8.self) } ?? ""
        let paths = CgroupMountTable.cgroup2MountPoint(mountinfo: mountinfo).map { CgroupPathResolver(root: $0) }
        let v1 = CgroupMountTable.hasCgroup1Hierarchy(mountinfo: mountinfo)
            ? ProcCgroupContainerLookup(procRoot: procRoot) : nil
        guard paths != nil || v1 != nil else { return nil }
        return ContainerResolver(paths: paths, processes: v1)
    }

    /// The container of the cgroup with v2 id `cgroupId`, or nil for host cgroups and unknown ids.
    public func container(forCgroupId cgroupId: UInt64) -> ContainerIdentity? {
        if let entry = cached(cgroupId) { return entry.identity }
        guard let path = paths?.path(forCgroupId: cgroupId) else { return nil }
        let identity = CgroupContainerParser.parse(path)
        store(cgroupId, Entry(identity: identity))
        return identity
    }

    /// The container of process `pid` (event comm `comm`) whose task was in the cgroup with v2 id
    /// `cgroupId`: from the id when it names one, otherwise (v1 hierarchies mounted) from `/proc/<pid>/cgroup`.
    public func container(forCgroupId cgroupId: UInt64, pid: UInt32, ppid: UInt32, comm: String = "") -> ContainerIdentity? {
        if let found = container(forCgroupId: cgroupId) { return found }
        return processes?.container(pid: pid, ppid: ppid, comm: comm)
    }

    /// Forgets what is known about process `pid` (it exec'd or exited; see `ProcCgroupContainerLookup`).
    public func forgetProcess(pid: UInt32) {
        processes?.forget(pid: pid)
    }

    private func cached(_ id: UInt64) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        return entries.value(for: id)
    }

    private func store(_ id: UInt64, _ entry: Entry) {
        lock.lock()
        defer { lock.unlock() }
        entries.set(entry, for: id)
    }
}
