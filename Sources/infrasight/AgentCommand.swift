import ArgumentParser
import Foundation
import InfraSightAgent
import InfraSightCore

/// `infrasight agent`: capture syscalls with eBPF and publish them to Kafka.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent", abstract: "Capture syscalls with eBPF and publish them to infrasight.raw.<probe>.")

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Comma-separated probes to attach (env INFRASIGHT_PROBES). Supported: \(AgentStage.supportedProbes.map(\.rawValue).joined(separator: ",")).")
    var probes: String?

    @Option(name: .long, help: "Folder with the compiled BPF objects (env INFRASIGHT_BPF_DIR; default: searched).")
    var bpfDir: String?

    @Option(name: .long, help: "Size in MiB (power of two) of the one ring buffer every probe shares.")
    var ringBufferMb: Int = 4

    @Option(name: .long, help: "Ring buffer size in KiB (power of two, at least the page size); overrides --ring-buffer-mb.")
    var ringBufferKb: Int?

    @Option(name: .long, help: ArgumentHelp("How often user space drains the ring buffer when it was empty (tests).", visibility: .hidden))
    var pollIntervalMs: Double?

    @Option(name: .long, help: ArgumentHelp("kafka, or null: build, count and discard events (benchmarks).", visibility: .hidden))
    var output: String = AgentOutput.kafka.rawValue

    @Flag(name: .long, help: "Also trace the pipeline's own processes (comm infrasight: enrich, sink, other agents); excluded by default.")
    var includeSelf = false

    @Option(name: .long, help: "Extra pid to exclude in the kernel, repeatable (the agent always excludes itself).")
    var excludePid: [UInt32] = []

    @Option(name: .long, help: "Per-process rate limit per probe: at most N events per window; the rest are dropped in the kernel and counted as throttled (env INFRASIGHT_RATE_LIMIT; 0 = off, the default).")
    var rateLimit: UInt64?

    @Option(name: .long, help: "Window of --rate-limit in milliseconds.")
    var rateLimitWindowMs: UInt64 = 1000

    @Option(name: .long, help: ArgumentHelp("Only trace these process ids (tgids), repeatable; see Filters in the README.", valueName: "pid"))
    var allowPid: [String] = []

    @Option(name: .long, help: ArgumentHelp("Drop the events of these process ids (tgids) in the kernel, repeatable.", valueName: "pid"))
    var denyPid: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only trace processes with this command name (comm, at most 15 bytes), repeatable.", valueName: "comm"))
    var allowComm: [String] = []

    @Option(name: .long, help: ArgumentHelp("Drop the events of processes with this command name (comm), repeatable.", valueName: "comm"))
    var denyComm: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only trace this user (uid or user name), repeatable.", valueName: "uid"))
    var allowUid: [String] = []

    @Option(name: .long, help: ArgumentHelp("Drop the events of this user (uid or user name), repeatable.", valueName: "uid"))
    var denyUid: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only trace processes in this cgroup or below (cgroup v2 id, or path such as /system.slice/foo.service), repeatable.", valueName: "cgroup"))
    var allowCgroup: [String] = []

    @Option(name: .long, help: ArgumentHelp("Drop the events of processes in this cgroup or below (cgroup v2 id or path), repeatable.", valueName: "cgroup"))
    var denyCgroup: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only trace this container (id of 12 to 64 hex digits, or <runtime>://<id>), repeatable.", valueName: "id"))
    var allowContainer: [String] = []

    @Option(name: .long, help: ArgumentHelp("Drop the events of this container (id or <runtime>://<id>), repeatable.", valueName: "id"))
    var denyContainer: [String] = []

    @Option(name: .long, help: ArgumentHelp("open and chmod: only trace paths starting with this prefix (as the process passed them), repeatable.", valueName: "prefix"))
    var allowPathPrefix: [String] = []

    @Option(name: .long, help: ArgumentHelp("open and chmod: drop paths starting with this prefix, repeatable.", valueName: "prefix"))
    var denyPathPrefix: [String] = []

    @Option(name: .long, help: "passwd file for uid → user name (for a containerised agent: /host/etc/passwd).")
    var passwd: String = "/etc/passwd"

    @Option(name: .long, help: "Node name to stamp on events (env INFRASIGHT_NODE_NAME, NODE_NAME; default: hostname).")
    var nodeName: String?

    @Option(name: .long, help: "Container runtime socket for container name/image/labels/pod, RUNTIME=PATH (docker, podman, cri-o, containerd), repeatable; `off` asks none. Default: the runtimes' usual sockets.")
    var runtimeSocket: [String] = []

    @Option(name: .long, help: "Ancestors on every event: parent (the parent with exe and exec_id, the others with pid and comm) or all (every ancestor with exe and exec_id).")
    var ancestry: String = AncestryDetail.parent.rawValue

    func run() async throws {
        LogSetup.bootstrap(level: common.logLevel)
        let logger = LogSetup.logger("agent")
        if let caps = AgentCapabilities.current(), let refusal = caps.refusal {
            logger.critical("\(refusal)")
            throw AgentPrivilegeError(message: refusal)
        }
        var config = AgentConfig(kafka: try kafka.clientConfig(clientId: "infrasight-agent"))
        let env = ProcessInfo.processInfo.environment
        if let list = probes ?? env["INFRASIGHT_PROBES"] {
            config.probes = try list.split(separator: ",").map {
                guard let p = Probe(rawValue: $0.trimmingCharacters(in: .whitespaces)), AgentStage.supportedProbes.contains(p) else {
                    throw ValidationError("unsupported probe \"\($0)\"; this build attaches: \(AgentStage.supportedProbes.map(\.rawValue).joined(separator: ","))")
                }
                return p
            }
        }
        guard ringBufferMb > 0, ringBufferMb & (ringBufferMb - 1) == 0 else {
            throw ValidationError("--ring-buffer-mb must be a power of two")
        }
        config.bpfDirectory = bpfDir ?? env["INFRASIGHT_BPF_DIR"]
        guard let out = AgentOutput(rawValue: output) else { throw ValidationError("--output must be kafka or null") }
        config.output = out
        config.ringBufferBytes = ringBufferMb << 20
        if let kb = ringBufferKb {
            let page = Int(sysconf(Int32(_SC_PAGESIZE))) >> 10
            guard kb >= page, kb & (kb - 1) == 0 else {
                throw ValidationError("--ring-buffer-kb must be a power of two >= the page size (\(page) KiB)")
            }
            config.ringBufferBytes = kb << 10
        }
        if let ms = pollIntervalMs {
            guard ms >= 0, ms <= 10_000 else { throw ValidationError("--poll-interval-ms must be within 0...10000") }
            config.pollIntervalMicros = UInt32(ms * 1000)
        }
        if let limit = try rateLimit ?? env["INFRASIGHT_RATE_LIMIT"].map({
            guard let n = UInt64($0) else { throw ValidationError("INFRASIGHT_RATE_LIMIT must be a non-negative integer, got \"\($0)\"") }
            return n
        }) {
            config.rateLimitEvents = limit
        }
        guard rateLimitWindowMs >= 1, rateLimitWindowMs <= 3_600_000 else {
            throw ValidationError("--rate-limit-window-ms must be within 1...3600000")
        }
        config.rateLimitWindowNs = rateLimitWindowMs * 1_000_000
        config.includeSelf = includeSelf
        config.excludedPids = excludePid
        config.passwdPath = passwd
        config.nodeName = nodeName
        config.runtimeSockets = try RuntimeSocket.configured(runtimeSocket)
        guard let detail = AncestryDetail(rawValue: ancestry) else {
            throw ValidationError("--ancestry must be one of: \(AncestryDetail.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        config.ancestryDetail = detail
        config.statsIntervalSeconds = common.statsInterval
        do {
            config.filter = try eventFilter()
        } catch {
            throw ValidationError("\(error)")
        }
        let originalArguments = Array(CommandLine.arguments.dropFirst())
        config.reloadFilter = { try AgentFilterReload.filter(arguments: originalArguments) }
        let stage = AgentStage(config: config, logger: logger)
        try await StageRunner.run(stage, counters: stage.counters, common: common, largeBlocks: .mapped, logger: logger)
    }
}

extension AgentCommand {
    /// The allow/deny filters these options describe, validated (`EventFilter`).
    func eventFilter() throws -> EventFilter {
        try EventFilter(
            allow: FilterArguments(pids: allowPid, comms: allowComm, uids: allowUid, cgroups: allowCgroup,
                                   containers: allowContainer, pathPrefixes: allowPathPrefix),
            deny: FilterArguments(pids: denyPid, comms: denyComm, uids: denyUid, cgroups: denyCgroup,
                                  containers: denyContainer, pathPrefixes: denyPathPrefix),
            passwdPath: passwd)
    }
}

/// The agent refused to start: capabilities are missing (the message names them).
struct AgentPrivilegeError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
