import Foundation
import InfraSightCore
#if canImport(Glibc)
import Glibc
#endif

/// Process context for every event: a stable `exec_id` per process execution, exe path, cwd and the
/// parent chain (as detailed as `ancestryDetail` says). Kept current by exec and exit events;
/// processes that started before the agent (or whose exec was missed) are read from /proc on first
/// sight.
///
/// `exec_id` is an `EventIdentity` id (probe code 0) of the pid and the execution's start time
/// (CLOCK_BOOTTIME ns): the exec event's timestamp when the agent saw the exec, otherwise the
/// process start time from /proc/<pid>/stat. It is the same for every event of that execution.
///
/// The agent asks for a context on every event, so `encodedContext(pid:ppid:)` keeps each pid's
/// context already serialized (a `ProcessContext` message body). Invariant: a cached body is only
/// served while `generation` is unchanged, and every change that can alter any context (an exec,
/// an exit, an eviction) bumps it; between such changes the table, and so every context, is fixed.
/// Thread-safe; bounded to about `capacity` entries (least recently used evicted, in one O(n) pass
/// per `capacity / 8` insertions, never a sort).
public final class ProcessCache: @unchecked Sendable {
    /// What the cache knows about one process execution.
    struct Entry {
        var pid: UInt32
        var ppid: UInt32
        var comm: String
        var exe: String
        var cwd: String
        var execID: String
        var startBootNs: UInt64
        var touched: UInt64
    }

