import Foundation
import InfraSightCore

/// Turns any kernel record into a contract `Event`, enriched at the source: node name, wall-clock
/// time (BootClock), user name, container id, a stable event id
/// (`EventIdentity.eventID(probe:bootTimeNs:tid:)` with the record's probe), the process context
/// (exec_id, exe, cwd, ancestors; `ProcessCache`, kept current by exec and exit records), plus the
/// probe's detail. Container context: id, runtime and pod uid from the cgroup (`ContainerResolver`),
/// name, image, labels and pod from the runtime's socket when it answered (`ContainerMetadataCache`).
public struct EventBuilder: Sendable {
    let host: String
    let identity: EventIdentity
    let users: UserNameCache
    let containers: ContainerResolver?
    let clock: BootClock
    let processes: ProcessCache?
    let metadata: ContainerMetadataCache?

    public init(host: String, identity: EventIdentity, users: UserNameCache,
                containers: ContainerResolver?, clock: BootClock, processes: ProcessCache? = nil,
                metadata: ContainerMetadataCache? = nil) {
        self.metadata = metadata
        self.host = host
        self.identity = identity
        self.users = users
        self.containers = containers
        self.clock = clock
        self.processes = processes
    }

    public func build(_ record: KernelRecord) -> Event {
        let probe = record.probe
        // A process's cgroup answer from /proc (v1 hosts) is stale after it exec'd (runtimes move the
        // container's first process before its exec).
        if case .exec(let k) = record, k.ret == 0 { containers?.forgetProcess(pid: k.pid) }
        var e = common(record.common, probe: probe)
        if case .exit = record { containers?.forgetProcess(pid: record.common.pid) }
        if let processes {
            // A successful exec starts a new execution (new exec_id) before its own event is built; an
            // exit is built with the context it ends, then forgotten.
            if case .exec(let k) = record, k.ret == 0 {
                processes.recordExec(pid: k.pid, ppid: k.ppid, bootNs: k.bootTimeNs, comm: k.comm, filename: k.filename)
            }
            e.process = processes.context(pid: record.common.pid, ppid: record.common.ppid)
            if case .exit = record { processes.recordExit(pid: record.common.pid) }
        }
        switch record {
        case .exec(let k):
            var d = ExecDetail()
            d.filename = k.filename
            d.argv = k.argv
            d.argvTruncated = k.argvTruncated
            d.syscall = k.flags.contains(.execveat) ? "execveat" : "execve"
            e.exec = d
        case .open(let k):
            var d = OpenDetail()
            d.syscall = k.syscall.name
            d.path = k.path
            d.pathTruncated = k.pathTruncated
            d.dirfd = k.dirfd
            d.flags = UInt32(truncatingIfNeeded: k.flags)
            d.mode = UInt32(truncatingIfNeeded: k.mode)
            d.resolve = k.resolve
            d.fd = k.fd
            e.open = d
        case .chmod(let k):
            var d = ChmodDetail()
            d.syscall = k.syscall.name
            d.path = k.path
            d.pathTruncated = k.pathTruncated
            d.fd = k.fd
            d.mode = k.mode
            d.flags = k.flags
            e.chmod = d
        case .socket(let k):
            var d = SocketDetail()
            d.syscall = k.syscall.name
            d.family = UInt32(k.family)
            d.sockType = UInt32(k.sockType)
            d.protocol = UInt32(k.protocol)
            d.localAddr = Data(k.localAddr)
            d.localPort = UInt32(k.localPort)
            d.remoteAddr = Data(k.remoteAddr)
            d.remotePort = UInt32(k.remotePort)
            d.unixPath = k.unixPath
            d.fd = k.fd
            d.newFd = k.newFd
            d.flags = k.flags
            e.socket = d
        case .exit(let k):
            var d = ExitDetail()
            d.exitCode = k.exitCode
            d.signal = k.signal
            d.coreDumped = k.coreDumped
            e.exit = d
        case .ptrace(let k):
            var d = PtraceDetail()
            d.request = k.request
            d.targetPid = k.targetPid
            d.addr = k.addr
            d.data = k.data
            e.ptrace = d
        case .mount(let k):
            var d = MountDetail()
            d.syscall = k.syscall.name
            d.source = k.source
            d.target = k.target
            d.fsType = k.fsType
            d.flags = k.flags
            e.mount = d
        }
        return e
    }

    func common(_ k: KernelCommon, probe: Probe) -> Event {
        var e = Event()
        e.eventID = identity.eventID(probe: probe.rawValue, bootTimeNs: k.bootTimeNs, tid: k.tid)
        e.schemaVersion = EventCodec.schemaVersion
        e.probe = probe.rawValue
        e.host = host
        e.timeNs = clock.wallClockNanos(fromBootNanos: k.bootTimeNs)
        e.ktimeNs = k.bootTimeNs
        e.pid = k.pid
        e.tid = k.tid
        e.ppid = k.ppid
        e.uid = k.uid
        e.gid = k.gid
        e.user = users.name(for: k.uid) ?? ""
        e.comm = k.comm
        e.cgroupID = k.cgroupId
        if let container = containers?.container(forCgroupId: k.cgroupId, pid: k.pid, ppid: k.ppid, comm: k.comm) {
            e.containerID = container.id
            e.containerRuntime = container.runtime
            if let podUID = container.podUID { e.container.podUid = podUID }
            if let m = metadata?.metadata(for: container) {
                e.container.name = m.name
                e.container.image = m.image
                e.container.labels = m.labels
                e.container.podName = m.podName
                e.container.podNamespace = m.podNamespace
                if !m.podUID.isEmpty { e.container.podUid = m.podUID }
            }
        }
        e.ret = k.ret
        e.latencyNs = k.latencyNs
        return e
    }
}
