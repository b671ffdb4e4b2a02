import Foundation

/// The real parts every row uses: a tansu broker and a private ClickHouse 18.16 on free loopback
/// ports, the topics and the schema created by the real `infrasight` binary.
final class Stack {
    let env: BenchEnvironment
    private(set) var brokerPort = freePort()
    let httpPort = freePort()
    let tcpPort = freePort()
    private var broker: Child?

    init(env: BenchEnvironment) { self.env = env }

    var brokers: String { "127.0.0.1:\(brokerPort)" }
    var clickhouseURL: String { "http://127.0.0.1:\(httpPort)" }
    var clickhouseDir: String { env.runDir + "/clickhouse" }

    func start() throws {
        try startBroker(name: "broker")
        let r = runCommand("/bin/bash", [env.root + "/scripts/clickhouse-server.sh", "start", clickhouseDir, "\(httpPort)", "\(tcpPort)"])
        guard r.status == 0 else { throw BenchError("ClickHouse did not start: \(r.error)") }
        let schema = runCommand(env.infrasight, ["schema", "apply", "--clickhouse", clickhouseURL, "--wait", "30"])
        guard schema.status == 0 else { throw BenchError("schema apply failed: \(schema.output) \(schema.error)") }
    }

    /// A tansu broker on a fresh port with the pipeline's topics (4 partitions) and the bench's own.
    private func startBroker(name: String) throws {
        let url = "tcp://127.0.0.1:\(brokerPort)"
        broker = try Child(name, env.tansu, ["broker", "--listener-url", url, "--advertised-listener-url", url], logDir: env.runDir)
        let topics = runCommand(env.infrasight, ["topics", "create", "--brokers", brokers, "--partitions", "4", "--wait", "30"])
        guard topics.status == 0 else { throw BenchError("topics create failed: \(topics.output) \(topics.error)") }
        for extra in ["bench.pass", "bench.produce", "bench.produce1", "bench.loader", "chain.raw", "chain.pass"] {
            runCommand(env.tansu, ["topic", "create", "--broker", url, "--partitions", "4", extra])
        }
    }

    /// Replaces the broker with an empty one (tansu keeps everything in memory: the end-to-end row
    /// starts without the earlier rows' backlog and without their memory).
    func restartBroker() throws {
        broker?.stop(timeout: 5)
        brokerPort = freePort()
        try startBroker(name: "broker-e2e")
    }

    /// Runs SQL over HTTP; returns the response body (throws on an HTTP error).
    @discardableResult
    func query(_ sql: String) throws -> String {
        let r = runCommand("/usr/bin/curl", ["-sS", "--fail-with-body", "-m", "30", clickhouseURL + "/", "--data-binary", sql])
        guard r.status == 0 else { throw BenchError("ClickHouse: \(r.output) \(r.error)") }
        return r.output
    }

    func stop() {
        broker?.stop(timeout: 5)
        runCommand("/bin/bash", [env.root + "/scripts/clickhouse-server.sh", "stop", clickhouseDir])
    }
}

/// Where things are: the checkout, the binaries, this run's folder.
struct BenchEnvironment {
    let root: String
    let runDir: String
    /// This executable (re-run as `storm` for the generator).
    let selfExe: String
    /// The release binary (BENCH_INFRASIGHT points at another build, e.g. to smoke-test the driver).
    var infrasight: String { ProcessInfo.processInfo.environment["BENCH_INFRASIGHT"] ?? root + "/.build/release/infrasight" }
    /// Row 9's executable (BENCH_CODEC_BENCH replaces it, for testing the plumbing).
    var codecBench: String { ProcessInfo.processInfo.environment["BENCH_CODEC_BENCH"] ?? root + "/.build/release/infrasight-codec-bench" }
    var tansu: String { root + "/.deps/bin/tansu" }
    var bpfDir: String { root + "/bpf/build" }
    var openLoader: String { root + "/bpf/build/baselines/open_loader" }
    var rdkBench: String { root + "/bpf/build/baselines/rdk_bench" }
    var chainLoader: String { root + "/bpf/build/baselines/chain_loader" }
    /// The agent's default probes (AgentStage.supportedProbes): what the agent attaches without --probes,
    /// and the objects the C loader attaches for the same-run baseline.
    static let defaultProbes = ["execve", "open", "chmod", "connect", "accept", "exit", "ptrace", "mount", "setid", "dup", "socket", "link", "bind", "sendto", "kernel"]
}

/// A benchmark step that could not run.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
