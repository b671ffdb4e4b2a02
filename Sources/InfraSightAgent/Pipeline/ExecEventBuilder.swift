import InfraSightCore

/// Turns a kernel execve record into a contract `Event`, enriched at the source: user name, container
/// id, node name, wall-clock time and a stable event id.
public struct ExecEventBuilder: Sendable {
    let host: String
    let identity: EventIdentity
    let users: UserNameCache
    let containers: ContainerResolver?
    let clock: BootClock

    public init(host: String, identity: EventIdentity, users: UserNameCache,
                containers: ContainerResolver?, clock: BootClock) {
        self.host = host
        self.identity = identity
        self.users = users
        self.containers = containers
        self.clock = clock
    }

    public func build(_ k: KernelExecEvent) -> Event {
        var e = Event()
        e.eventID = identity.eventID(probe: Probe.execve.rawValue, bootTimeNs: k.bootTimeNs, tid: k.tid)
        e.schemaVersion = EventCodec.schemaVersion
        e.probe = Probe.execve.rawValue
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
        if let container = containers?.container(forCgroupId: k.cgroupId) {
            e.containerID = container.id
            e.containerRuntime = container.runtime
        }
        e.ret = k.ret
        e.latencyNs = k.latencyNs
        var detail = ExecDetail()
        detail.filename = k.filename
        detail.argv = k.argv
        detail.argvTruncated = k.argvTruncated
        e.exec = detail
        return e
    }
}
