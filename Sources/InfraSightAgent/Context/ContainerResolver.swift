import Foundation

/// Resolves a cgroup v2 id straight to the container it belongs to: id → path
/// (`CgroupPathResolver`) → `ContainerIdentity` (`CgroupContainerParser`), caching the answer.
///
/// Answers for ids whose path is known are cached, including "not in a container" (a cgroup
/// path never changes, and ids are not reused). Ids whose path is unknown are not cached, so
/// they resolve once the path resolver's next walk finds them. The cache keeps about
/// `capacity` ids in two generations: when the young one fills up it becomes the old one and
/// the previous old one is dropped; a hit in the old generation moves the entry back to the
/// young one (an approximate LRU with O(1) work per lookup).
public final class ContainerResolver: @unchecked Sendable {
    /// The path resolver consulted on cache misses.
    public let paths: CgroupPathResolver
    /// Approximate number of cached ids.
    public let capacity: Int

    private struct Entry {
        let identity: ContainerIdentity?
    }

    private let lock = NSLock()
    private var young: [UInt64: Entry] = [:]
    private var old: [UInt64: Entry] = [:]

    /// A resolver over `paths` caching about `capacity` ids.
    public init(paths: CgroupPathResolver, capacity: Int = 8192) {
        self.paths = paths
        self.capacity = max(2, capacity)
    }

    /// The container of the cgroup with v2 id `cgroupId`, or nil for host cgroups and unknown ids.
    public func container(forCgroupId cgroupId: UInt64) -> ContainerIdentity? {
        if let entry = cached(cgroupId) { return entry.identity }
        guard let path = paths.path(forCgroupId: cgroupId) else { return nil }
        let identity = CgroupContainerParser.parse(path)
        store(cgroupId, Entry(identity: identity))
        return identity
    }

    private func cached(_ id: UInt64) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        if let entry = young[id] { return entry }
        guard let entry = old.removeValue(forKey: id) else { return nil }
        insertLocked(id, entry)
        return entry
    }

    private func store(_ id: UInt64, _ entry: Entry) {
        lock.lock()
        defer { lock.unlock() }
        insertLocked(id, entry)
    }

    private func insertLocked(_ id: UInt64, _ entry: Entry) {
        if young.count >= capacity / 2 {
            old = young
            young = [:]
            young.reserveCapacity(capacity / 2)
        }
        young[id] = entry
    }
}
