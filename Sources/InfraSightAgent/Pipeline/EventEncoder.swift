import Foundation
import InfraSightCore

/// Turns a kernel record straight into the bytes of an `infrasight.v1.Event`, enriched at the source:
/// node name, wall-clock time (`BootClock`), user name, a stable event id (`EventIdentity`), the
/// process context (`ProcessCache`, kept current by exec and exit records), the container (id,
/// runtime and pod uid from the cgroup via `ContainerResolver`; name, image, labels and pod from the
/// runtime socket via `ContainerMetadataCache` once it answered), plus the probe's detail.
///
/// Why bytes and not a generated `Event`: building the message setter by setter copied its storage on
/// write, and serializing it again cost more than everything else the agent does per event. Fields
/// are written in field-number order into one reused buffer (`ProtobufWriter`), so the output is what
/// SwiftProtobuf would serialize for the same message (map entries sorted by key).
///
/// Not thread-safe: one encoder per event thread. It remembers the last process's answers (user,
/// container) so a busy process costs a comparison; exec and exit records reset that memory, as they
/// can change a process's container view.
public final class EventEncoder {
    let host: String
    let identity: EventIdentity
    let users: UserNameCache
    let containers: ContainerResolver?
    let clock: BootClock
    let processes: ProcessCache?
    let metadata: ContainerMetadataCache?
    private let writer = ProtobufWriter(reservingCapacity: 2048)
    private var hostBytes: [UInt8]
    private var key: [UInt8] = []
    /// The pid `key` was built for (a busy process sends many events in a row).
    private var keyPid: UInt32?

    /// The clock offset in use, re-read from `clock` every `offsetReadEvery` events (a lock and a
    /// clock read per event otherwise); `BootClock` itself re-measures it every few seconds.
    private var clockOffset: Int64 = 0
    private var eventsUntilOffsetRead = 0
    private static let offsetReadEvery = 1024
    /// The last uid resolved, and its name's bytes.
    private var lastUID: UInt32?
    private var lastUser: [UInt8] = []
    /// The last process's container answer, when it was final (no metadata still being fetched).
    private var lastContainer: (pid: UInt32, cgroupId: UInt64, comm: String, fields: ContainerFields)?

    /// The container fields of an event, pre-encoded.
    private struct ContainerFields {
        var id: [UInt8] = []
        var runtime: [UInt8] = []
        /// The body of `ContainerContext` (field 31), empty when there is nothing to say.
        var context: [UInt8] = []
    }

    public init(host: String, identity: EventIdentity, users: UserNameCache, containers: ContainerResolver?,
                clock: BootClock, processes: ProcessCache? = nil, metadata: ContainerMetadataCache? = nil) {
        self.host = host
        self.identity = identity
        self.users = users
        self.containers = containers
        self.clock = clock
        self.processes = processes
        self.metadata = metadata
        hostBytes = Array(host.utf8)
    }

    /// Encodes `record`; `body` gets the event bytes and the partitioning key (`<host>/<pid>`), both
    /// valid only during the call.
    @inline(__always)
    public func encode<R>(_ record: KernelRecord,
                          _ body: (_ value: UnsafeRawBufferPointer, _ key: UnsafeRawBufferPointer) -> R) -> R {
        let common = record.common
        fill(record, common: common)
        makeKey(pid: common.pid)
        return writer.withUnsafeBytes { value in key.withUnsafeBytes { body(value, $0) } }
    }

    /// The event bytes of `record` as an array (tests, tools).
    public func encode(_ record: KernelRecord) -> [UInt8] {
        encode(record) { value, _ in Array(value) }
    }

    // MARK: - fields