    public let procRoot: String
    public let maxAncestors: Int
    public let ancestryDetail: AncestryDetail
    public let capacity: Int
    let identity: EventIdentity
    private let lock = NSLock()
    private var entries: [UInt32: Entry] = [:]
    private var clock: UInt64 = 0
    /// Bumped by every change that can alter a context (see the type's invariant).
    private var generation: UInt64 = 0
    /// Serialized contexts, all of `encodedGeneration` (emptied when the generation moves on, so stale
    /// bodies never pile up), at most `encodedCapacity`.
    private var encoded: [UInt32: (ppid: UInt32, body: [UInt8])] = [:]
    private var encodedGeneration: UInt64 = 0
    private static let encodedCapacity = 4096
    private static let ticksPerSecond = UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1))

    public init(identity: EventIdentity, procRoot: String = "/proc", maxAncestors: Int = 8,
                ancestryDetail: AncestryDetail = .parent, capacity: Int = 65_536) {
        self.identity = identity
        self.procRoot = procRoot
        self.maxAncestors = maxAncestors
        self.ancestryDetail = ancestryDetail
        self.capacity = capacity
    }

    /// A successful exec replaced the image of `pid`: a new execution with a new exec_id.
    /// `resolvedExe`: the binary's path as the kernel resolved it at the exec (empty when unknown), used
    /// when /proc no longer has the process (a short-lived one), before the filename as passed.
    public func recordExec(pid: UInt32, ppid: UInt32, bootNs: UInt64, comm: String, filename: String,
                           resolvedExe: String = "") {
        let exe = readLink("\(procRoot)/\(pid)/exe") ?? (resolvedExe.isEmpty ? filename : resolvedExe)
        let cwd = readLink("\(procRoot)/\(pid)/cwd") ?? ""
        let entry = Entry(pid: pid, ppid: ppid, comm: comm, exe: exe, cwd: cwd,
                          execID: execID(pid: pid, startBootNs: bootNs), startBootNs: bootNs, touched: 0)
        lock.lock(); defer { lock.unlock() }
        store(entry)
        generation &+= 1
    }

    /// The process exited: forget it (its later events, if any, re-read /proc or get an empty context).
    public func recordExit(pid: UInt32) {
        lock.lock(); defer { lock.unlock() }
        entries[pid] = nil
        generation &+= 1
    }

    /// The serialized `ProcessContext` of `pid` (see `context(pid:ppid:)`), from the cache while no
    /// exec, exit or eviction happened since it was built.
    public func encodedContext(pid: UInt32, ppid: UInt32) -> [UInt8] {
        lock.lock(); defer { lock.unlock() }
        if encodedGeneration == generation, let hit = encoded[pid], hit.ppid == ppid { return hit.body }
        let body: [UInt8] = (try? contextLocked(pid: pid, ppid: ppid).serializedBytes()) ?? []
        // `contextLocked` may have read /proc and evicted; the body is valid for the generation now.
        if encodedGeneration != generation || encoded.count >= Self.encodedCapacity {
            encoded.removeAll(keepingCapacity: encoded.count < Self.encodedCapacity)
            encodedGeneration = generation
        }
        encoded[pid] = (ppid, body)
        return body
    }

    /// The context of `pid`, with ancestors nearest first. When `pid` is gone and unknown (a process
    /// that exited before its event was read), the ancestry still starts at `ppid`, the parent the
    /// kernel reported with the event.
    public func context(pid: UInt32, ppid: UInt32 = 0) -> ProcessContext {
        lock.lock(); defer { lock.unlock() }
        return contextLocked(pid: pid, ppid: ppid)
    }

    private func contextLocked(pid: UInt32, ppid: UInt32) -> ProcessContext {
        var context = ProcessContext()
        var next = ppid
        if let entry = lookup(pid) {
            context.execID = entry.execID
            context.exe = entry.exe
            context.cwd = entry.cwd
            context.startBootNs = entry.startBootNs
            next = entry.ppid
        }
        var seen: Set<UInt32> = [pid]
        while context.ancestors.count < maxAncestors, next != 0, !seen.contains(next), let parent = lookup(next) {
            if context.parentExecID.isEmpty { context.parentExecID = parent.execID }
            var a = Ancestor()
            a.pid = parent.pid
            a.comm = parent.comm
            if ancestryDetail.identifies(depth: context.ancestors.count) {
                a.exe = parent.exe
                a.execID = parent.execID
            }
            context.ancestors.append(a)
            seen.insert(next)
            next = parent.ppid
        }
        return context
    }

    public var count: Int { lock.lock(); defer { lock.unlock() }; return entries.count }

    // MARK: - internals (lock held)

    private func lookup(_ pid: UInt32) -> Entry? {
        if var e = entries[pid] {
            clock &+= 1
            e.touched = clock
            entries[pid] = e
            return e
        }
        guard let e = readFromProc(pid) else { return nil }
        store(e)
        return e
    }

    private func store(_ entry: Entry) {
        var e = entry
        clock &+= 1
        e.touched = clock
        entries[e.pid] = e
        if entries.count > capacity {
            // Evict roughly the least recently used eighth in one pass: every entry not touched in the
            // last 7/8 · capacity uses (the clock ticks once per use).
            let keepFrom = clock &- UInt64(capacity - max(capacity / 8, 1))
            entries = entries.filter { $0.value.touched >= keepFrom }
            generation &+= 1
        }
    }

    private func readFromProc(_ pid: UInt32) -> Entry? {
        guard let stat = BoundedFileReader.contents(of: "\(procRoot)/\(pid)/stat", maxBytes: 4096),
              let parsed = ProcStat.parse(stat) else { return nil }
        let startNs = parsed.startTicks * (1_000_000_000 / Self.ticksPerSecond)
        return Entry(pid: pid, ppid: parsed.ppid, comm: parsed.comm,
                     exe: readLink("\(procRoot)/\(pid)/exe") ?? "", cwd: readLink("\(procRoot)/\(pid)/cwd") ?? "",
                     execID: execID(pid: pid, startBootNs: startNs), startBootNs: startNs, touched: 0)
    }

    func execID(pid: UInt32, startBootNs: UInt64) -> String {
        identity.eventID(code: EventIdentity.executionCode, bootTimeNs: startBootNs, tid: pid)
    }

    private func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The fields InfraSight needs from /proc/<pid>/stat: comm (which may contain spaces and parentheses),
/// ppid (field 4) and starttime (field 22, clock ticks since boot).
enum ProcStat {
    struct Fields: Equatable {
        var comm: String
        var ppid: UInt32
        var startTicks: UInt64
    }

    static func parse(_ bytes: [UInt8]) -> Fields? {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
              let close = bytes.lastIndex(of: UInt8(ascii: ")")), close > open else { return nil }
        let comm = String(decoding: bytes[(open + 1)..<close].prefix(64), as: UTF8.self)
        let rest = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // rest[0] = state (field 3), rest[1] = ppid (field 4), rest[19] = starttime (field 22)
        guard rest.count > 19,
              let ppid = UInt32(String(decoding: rest[1], as: UTF8.self)),
              let start = UInt64(String(decoding: rest[19], as: UTF8.self)) else { return nil }
        return Fields(comm: comm, ppid: ppid, startTicks: start)
    }
}
