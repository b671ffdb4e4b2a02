import InfraSightCore

/// How detect makes a passed path absolute when the event carries no kernel-resolved path (an older
/// agent, or a probe without one): joined onto the process's cwd and normalised by `LexicalPath`, the
/// same rules the agent applies to the kernel's directory walk. No file system access, no symlinks.
///
/// Why here: `cd /etc && cat shadow` names `shadow`; every rule that judges a file judges the path
/// made from it.
public enum PathResolution {
    /// openat's and execveat's "relative to the working directory" dirfd.
    public static let atFDCWD: Int32 = -100

    /// `path` joined onto `cwd` (ignored for an absolute path) and normalised. A relative path with an
    /// unknown (empty) cwd is left as passed: there is nothing to join it to.
    public static func lexical(_ path: UnsafeRawBufferPointer, cwd: UnsafeRawBufferPointer) -> [UInt8] {
        if path.first != UInt8(ascii: "/") && cwd.isEmpty { return Array(path) }
        return Array(LexicalPath.join(directory: cwd, passed: path).utf8)
    }

    /// Whether `path` is absolute and already normal (read in place, nothing to build).
    public static func isNormalAbsolute(_ path: UnsafeRawBufferPointer) -> Bool {
        LexicalPath.isNormal(path, absolute: true)
    }
}
