import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Maps cgroup v2 ids (what `bpf_get_current_cgroup_id()` returns) to cgroup paths.
///
/// A cgroup v2 id is the inode number of the cgroup's directory in the v2 hierarchy, so the
/// resolver walks the hierarchy below `rootPath` once and remembers inode → path. On a lookup
/// miss (a cgroup created since the last walk) it walks again, but at most once per
/// `minimumRescanInterval`, so a stream of events from an unknown id costs one walk per second
/// at most. Cgroups that disappeared are kept for one more walk, so events that a container
/// emitted just before it was removed still resolve. Walks are bounded by `maxDepth` and
/// `maxDirectories`; symlinks are not followed.
///
/// Paths are relative to the v2 root and start with `/`, in the form `/proc/<pid>/cgroup`
/// shows them (`/` for the root cgroup, `/system.slice/docker-<id>.scope`, …). The agent must
/// run in the host's cgroup namespace for the mount (and so the paths) to be the host's.
public final class CgroupPathResolver: @unchecked Sendable {
    /// The cgroup2 mount point walked, or nil if there is none (every lookup then returns nil).
    public let rootPath: String?
    /// Minimum time between two miss-triggered walks.
    public let minimumRescanInterval: TimeInterval
    /// Directories deeper than this below the root are not visited.
    public let maxDepth: Int
    /// A walk stops after this many directories.
    public let maxDirectories: Int

    private let lock = NSLock()
    private var current: [UInt64: String] = [:]
    private var retired: [UInt64: String] = [:]
    private var lastScanNanos: UInt64?
    private var scans = 0

    /// A resolver for the cgroup2 hierarchy mounted at `root`, or, when nil, at the mount point
    /// found in `/proc/self/mountinfo`. Nothing is walked until the first lookup.
    public init(root: String? = nil, minimumRescanInterval: TimeInterval = 1,
                maxDepth: Int = 64, maxDirectories: Int = 200_000) {
        var resolvedRoot = root ?? CgroupMountTable.currentCgroup2MountPoint()
        while let r = resolvedRoot, r.count > 1, r.hasSuffix("/") { resolvedRoot = String(r.dropLast()) }
        self.rootPath = resolvedRoot
        self.minimumRescanInterval = minimumRescanInterval
        self.maxDepth = maxDepth
        self.maxDirectories = maxDirectories
    }

    /// The path of cgroup `id` relative to the v2 root, or nil if no such cgroup was found.
    public func path(forCgroupId id: UInt64) -> String? {
        lock.lock()
        defer { lock.unlock() }
        if let path = current[id] ?? retired[id] { return path }
        let now = MonotonicTime.nanos()
        if let last = lastScanNanos, now &- last < MonotonicTime.nanos(of: minimumRescanInterval) { return nil }
        rescanLocked(now: now)
        return current[id] ?? retired[id]
    }

    /// Walks the hierarchy now, regardless of the rate limit.
    public func rescan() {
        lock.lock()
        defer { lock.unlock() }
        rescanLocked(now: MonotonicTime.nanos())
    }

    /// How many walks have been made (for tests and diagnostics).
    public var scanCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return scans
    }

    private func rescanLocked(now: UInt64) {
        lastScanNanos = now
        scans += 1
        guard let rootPath else { return }
        let fresh = Self.walk(root: rootPath, maxDepth: maxDepth, maxDirectories: maxDirectories)
        var gone = current
        for key in fresh.keys { gone.removeValue(forKey: key) }
        retired = gone
        current = fresh
    }

    /// inode → relative path of every directory below `root` (root included, as `/`).
    static func walk(root: String, maxDepth: Int, maxDirectories: Int) -> [UInt64: String] {
        var result: [UInt64: String] = [:]
        guard let rootInode = directoryInode(root) else { return result }
        result[rootInode] = "/"
        // Depth-first with an explicit stack: (relative path, depth).
        var stack: [(String, Int)] = [("", 0)]
        while let (relative, depth) = stack.popLast() {
            guard depth < maxDepth, let dir = opendir(root + relative) else { continue }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let type = entry.pointee.d_type
                guard type == UInt8(DT_DIR) || type == UInt8(DT_UNKNOWN) else { continue }
                let name = withUnsafePointer(to: &entry.pointee.d_name) {
                    String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
                }
                if name == "." || name == ".." { continue }
                let childRelative = relative + "/" + name
                guard let inode = directoryInode(root + childRelative) else { continue }
                result[inode] = childRelative
                if result.count >= maxDirectories { return result }
                stack.append((childRelative, depth + 1))
            }
        }
        return result
    }

    /// The inode of `path` if it is a directory (not following symlinks).
    private static func directoryInode(_ path: String) -> UInt64? {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return nil }
        return UInt64(st.st_ino)
    }
}
