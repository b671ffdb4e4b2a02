import InfraSightCore

/// Sets `sensitive = true` when the file the event touched matches the sensitive-path patterns
/// (`SensitivePathMatcher`: the built-in list, or a patterns file from `--sensitive-paths`). Opens
/// with write access or creating/truncating/appending flags and all chmods count as modifications for
/// `write` patterns.
///
/// The path judged is the one the kernel resolved (`resolved_path` of `OpenDetail`, `ChmodDetail`,
/// `ExecDetail`): `cd /etc && cat shadow` passes `shadow` but touches `/etc/shadow`, and a symlink
/// `/tmp/x → /etc/shadow` passes `/tmp/x`. The path as passed is judged instead when the event has no
/// resolved path (an older agent), and as well when the kernel's walk was cut (`resolved_truncated`:
/// the resolved path then lacks its leading components).
///
/// A link event (`LinkDetail`) is sensitive when either of its paths is: the name created or removed
/// (a modification), or the old path (link's and rename's: a modification too; a symlink's target:
/// an access, judged by the read patterns).
public struct SensitivePathStep: EnrichmentStep {
    public let name = "sensitive"
    let matcher: SensitivePathMatcher

    public init(matcher: SensitivePathMatcher = .defaults) { self.matcher = matcher }

    public func apply(_ event: EventView, to enrichment: inout EnrichmentFields) {
        let hit: Bool
        switch event.detailKind {
        case .open?:
            let d = event.open
            hit = matches(resolved: d.resolvedPath, truncated: d.resolvedTruncated, passed: d.path,
                          write: OpenFlags.isWriteish(d.flags))
        case .chmod?:
            let d = event.chmod
            hit = matches(resolved: d.resolvedPath, truncated: d.resolvedTruncated, passed: d.path, write: true)
        case .exec?:
            let d = event.exec
            hit = matches(resolved: d.resolvedPath, truncated: d.resolvedTruncated, passed: d.filename, write: false)
        case .link?:
            let d = event.link
            hit = matches(resolved: d.resolvedPath, truncated: d.resolvedTruncated, passed: d.path, write: true)
                || (!d.oldPath.isEmpty && matches(resolved: d.oldResolvedPath, truncated: d.oldResolvedTruncated,
                                                  passed: d.oldPath, write: !Self.isSymlink(d.syscall)))
        default: return
        }
        if hit { enrichment.sensitive = true }
    }

    /// Whether a link event's syscall is symlink or symlinkat (its old path is a target, not modified).
    @inline(__always)
    static func isSymlink(_ syscall: UnsafeRawBufferPointer) -> Bool {
        syscall.count >= 7 && syscall[0] == UInt8(ascii: "s") && syscall[1] == UInt8(ascii: "y")
    }

    @inline(__always)
    func matches(resolved: UnsafeRawBufferPointer, truncated: Bool, passed: UnsafeRawBufferPointer, write: Bool) -> Bool {
        if resolved.isEmpty { return matcher.matches(utf8: passed, write: write) }
        if matcher.matches(utf8: resolved, write: write) { return true }
        return truncated && matcher.matches(utf8: passed, write: write)
    }
}
