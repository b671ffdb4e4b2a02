import Foundation
import InfraSightCore

/// Finds a process's container from `/proc/<pid>/cgroup`, for hosts where the cgroup v2 id the BPF
/// programs record cannot name it: cgroup v1 hosts (no v2 hierarchy at all: every task reports the
/// v2 root) and hybrid hosts whose runtime places containers in v1 hierarchies only (docker or
/// podman with the cgroupfs driver on v1: `4:memory:/docker/<id>`, `8:pids:/libpod_parent/libpod-<id>`).
///
/// Every line of the file is given to `CgroupContainerParser`; the v2 line (`0::…`) is tried first,
/// then the v1 lines in file order, and the first container found wins. Answers (including "not in a
/// container") are cached per pid together with the comm of the event that caused the read, bounded
/// by `capacity` (two generations, like `ContainerResolver`). A process changes cgroup when the runtime
/// moves it there, which it does before the container's first exec, so an answer is re-read when an
/// event of that pid comes with another comm (an exec happened: the probes' ring buffers are separate,
/// so an event after the exec can be handled before the exec event itself), and forgotten on each
/// successful exec and on exit (`forget(pid:)`).
///
/// Limit: the file is read when the agent handles the event (milliseconds later). When the process
/// has already exited by then, its parent's file is read instead (a child inherits its parent's
/// cgroups at fork; the parent of a short-lived process in a container is almost always in the
/// same container); when that is gone too, the answer is nil and not cached.
public final class ProcCgroupContainerLookup: @unchecked Sendable {
    /// Where the host's /proc is mounted.
    public let procRoot: String
    /// Approximate number of cached pids.
    public let capacity: Int

    private let lock = NSLock()
    private struct Entry {
        let comm: String
        let identity: ContainerIdentity?
    }

    private var entries: TwoGenerationCache<UInt32, Entry>
    private var reads = 0

    /// A lookup reading `<procRoot>/<pid>/cgroup`, caching about `capacity` pids.
    public init(procRoot: String = "/proc", capacity: Int = 16384) {
        self.procRoot = procRoot
        self.capacity = max(2, capacity)
        entries = TwoGenerationCache(capacity: capacity)
    }

    /// The container of process `pid`, whose event has comm `comm` (falling back to `ppid` when `pid`
    /// is gone), or nil.
    public func container(pid: UInt32, ppid: UInt32 = 0, comm: String = "") -> ContainerIdentity? {
        if let entry = cached(pid), entry.comm == comm { return entry.identity }
        if let lines = read(pid) {
            let identity = Self.container(inProcCgroup: lines)
            store(pid, Entry(comm: comm, identity: identity))
            return identity
        }
        guard ppid > 1, let lines = read(ppid) else { return nil }
        return Self.container(inProcCgroup: lines)
    }

    /// Drops `pid`'s cached answer (after it exec'd or exited).
    public func forget(pid: UInt32) {
        lock.lock()
        defer { lock.unlock() }
        entries.remove(pid)
    }

    /// How many files were read (for tests and diagnostics).
    public var fileReads: Int {
        lock.lock()
        defer { lock.unlock() }
        return reads
    }

    /// The container named by the text of a `/proc/<pid>/cgroup` file: the v2 line first, then v1.
    public static func container(inProcCgroup text: String) -> ContainerIdentity? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        for line in lines where line.hasPrefix("0::") {
            if let found = CgroupContainerParser.parse(String(line)) { return found }
        }
        for line in lines where !line.hasPrefix("0::") {
            if let found = CgroupContainerParser.parse(String(line)) { return found }
        }
        return nil
    }

    private func read(_ pid: UInt32) -> String? {
        lock.lock(); reads += 1; lock.unlock()
        guard let bytes = BoundedFileReader.contents(of: "\(procRoot)/\(pid)/cgroup", maxBytes: 64 << 10),
              !bytes.isEmpty else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func cached(_ pid: UInt32) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        return entries.value(for: pid)
    }

    private func store(_ pid: UInt32, _ entry: Entry) {
        lock.lock()
        defer { lock.unlock() }
        entries.set(entry, for: pid)
    }
}
