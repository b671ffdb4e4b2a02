import Foundation

/// How a filter names a cgroup: its v2 id, its path (relative to the cgroup v2 root, or absolute
/// below the mount point), or the container whose cgroup it is (full id or a prefix of at least 12
/// hex digits). The agent turns each into cgroup ids (`FilterCgroupResolver`); an entry matches
/// processes in that cgroup and in every cgroup below it.
public enum CgroupSelector: Hashable, Sendable, CustomStringConvertible {
    case id(UInt64)
    case path(String)
    case container(String)

    /// `--allow-cgroup` / `--deny-cgroup` text: digits are an id, a leading `/` a path.
    public static func parseCgroup(_ text: String) throws -> CgroupSelector {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let id = UInt64(t), id > 0 { return .id(id) }
        guard t.hasPrefix("/"), !t.utf8.contains(0), t.utf8.count <= 4096 else {
            throw EventFilterError("cgroup \"\(text)\": expected a cgroup v2 id (digits) or a cgroup path starting with /")
        }
        var path = t
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        guard !path.split(separator: "/").contains(where: { $0 == ".." }) else {
            throw EventFilterError("cgroup \"\(text)\": .. is not allowed in a cgroup path")
        }
        return .path(path)
    }

    /// `--allow-container` / `--deny-container` text: 12 to 64 hex digits, optionally with the
    /// runtime's scheme as Kubernetes shows it (`containerd://<id>`, `docker://<id>`, `cri-o://<id>`).
    public static func parseContainer(_ text: String) throws -> CgroupSelector {
        var t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let scheme = t.range(of: "://") { t = String(t[scheme.upperBound...]) }
        guard (12...64).contains(t.count), t.allSatisfy({ $0.isHexDigit }) else {
            throw EventFilterError("container \"\(text)\": expected a container id of 12 to 64 hex digits (or <runtime>://<id>)")
        }
        return .container(t)
    }

    public var description: String {
        switch self {
        case .id(let id): return "cgroup id \(id)"
        case .path(let path): return "cgroup \(path)"
        case .container(let id): return "container \(id.prefix(12))"
        }
    }
}
