/// One side (allow or deny) of the filter as given on the command line, in the config file or the
/// environment: unvalidated text, one entry per repeated option. `EventFilter(allow:deny:)` checks it.
public struct FilterArguments: Sendable, Equatable {
    /// Process ids (tgids), decimal.
    public var pids: [String] = []
    /// Command names (comm, at most 15 bytes as the kernel keeps them).
    public var comms: [String] = []
    /// User ids, decimal, or user names looked up in the agent's passwd file.
    public var uids: [String] = []
    /// cgroup v2 ids or cgroup paths.
    public var cgroups: [String] = []
    /// Container ids (12 to 64 hex digits, optionally `<runtime>://<id>`).
    public var containers: [String] = []
    /// Path prefixes for open and chmod.
    public var pathPrefixes: [String] = []

    public init(pids: [String] = [], comms: [String] = [], uids: [String] = [], cgroups: [String] = [],
                containers: [String] = [], pathPrefixes: [String] = []) {
        self.pids = pids
        self.comms = comms
        self.uids = uids
        self.cgroups = cgroups
        self.containers = containers
        self.pathPrefixes = pathPrefixes
    }
}
