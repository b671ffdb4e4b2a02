/// Finds the cgroup v2 (unified) hierarchy's mount point in `/proc/self/mountinfo`.
///
/// On a pure v2 host that is `/sys/fs/cgroup`; on hybrid hosts (v1 controllers plus a v2 tree
/// for systemd) it is usually `/sys/fs/cgroup/unified`. Only mounts of the hierarchy's root
/// (mountinfo field 4 = `/`) are taken, because the cgroup ids the kernel reports are
/// resolved relative to that root; a namespaced or bind-mounted subtree would give wrong paths.
public enum CgroupMountTable {
    /// The mount point of the cgroup2 root in the mountinfo text `mountinfo`, preferring
    /// `/sys/fs/cgroup`, then `/sys/fs/cgroup/unified`, then the first other one.
    public static func cgroup2MountPoint(mountinfo: String) -> String? {
        var candidates: [String] = []
        for line in mountinfo.split(separator: "\n") {
            // id parent major:minor root mountpoint options [optional…] - fstype source superoptions
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 7, let dash = fields.firstIndex(of: "-"), dash >= 6,
                  dash + 1 < fields.count, fields[dash + 1] == "cgroup2", fields[3] == "/" else { continue }
            candidates.append(unescape(fields[4]))
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
