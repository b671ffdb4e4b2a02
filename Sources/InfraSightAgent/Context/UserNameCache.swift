import Foundation

/// Resolves uids to user names from the host's passwd file, with a cache.
///
/// The table is loaded on first use. A lookup of an unknown uid re-reads the file, but at most
/// once per `refreshInterval` (new users appear while the agent runs; a burst of events from a
/// uid that has no passwd entry, e.g. a container's, must not turn into a burst of file reads).
/// A re-read replaces the table, so renames and deletions are picked up too; if it fails, the
/// previous table is kept. Only local passwd entries are seen, not NSS/LDAP/sssd users.
///
/// In a container, point `passwdPath` at the host's file, e.g. `/proc/1/root/etc/passwd` with
/// the host PID namespace. Files larger than `maxFileBytes` are read only up to that size.
public final class UserNameCache: @unchecked Sendable {
    /// Path of the passwd file that is read.
    public let passwdPath: String
    /// Minimum time between two re-reads triggered by misses.
    public let refreshInterval: TimeInterval
    /// Upper bound on the bytes read from the file (64 MiB by default).
    public let maxFileBytes: Int

    private let lock = NSLock()
    private var namesByUID: [UInt32: String] = [:]
    private var lastLoadNanos: UInt64?
    private var loadCount = 0

    /// A cache over `passwdPath`; nothing is read until the first lookup.
    public init(passwdPath: String = "/etc/passwd", refreshInterval: TimeInterval = 30,
                maxFileBytes: Int = 64 << 20) {
        self.passwdPath = passwdPath
        self.refreshInterval = refreshInterval
        self.maxFileBytes = maxFileBytes
    }

    /// The user name of `uid`, or nil if the passwd file has no entry for it.
    public func name(for uid: UInt32) -> String? {
        lock.lock()
        defer { lock.unlock() }
        if let name = namesByUID[uid] { return name }
        let now = MonotonicTime.nanos()
        if let last = lastLoadNanos, now &- last < MonotonicTime.nanos(of: refreshInterval) { return nil }
        reloadLocked(now: now)
        return namesByUID[uid]
    }

    /// How many times the file has been read (for tests and diagnostics).
    public var reloads: Int {
        lock.lock()
        defer { lock.unlock() }
        return loadCount
    }

    private func reloadLocked(now: UInt64) {
        lastLoadNanos = now
        loadCount += 1
        guard var contents = BoundedFileReader.contents(of: passwdPath, maxBytes: maxFileBytes) else { return }
        if contents.count >= maxFileBytes {
            // Cut off at the limit: drop the partial last line, its uid field may be truncated.
            contents.removeSubrange((contents.lastIndex(of: UInt8(ascii: "\n")) ?? 0)...)
        }
        namesByUID = PasswdParser.parse(contents)
    }
}