    private func fill(_ record: KernelRecord, common k: KernelCommon) {
        let probe = record.probe
        var execSucceeded = false
        if case .exec(let e) = record, e.ret == 0 { execSucceeded = true }
        let isExit: Bool
        if case .exit = record { isExit = true } else { isExit = false }
        if execSucceeded || isExit { lastContainer = nil }
        // A process's cgroup answer from /proc (v1 hosts) is stale after it exec'd (runtimes move the
        // container's first process before its exec).
        if execSucceeded { containers?.forgetProcess(pid: k.pid) }
        let container = containerFields(k)
        if isExit { containers?.forgetProcess(pid: k.pid) }

        writer.reset()
        identity.withEventID(code: EventIdentity.code(for: probe), bootTimeNs: k.bootTimeNs, tid: k.tid) {
            writer.bytes(1, $0)
        }
        writer.uint(2, UInt64(EventCodec.schemaVersion))
        writer.string(3, probe.rawValue)
        hostBytes.withUnsafeBytes { writer.bytes(4, $0) }
        if eventsUntilOffsetRead == 0 {
            clockOffset = clock.realtimeMinusBootNanos
            eventsUntilOffsetRead = Self.offsetReadEvery
        }
        eventsUntilOffsetRead -= 1
        writer.uint(5, BootClock.wallClockNanos(fromBootNanos: k.bootTimeNs, offset: clockOffset))
        writer.uint(6, k.bootTimeNs)
        writer.uint(7, UInt64(k.pid))
        writer.uint(8, UInt64(k.tid))
        writer.uint(9, UInt64(k.ppid))
        writer.uint(10, UInt64(k.uid))
        writer.uint(11, UInt64(k.gid))
        userBytes(k.uid).withUnsafeBytes { writer.bytes(12, $0) }
        writer.string(13, k.comm)
        writer.uint(14, k.cgroupId)
        writer.bytes(15, container.id)
        writer.bytes(16, container.runtime)
        writer.int64(17, k.ret)
        writer.uint(18, k.latencyNs)
        detail(record)
        if let processes {
            // A successful exec starts a new execution (new exec_id) before its own event is built; an
            // exit is built with the context it ends, then forgotten.
            if case .exec(let e) = record, execSucceeded {
                processes.recordExec(pid: e.pid, ppid: e.ppid, bootNs: e.bootTimeNs, comm: e.comm, filename: e.filename,
                                     resolvedExe: e.resolved.lexical ? "" : e.resolved.path)
            }
            let context = processes.encodedContext(pid: k.pid, ppid: k.ppid)
            context.withUnsafeBytes { bytes in writer.message(30) { $0.raw(bytes) } }
            if isExit { processes.recordExit(pid: k.pid) }
        }
        container.context.withUnsafeBytes { bytes in writer.message(31) { $0.raw(bytes) } }
    }

