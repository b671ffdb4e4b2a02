/// Lexical path resolution: a path joined with the directory it is relative to, with `.`, `..` and
/// repeated slashes removed. No file system access and no symlinks followed.
///
/// Why here: the agent records the path as the process passed it, so `cd /etc && cat shadow` arrives
/// as `shadow`. Every rule that judges a file judges this resolved path instead.
public enum PathResolution {
    /// openat's and execveat's "relative to the working directory" dirfd.
    public static let atFDCWD: Int32 = -100

    /// `path` when absolute, else `cwd + "/" + path`, normalised. An empty cwd leaves a relative path
    /// relative (normalised).
    public static func lexical(_ path: UnsafeRawBufferPointer, cwd: UnsafeRawBufferPointer) -> [UInt8] {
        let slash = UInt8(ascii: "/")
        var joined: [UInt8] = []
        joined.reserveCapacity(cwd.count + path.count + 1)
        if path.first != slash && !cwd.isEmpty {
            joined.append(contentsOf: cwd)
            joined.append(slash)
        }
        joined.append(contentsOf: path)
        return normalised(joined)
    }

    /// Whether `path` starts with `/` and has no empty, `.` or `..` component (nothing to normalise).
    public static func isNormalAbsolute(_ path: UnsafeRawBufferPointer) -> Bool {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        guard path.first == slash else { return false }
        var componentStart = 1
        var i = 1
        while i <= path.count {
            if i == path.count || path[i] == slash {
                let length = i - componentStart
                if length == 0 && i != path.count { return false }   // "//"
                if length == 1 && path[componentStart] == dot { return false }
                if length == 2 && path[componentStart] == dot && path[componentStart + 1] == dot { return false }
                componentStart = i + 1
            }
            i += 1
        }
        return path.count == 1 || path[path.count - 1] != slash
    }

    /// `path` with `.` components and empty components dropped and `..` applied (never above `/`).
    public static func normalised(_ path: [UInt8]) -> [UInt8] {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        let absolute = path.first == slash
        var parts: [ArraySlice<UInt8>] = []
        for part in path.split(separator: slash, omittingEmptySubsequences: true) {
            if part.count == 1 && part.first == dot { continue }
            if part.count == 2 && part.first == dot && part.last == dot {
                if let last = parts.last, !(last.count == 2 && last.first == dot && last.last == dot) {
                    parts.removeLast()
                } else if !absolute {
                    parts.append(part)
                }
                continue
            }
            parts.append(part)
        }
        var out: [UInt8] = absolute ? [slash] : []
        for (i, part) in parts.enumerated() {
            if i > 0 { out.append(slash) }
            out.append(contentsOf: part)
        }
        if out.isEmpty { out = [dot] }
        return out
    }
}
