import Foundation

/// Starts the real `infrasight` stages for the rows, each with its own metrics port.
struct Stages {
    let env: BenchEnvironment
    let stack: Stack

    /// The agent on the open probe only; `output` is `kafka` or `null`.
    func agent(output: String, name: String = "agent") throws -> (Child, Int) {
        let port = freePort()
        let c = try Child(name, env.infrasight, ["agent", "--brokers", stack.brokers, "--probes", "open",
                                                 "--bpf-dir", env.bpfDir, "--output", output, "--stats-interval", "2",
                                                 "--metrics-address", "127.0.0.1:\(port)"], logDir: env.runDir)
        guard c.waitForLog("probe attached", timeout: 60), waitForMetrics(port: port) else {
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

    /// Runs the generator (this executable, `storm`) to completion; returns calls/s and its output.
    func storm(seconds: Double, rate: Double = 0, markerDir: String? = nil, markerEvery: Int = 0) throws -> (rate: Double, markers: Int) {
        let file = env.runDir + "/storm-target"
        if !FileManager.default.fileExists(atPath: file) { _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8)) }
        var args = ["storm", "\(seconds)", "\(rate)", file]
        if let markerDir { args += [markerDir, "\(markerEvery)"] }
        let r = runCommand(env.selfExe, args)
        guard r.status == 0, let rate = keyValue(r.output, "rate") else { throw BenchError("storm failed: \(r.output) \(r.error)") }
        return (rate, Int(keyValue(r.output, "markers") ?? 0))
    }
}

/// `key=value` from a line of `k=v` pairs.
func keyValue(_ text: String, _ key: String) -> Double? {
    for token in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
        let parts = token.split(separator: "=", maxSplits: 1)
        if parts.count == 2, parts[0] == key { return Double(parts[1]) }
    }
    return nil
}