    private func detail(_ record: KernelRecord) {
        switch record {
        case .exec(let k):
            writer.message(20, keepEmpty: true) { w in
                w.string(1, k.filename)
                for arg in k.argv { w.repeatedString(2, arg) }
                w.bool(3, k.argvTruncated)
                w.string(6, k.flags.contains(.execveat) ? "execveat" : "execve")
                w.string(7, k.resolved.path)
                w.bool(8, k.resolved.lexical)
                w.bool(9, k.resolved.truncated)
                w.bool(10, k.flags.contains(.exeUnlinked))
                w.bool(11, k.flags.contains(.exeMemfd))
            }
        case .open(let k):
            writer.message(21, keepEmpty: true) { w in
                w.string(1, k.syscall.name)
                w.string(2, k.path)
                w.bool(3, k.pathTruncated)
                w.int32(4, k.dirfd)
                w.uint(5, UInt64(UInt32(truncatingIfNeeded: k.flags)))
                w.uint(6, UInt64(UInt32(truncatingIfNeeded: k.mode)))
                w.uint(7, k.resolve)
                w.int32(8, k.fd)
                w.string(9, k.resolved.path)
                w.bool(10, k.resolved.lexical)
                w.bool(11, k.resolved.truncated)
            }
        case .chmod(let k):
            writer.message(22, keepEmpty: true) { w in
                w.string(1, k.syscall.name)
                w.string(2, k.path)
                w.bool(3, k.pathTruncated)
                w.int32(4, k.fd)
                w.uint(5, UInt64(k.mode))
                w.uint(6, UInt64(k.flags))
                w.string(7, k.resolved.path)
                w.bool(8, k.resolved.lexical)
                w.bool(9, k.resolved.truncated)
            }
        case .socket(let k):
            writer.message(23, keepEmpty: true) { w in
                w.string(1, k.syscall.name)
                w.uint(2, UInt64(k.family))
                w.uint(3, UInt64(k.sockType))
                w.uint(4, UInt64(k.protocol))
                w.bytes(5, k.localAddr)
                w.uint(6, UInt64(k.localPort))
                w.bytes(7, k.remoteAddr)
                w.uint(8, UInt64(k.remotePort))
                w.string(9, k.unixPath)
                w.int32(10, k.fd)
                w.int32(11, k.newFd)
                w.uint(12, UInt64(k.flags))
            }
        case .exit(let k):
            writer.message(24, keepEmpty: true) { w in
                w.int32(1, k.exitCode)
                w.int32(2, k.signal)
                w.bool(3, k.coreDumped)
            }
        case .ptrace(let k):
            writer.message(25, keepEmpty: true) { w in
                w.int64(1, k.request)
                w.uint(2, UInt64(k.targetPid))
                w.uint(3, k.addr)
                w.uint(4, k.data)
            }
        case .mount(let k):
            writer.message(26, keepEmpty: true) { w in
                w.string(1, k.syscall.name)
                w.string(2, k.source)
                w.string(3, k.target)
                w.string(4, k.fsType)
                w.uint(5, k.flags)
            }
        case .setid(let k):
            writer.message(27, keepEmpty: true) { w in
                w.string(1, k.syscall.name)
                w.uint(2, UInt64(k.oldUid))
                w.uint(3, UInt64(k.oldEuid))
                w.uint(4, UInt64(k.oldSuid))
                w.uint(5, UInt64(k.oldGid))
                w.uint(6, UInt64(k.oldEgid))
                w.uint(7, UInt64(k.oldSgid))
                w.int64(8, k.newReal)
                w.int64(9, k.newEffective)
                w.int64(10, k.newSaved)
                w.uint(11, k.capEffective)
                w.uint(12, k.capPermitted)
                w.uint(13, k.capInheritable)
                w.uint(14, k.oldCapEffective)
                w.uint(15, k.oldCapPermitted)
            }
        case .dup(let k):
            writer.message(28, keepEmpty: true) { w in
                w.string(1, k.syscall.name)
                w.int32(2, k.oldfd)
                w.int32(3, k.newfd)
                w.uint(4, UInt64(k.flags))
                w.uint(5, UInt64(k.family))
                w.uint(6, UInt64(k.sockType))
                w.uint(7, UInt64(k.protocol))
                w.bytes(8, k.localAddr)
                w.uint(9, UInt64(k.localPort))
                w.bytes(10, k.remoteAddr)
                w.uint(11, UInt64(k.remotePort))
                w.string(12, k.unixPath)
            }
        case .socketCreate(let k):
            writer.message(29, keepEmpty: true) { w in
                w.uint(1, UInt64(k.family))
                w.uint(2, UInt64(k.sockType))
                w.uint(3, UInt64(k.protocol))
                w.bool(4, k.nonblock)
                w.bool(5, k.cloexec)
            }
        case .link(let k):
            writer.message(32, keepEmpty: true) { w in
                w.string(1, k.syscall.name)
                w.string(2, k.path)
                w.bool(3, k.pathTruncated)
                w.string(4, k.oldPath)
                w.bool(5, k.oldPathTruncated)
                w.int32(6, k.dirfd)
                w.int32(7, k.oldDirfd)
                w.uint(8, UInt64(k.flags))
                w.string(9, k.resolved.path)
                w.bool(10, k.resolved.lexical)
                w.bool(11, k.resolved.truncated)
                w.string(12, k.oldResolved.path)
                w.bool(13, k.oldResolved.lexical)
                w.bool(14, k.oldResolved.truncated)
            }
        case .bind(let k):
            writer.message(33, keepEmpty: true) { w in
                w.string(1, k.syscall.name)
                w.int32(2, k.fd)
                w.uint(3, UInt64(k.family))
                w.uint(4, UInt64(k.sockType))
                w.uint(5, UInt64(k.protocol))
                w.bytes(6, k.addr)
                w.uint(7, UInt64(k.port))
                w.int32(8, k.backlog)
            }
        case .sendto(let k):
            writer.message(34, keepEmpty: true) { w in
                w.string(1, k.syscall.name)
                w.int32(2, k.fd)
                w.uint(3, UInt64(k.family))
                w.uint(4, UInt64(k.sockType))
                w.uint(5, UInt64(k.protocol))
                w.bytes(6, k.remoteAddr)
                w.uint(7, UInt64(k.remotePort))
                w.bytes(8, k.localAddr)
                w.uint(9, UInt64(k.localPort))
                w.uint(10, UInt64(k.flags))
                w.uint(11, UInt64(k.count))
            }
        case .kernel(let k):
            writer.message(35, keepEmpty: true) { w in
                w.string(1, k.syscall.name)
                w.int32(2, k.fd)
                w.string(3, k.resolved.path)
                w.bool(4, k.resolved.truncated)
                w.uint(5, UInt64(k.moduleFlags))
                w.uint(6, k.imageLen)
                w.string(7, k.params)
                w.bool(8, k.paramsTruncated)
                w.uint(9, UInt64(k.progType))
                w.uint(10, UInt64(k.insnCnt))
                w.uint(11, UInt64(k.expectedAttachType))
                w.uint(12, UInt64(k.progFlags))
                w.string(13, k.progName)
            }
        }
    }

