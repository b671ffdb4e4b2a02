import Foundation
import NIOConcurrencyHelpers

/// The process tree of the browser that is showing the console, found from the loopback connection it
/// polls on, so that the live events can leave out the browser's own file and network activity (which
/// otherwise fills the view: every poll makes some).
///
/// The connection's client socket is looked up in `/proc/net/tcp` and `/proc/net/tcp6` (the ESTABLISHED
/// socket whose local port is the client's and remote port the console's), its owner by scanning
/// `/proc/<pid>/fd`, and the tree's root by walking up the parents while they run the same executable:
/// Chromium's and Firefox's network, GPU and renderer processes are children of the main browser
/// process and share its executable. Only a root found this way is excluded; a client on another machine,
/// a process the console may not inspect, or a tool that is not a browser (see `EventsView`) excludes
/// nothing. The socket is looked up on every request (two small files); its owner's tree is cached by
/// the socket's inode for a minute, so a reused port never inherits another connection's answer.
public final class BrowserProcessTree: Sendable {
    private let proc: String
    private let cache = NIOLockedValueBox<[UInt64: (root: UInt32?, at: ContinuousClock.Instant)]>([:])
    static let cacheLifetime = Duration.seconds(60)

    public init(procRoot: String = "/proc") {
        proc = procRoot
    }

    /// The root pid of the process tree on the other end of `peer`'s connection, or nil.
    public func root(of peer: ConsolePeer) -> UInt32? {
        guard peer.isLoopback, let inode = socketInode(clientPort: peer.port, serverPort: peer.serverPort) else { return nil }
        let now = ContinuousClock.now
        if let hit = cache.withLockedValue({ $0[inode] }), now - hit.at < Self.cacheLifetime { return hit.root }
        let root = owner(ofSocket: inode).map(treeRoot(of:))
        cache.withLockedValue { entries in
            if entries.count > 4096 { entries.removeAll() }
            entries[inode] = (root, now)
        }
        return root
    }

    /// The inode of the ESTABLISHED TCP socket whose local port is `clientPort` and remote port `serverPort`.
    func socketInode(clientPort: Int, serverPort: Int) -> UInt64? {
        for table in ["net/tcp", "net/tcp6"] {
            guard let text = Self.readProcFile("\(proc)/\(table)") else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: " ", omittingEmptySubsequences: true)
                guard f.count > 9, f[3] == "01", Self.port(f[1]) == clientPort, Self.port(f[2]) == serverPort,
                      let inode = UInt64(f[9]), inode != 0 else { continue }
                return inode
            }
        }
        return nil
    }

    /// `ADDRESS:PORT` in hex, as /proc/net/tcp writes it.
    static func port(_ field: Substring) -> Int? {
        guard let colon = field.lastIndex(of: ":") else { return nil }
        return Int(field[field.index(after: colon)...], radix: 16)
    }

    /// The process holding socket `inode` open (the first found).
    func owner(ofSocket inode: UInt64) -> UInt32? {
        let target = "socket:[\(inode)]"
        guard let pids = try? FileManager.default.contentsOfDirectory(atPath: proc) else { return nil }
        for name in pids {
            guard let pid = UInt32(name) else { continue }
            let fdDir = "\(proc)/\(name)/fd"
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: fdDir) else { continue }
            for fd in fds where (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDir)/\(fd)")) == target {
                return pid
            }
        }
        return nil
    }

    /// Walks up from `pid` while the parent runs the same executable.
    func treeRoot(of pid: UInt32) -> UInt32 {
        var current = pid
        guard var exe = executable(of: pid) else { return pid }
        for _ in 0..<64 {
            guard let parent = parent(of: current), parent > 1, let parentExe = executable(of: parent), parentExe == exe else { break }
            current = parent
            exe = parentExe
        }
        return current
    }

    /// A whole /proc file. procfs reports size 0 and hands out a page per read, so read until EOF
    /// (a single-read helper sees only the first ~30 sockets of a busy host's /proc/net/tcp).
    static func readProcFile(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    func executable(of pid: UInt32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "\(proc)/\(pid)/exe")
    }

    /// The ppid from `/proc/<pid>/stat` (the fourth field, after the parenthesised comm).
    func parent(of pid: UInt32) -> UInt32? {
        guard let stat = Self.readProcFile("\(proc)/\(pid)/stat"),
              let close = stat.lastIndex(of: ")") else { return nil }
        let rest = stat[stat.index(after: close)...].split(separator: " ")
        return rest.count > 1 ? UInt32(rest[1]) : nil
    }
}
