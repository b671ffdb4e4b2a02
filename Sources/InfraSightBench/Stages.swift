import Foundation

/// Starts the real `infrasight` stages for the rows, each with its own metrics port.
struct Stages {
    let env: BenchEnvironment
    let stack: Stack

    /// The agent with its DEFAULT probes (all eight), no rate limit, no filters; `output` is `kafka` or `null`.
    func agent(output: String, name: String = "agent") throws -> (Child, Int) {
        let port = freePort()
        let c = try Child(name, env.infrasight, ["agent", "--brokers", stack.brokers,
                                                 "--bpf-dir", env.bpfDir, "--output", output, "--stats-interval", "2",
                                                 "--metrics-address", "127.0.0.1:\(port)"], logDir: env.runDir)
        // Every probe is attached before the agent says where it publishes (or: one "attached" line per probe).
        let ready = c.waitFor(timeout: 90) { log in
            log.contains("publishing to") || log.components(separatedBy: "probe attached").count > BenchEnvironment.defaultProbes.count
        }
        guard ready, waitForMetrics(port: port) else {
            c.stop(); throw BenchError("agent did not start: \(c.log.suffix(600))")
        }
        return (c, port)
    }

    func enrich(group: String, name: String = "enrich") throws -> (Child, Int) {
        let port = freePort()
        let c = try Child(name, env.infrasight, ["enrich", "--brokers", stack.brokers, "--group", group, "--stats-interval", "2",
                                                 "--metrics-address", "127.0.0.1:\(port)"], logDir: env.runDir)
        guard waitForMetrics(port: port) else { c.stop(); throw BenchError("enrich did not start: \(c.log.suffix(600))") }
        return (c, port)
    }

    func detect(group: String, name: String = "detect") throws -> (Child, Int) {
        let port = freePort()
        let c = try Child(name, env.infrasight, ["detect", "--brokers", stack.brokers, "--group", group, "--stats-interval", "2",
                                                 "--alert-log", "off", "--metrics-address", "127.0.0.1:\(port)"], logDir: env.runDir)
        guard waitForMetrics(port: port) else { c.stop(); throw BenchError("detect did not start: \(c.log.suffix(600))") }
        return (c, port)
    }

    func sink(group: String, name: String = "sink") throws -> (Child, Int) {
        let port = freePort()
        let c = try Child(name, env.infrasight, ["sink", "--brokers", stack.brokers, "--clickhouse", stack.clickhouseURL,
                                                 "--group", group, "--stats-interval", "2",
                                                 "--metrics-address", "127.0.0.1:\(port)"], logDir: env.runDir)
        guard waitForMetrics(port: port) else { c.stop(); throw BenchError("sink did not start: \(c.log.suffix(600))") }
        return (c, port)
    }

    private func waitForMetrics(port: Int) -> Bool {
        for _ in 0..<200 {
            if MetricsScrape.fetch(port: port) != nil { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    var stormFile: String {
        let file = env.runDir + "/storm-target"
        if !FileManager.default.fileExists(atPath: file) { _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8)) }
        return file
    }

    /// Runs the generator (this executable, `storm`) to completion; returns calls/s and its output.
    func storm(seconds: Double, rate: Double = 0, markerDir: String? = nil, markerEvery: Int = 0) throws -> (rate: Double, markers: Int) {
        var args = ["storm", "\(seconds)", "\(rate)", stormFile]
        if let markerDir { args += [markerDir, "\(markerEvery)"] }
        let r = runCommand(env.selfExe, args)
        guard r.status == 0, let rate = keyValue(r.output, "rate") else { throw BenchError("storm failed: \(r.output) \(r.error)") }
        return (rate, Int(keyValue(r.output, "markers") ?? 0))
    }

    /// Starts the count-mode generator (`storm-count`): one forked process making exactly `count` calls.
    /// Returns the running generator, the storm process's pid and its start time (Unix s).
    func stormCount(_ count: Int, name: String) throws -> (child: Child, pid: Int, start: Double) {
        let c = try Child(name, env.selfExe, ["storm-count", "\(count)", stormFile], logDir: env.runDir)
        guard c.waitForLog("start=", timeout: 30), let pid = keyValue(c.log, "pid"), let start = keyValue(c.log, "start") else {
            c.stop(); throw BenchError("storm-count did not start: \(c.log)")
        }
        return (c, Int(pid), start)
    }
}

/// `key=value` from a line of `k=v` pairs (the first occurrence).
func keyValue(_ text: String, _ key: String) -> Double? {
    for token in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
        let parts = token.split(separator: "=", maxSplits: 1)
        if parts.count == 2, parts[0] == key { return Double(parts[1]) }
    }
    return nil
}

/// CPU time (user + system, all threads) of a process in seconds from /proc/<pid>/stat; nil when gone.
func cpuSeconds(pid: Int32) -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return nil }
    // Fields after "pid (comm)": state is field 3, utime field 14, stime field 15.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return nil }
    return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
}
