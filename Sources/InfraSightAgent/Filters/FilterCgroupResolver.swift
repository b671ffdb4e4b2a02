import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Turns the cgroup selectors of an `EventFilter` into cgroup v2 ids (the inode of the cgroup's
/// directory, what `bpf_get_current_cgroup_id()` returns): ids as given, paths by `stat`, container
/// ids by walking the v2 hierarchy and recognising each directory's container
/// (`CgroupContainerParser`; a container's sub-cgroups resolve to it too).
///
/// A selector that names nothing yet (a container not started, a cgroup not created) is unresolved:
/// the agent resolves again every few seconds and writes what appeared. A container restarted under
/// the same id gets a new cgroup, found by the next resolution.
public struct FilterCgroupResolver: Sendable {
    /// The cgroup v2 mount point, or nil when there is none (only numeric ids resolve then).
    public let root: String?

    /// The outcome of one resolution.
    public struct Resolution: Equatable, Sendable {
        /// Ids found per selector (empty set: unresolved).
        public var ids: [CgroupSelector: Set<UInt64>] = [:]
        /// Selectors that named no cgroup.
        public var unresolved: [CgroupSelector] {
            ids.filter { $0.value.isEmpty }.map(\.key).sorted { $0.description < $1.description }
        }
    }

    public init(root: String? = CgroupMountTable.currentCgroup2MountPoint()) {
        var r = root
        while let x = r, x.count > 1, x.hasSuffix("/") { r = String(x.dropLast()) }
        self.root = r
    }

    /// The ids of every selector in `selectors`.
    public func resolve(_ selectors: Set<CgroupSelector>) -> Resolution {
        var result = Resolution()
        var tree: [UInt64: String]?
        for selector in selectors {
            switch selector {
            case .id(let id):
                result.ids[selector] = [id]
            case .path(let path):
                result.ids[selector] = inode(of: path).map { [$0] } ?? []
            case .container(let id):
                guard let root else { result.ids[selector] = []; continue }
                if tree == nil { tree = CgroupPathResolver.walk(root: root, maxDepth: 64, maxDirectories: 200_000) }
                var found = Set<UInt64>()
                for (inode, path) in tree ?? [:] {
                    if let identity = CgroupContainerParser.parse(path), identity.id.hasPrefix(id) { found.insert(inode) }
                }
                result.ids[selector] = found
            }
        }
        return result
    }

    /// The cgroup id of `path`: relative to the v2 root, or absolute below the mount point.
    func inode(of path: String) -> UInt64? {
        guard let root else { return nil }
        let full = (path == root || path.hasPrefix(root + "/")) ? path : (path == "/" ? root : root + path)
        var st = stat()
        guard stat(full, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return nil }
        return UInt64(st.st_ino)
    }
}
