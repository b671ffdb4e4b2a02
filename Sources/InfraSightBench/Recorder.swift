import Foundation

/// `infrasight-bench record` (make bench-records): records the inputs of row 9 once, from real runs,
/// as [u32 little-endian length][record bytes] per record:
/// - bench/records/open.records: raw open records from the kernel ring buffer (`open_loader --dump`
///   on open.bpf.o) while the generator runs paced and a shell reads files (several pids and paths);
/// - bench/records/events-open.records: enriched messages from `infrasight.events.open` (agent with its
///   default probes -> enrich -> `rdk_bench pass ... DUMP`), from the same kind of load.
struct Recorder {
    let env: BenchEnvironment
    let stack: Stack
    let stages: Stages
    static let count = 4096

    func load() throws {
        let shell = try Child("record-reads", "/bin/sh", ["-c", "for f in /etc/* /usr/share/doc/*/copyright; do head -c 1 \"$f\" >/dev/null 2>&1; done"], logDir: env.runDir)
        _ = try stages.storm(seconds: 1, rate: 4000)
        _ = shell.wait(timeout: 60)
    }

    func run() throws {
        let dir = env.root + "/bench/records"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let open = dir + "/open.records"
        let loader = try Child("record-open_loader", env.openLoader, ["--dump", open, "\(Self.count)", env.bpfDir + "/open.bpf.o"], logDir: env.runDir)
        guard loader.waitForLog("ready", timeout: 30) else { loader.stop(); throw BenchError("open_loader: \(loader.log)") }
        try load()
        Thread.sleep(forTimeInterval: 0.5)
        loader.stop()
        print("open records: \(loader.log.split(separator: "\n").last ?? "") -> \(open)")

        try stack.start()
        let (agent, _) = try stages.agent(output: "kafka", name: "record-agent")
        let (enrich, _) = try stages.enrich(group: "record-enrich")
        try load()
        Thread.sleep(forTimeInterval: 5)
        let events = dir + "/events-open.records"
        let r = runCommand(env.rdkBench, ["pass", stack.brokers, "infrasight.events.open", "bench.pass", "\(Self.count)", "20", events, "\(Self.count)"])
        agent.stop(); enrich.stop()
        print("enriched records: \(r.output.split(separator: "\n").last ?? "") -> \(events)")
    }
}
