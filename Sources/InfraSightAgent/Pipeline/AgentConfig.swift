import InfraSightCore
import InfraSightKafka

/// Settings of one agent process.
public struct AgentConfig: Sendable {
    public var kafka: KafkaClientConfig
    public var probes: [Probe] = AgentStage.supportedProbes
    /// Folder holding `<probe>.bpf.o`; nil searches the usual places (`BPFObjectLocator`).
    public var bpfDirectory: String?
    public var ringBufferBytes: Int = 4 << 20
    /// How often the ring buffer is drained (wake-ups are batched in the kernel, so user space polls).
    public var pollIntervalMicros: UInt32 = 2000
    /// Extra process ids to exclude in the kernel (the agent always excludes itself).
    public var excludedPids: [UInt32] = []
    /// Trace the pipeline's own processes too (comm `infrasight`: other agents, enrich, sink).
    /// Off by default: they are found by a /proc scan and excluded in the kernel.
    public var includeSelf: Bool = false
    /// How often /proc is rescanned for pipeline processes (new ones excluded, dead ones removed).
    public var selfScanSeconds: Double = 2
    /// Per-process rate limit, per probe: at most this many records per `rateLimitWindowNs`; the rest
    /// are dropped in the kernel and counted (`throttled`). 0 (the default) records everything.
    public var rateLimitEvents: UInt64 = 0
    public var rateLimitWindowNs: UInt64 = 1_000_000_000
    /// In-kernel allow/deny filters (`EventFilter`); none by default.
    public var filter: EventFilter = .none
    /// Reads the filters again (SIGHUP): re-runs the configuration layering on the original command
    /// line. Nil: SIGHUP is not handled (its default action applies).
    public var reloadFilter: (@Sendable () throws -> EventFilter)?
    public var passwdPath: String = "/etc/passwd"
    /// Where the host's /proc is (a containerised agent with hostPID still sees it at /proc).
    public var procRoot: String = "/proc"
    /// How much each event says about the process's ancestors (`AncestryDetail`).
    public var ancestryDetail: AncestryDetail = .parent
    public var nodeName: String? = nil
    /// Container runtime sockets asked for container name, image, labels and pod (empty: none).
    public var runtimeSockets: [RuntimeSocket] = RuntimeSocket.defaults
    public var statsIntervalSeconds: Double = 10
    /// How long shutdown waits for the broker to acknowledge what is queued.
    public var shutdownFlushSeconds: Double = 30
    /// Kafka (default), or `.null` to build, count and discard events (benchmarks only).
    public var output: AgentOutput = .kafka

    public init(kafka: KafkaClientConfig) { self.kafka = kafka }
}
