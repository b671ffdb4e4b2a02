import InfraSightCore

/// Turns a kernel execve record into a contract `Event` (kept for callers of the execve-only
/// API; `EventBuilder` handles every probe).
public struct ExecEventBuilder: Sendable {
    let builder: EventBuilder

    public init(host: String, identity: EventIdentity, users: UserNameCache,
                containers: ContainerResolver?, clock: BootClock) {
        builder = EventBuilder(host: host, identity: identity, users: users, containers: containers, clock: clock)
    }

    public func build(_ k: KernelExecEvent) -> Event {
        builder.build(.exec(k))
    }
}