    // MARK: - source context, remembered for the last process

    private func userBytes(_ uid: UInt32) -> [UInt8] {
        if uid == lastUID { return lastUser }
        lastUser = Array((users.name(for: uid) ?? "").utf8)
        lastUID = uid
        return lastUser
    }

    private func containerFields(_ k: KernelCommon) -> ContainerFields {
        if let last = lastContainer, last.pid == k.pid, last.cgroupId == k.cgroupId, last.comm == k.comm {
            return last.fields
        }
        var fields = ContainerFields()
        var final = true
        if let container = containers?.container(forCgroupId: k.cgroupId, pid: k.pid, ppid: k.ppid, comm: k.comm) {
            fields.id = Array(container.id.utf8)
            fields.runtime = Array(container.runtime.utf8)
            let found = metadata?.metadata(for: container)
            if metadata != nil && found == nil { final = false }   // asked in the background: look again next time
            let context = ProtobufWriter(reservingCapacity: 256)
            if let m = found {
                context.string(1, m.name)
                context.string(2, m.image)
                for key in m.labels.keys.sorted() {
                    context.message(3, keepEmpty: true) { entry in
                        entry.string(1, key)
                        entry.string(2, m.labels[key] ?? "")
                    }
                }
                context.string(4, m.podName)
                context.string(5, m.podNamespace)
            }
            let podUID = found.flatMap { $0.podUID.isEmpty ? nil : $0.podUID } ?? container.podUID ?? ""
            context.string(6, podUID)
            fields.context = context.bytes
        }
        lastContainer = final ? (k.pid, k.cgroupId, k.comm, fields) : nil
        return fields
    }

    private func makeKey(pid: UInt32) {
        if keyPid == pid { return }
        keyPid = pid
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: hostBytes)
        key.append(UInt8(ascii: "/"))
        var digits: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &digits) { raw in
            var position = 16
            var v = pid
            repeat {
                position -= 1
                raw[position] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v > 0
            key.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[position..<16]))
        }
    }
}
