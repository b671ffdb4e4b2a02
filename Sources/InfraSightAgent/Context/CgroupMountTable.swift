#if canImport(Glibc)
import Glibc
#endif

/// Finds the cgroup v2 (unified) hierarchy's mount point in `/proc/self/mountinfo`.
///
/// On a pure v2 host that is `/sys/fs/cgroup`; on hybrid hosts (v1 controllers plus a v2 tree
/// for systemd) it is usually `/sys/fs/cgroup/unified`. The cgroup ids the kernel reports are
/// resolved relative to the hierarchy's root, so only a mount that shows that root is taken:
/// - its root (mountinfo field 4) is `/`, or a chain of `/..` steps such as `/../..`. The field is
///   relative to the reader's cgroup namespace: an agent in a container with a private cgroup
///   namespace (Docker, containerd and cri-o give one on cgroup v2) that is handed the host's cgroup
///   tree sees its root as `/../..`, two steps above its own namespace's root;
/// - and its directory is the hierarchy's root cgroup (kernfs numbers it inode 1). A namespace's own
///   cgroup2 mount also says `/` but shows only the namespace's subtree, and any other root is a
///   bind-mounted subtree; cgroup ids would resolve to wrong paths through either.
public enum CgroupMountTable {
    /// The mount point of the cgroup2 root in the mountinfo text `mountinfo`, preferring
    /// `/sys/fs/cgroup`, then `/sys/fs/cgroup/unified`, then the first other one. `isHierarchyRoot`
    /// tells whether a mount point's directory is the hierarchy's root cgroup.
    public static func cgroup2MountPoint(mountinfo: String,
                                         isHierarchyRoot: (String) -> Bool = isRootCgroup) -> String? {
        var candidates: [String] = []
        for line in mountinfo.split(separator: "\n") {
            // id parent major:minor root mountpoint options [optional…] - fstype source superoptions
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 7, let dash = fields.firstIndex(of: "-"), dash >= 6,
                  dash + 1 < fields.count, fields[dash + 1] == "cgroup2", showsAncestorOfNamespaceRoot(fields[3]) else { continue }
            let mountPoint = unescape(fields[4])
            if isHierarchyRoot(mountPoint) { candidates.append(mountPoint) }
        }
        for preferred in ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"] where candidates.contains(preferred) {
            return preferred
        }
        return candidates.first
    }

    /// Whether the mountinfo text `mountinfo` has a cgroup v1 hierarchy (fstype `cgroup`: a controller
    /// such as `memory`, or a named one such as `name=systemd`): then containers may be visible only in
    /// `/proc/<pid>/cgroup`'s v1 lines.
    public static func hasCgroup1Hierarchy(mountinfo: String) -> Bool {
        for line in mountinfo.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 1 < fields.count, fields[dash + 1] == "cgroup" { return true }
        }
        return false
    }

    /// Whether a mountinfo root field is `/` or only `/..` steps: the mount shows the reader's cgroup
    /// namespace root or one of its ancestors, not some other subtree.
    static func showsAncestorOfNamespaceRoot(_ root: Substring) -> Bool {
        if root == "/" { return true }
        var rest = root[...]
        while rest.hasPrefix("/..") {
            rest = rest.dropFirst(3)
            if rest.isEmpty { return true }
        }
        return false
    }

    /// Whether `directory` is a cgroup2 hierarchy's root cgroup: kernfs gives the root inode 1 (the
    /// root cgroup's id) and every other cgroup a larger one. Only asked of cgroup2 mounts: other file
    /// systems number their roots 1 too.
    public static func isRootCgroup(_ directory: String) -> Bool {
        var st = stat()
        return stat(directory, &st) == 0 && st.st_ino == 1
    }

    /// The cgroup2 mount point of the calling process's mount namespace, if any.
    public static func currentCgroup2MountPoint() -> String? {
        guard let bytes = BoundedFileReader.contents(of: "/proc/self/mountinfo", maxBytes: 4 << 20) else { return nil }
        return cgroup2MountPoint(mountinfo: String(decoding: bytes, as: UTF8.self))
    }

    /// Undoes mountinfo's octal escapes (`\040` = space, `\011`, `\012`, `\134`).
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var out: [UInt8] = []
        let bytes = Array(field.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), i + 4 <= bytes.count, let value = octal(bytes[(i + 1)..<(i + 4)]) {
                out.append(value)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        guard digits.count == 3 else { return nil }
        var value = 0
        for d in digits {
            guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(d - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }
}
