import Foundation

/// Row 10: the web console's views on the tables the end-to-end row filled (`file_events` holds the
/// storm's 2M rows and more). The real `infrasight console` serves them; every API call a view's page
/// makes on load is timed with curl (best of 3 after one warm-up call), and a page's total must fit in
/// that view's poll interval (overview 10 s, live events 2 s, top 10 s, pipeline health 5 s; the
/// process view does not poll and gets the live view's 2 s). The process view is asked for the
/// process with the most file events (the storm's), its heaviest case.
struct ConsoleRow {
    let env: BenchEnvironment
    let stack: Stack

    struct Page { let view: String; let interval: Double; let calls: [String] }

    func run() throws -> RowResult {
        let rows = Double(try stack.query("SELECT count() FROM infrasight.file_events").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let top = try stack.query("SELECT host, pid FROM infrasight.file_events GROUP BY host, pid ORDER BY count() DESC LIMIT 1 FORMAT TabSeparated")
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\t").map(String.init)
        guard top.count == 2 else { throw BenchError("no file events to show: \(top)") }
        let host = top[0].addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? top[0]
        let recent = UInt64((Date().timeIntervalSince1970 - 30) * 1e9)
        let pages = [
            // One call: the charts, the alerts and the top-5 talkers, files and binaries of the window.
            Page(view: "overview", interval: 10, calls: ["/api/overview"]),
            Page(view: "live events", interval: 2, calls: ["/api/events"]),
            Page(view: "live events (incremental poll)", interval: 2, calls: ["/api/events?after_ns=\(recent)"]),
            Page(view: "process (\(top[1]))", interval: 2, calls: ["/api/process?host=\(host)&pid=\(top[1])"]),
            Page(view: "top", interval: 10, calls: ["/api/top/latency", "/api/top/files", "/api/top/talkers", "/api/top/binaries"]),
            Page(view: "pipeline health", interval: 5, calls: ["/api/health"]),
        ]
        let port = freePort()
        let console = try Child("console", env.infrasight, ["console", "--clickhouse", stack.clickhouseURL, "--listen", "127.0.0.1:\(port)"],
                                logDir: env.runDir, environment: ["INFRASIGHT_CONSOLE_TOKEN": ""])
        defer { console.stop() }
        var up = false
        for _ in 0..<100 where !up {
            up = runCommand("/usr/bin/curl", ["-s", "-o", "/dev/null", "-m", "2", "http://127.0.0.1:\(port)/"]).status == 0
            if !up { Thread.sleep(forTimeInterval: 0.1) }
        }
        guard up else { throw BenchError("console did not answer: \(console.log.suffix(600))") }

        var measured: [String] = [], slow: [String] = [], failures: [String] = []
        for page in pages {
            var total = 0.0
            for call in page.calls {
                var best = Double.infinity
                for attempt in 0..<4 {
                    let r = runCommand("/usr/bin/curl", ["-s", "-o", "/dev/null", "-m", "60", "-w", "%{http_code} %{time_total}",
                                                         "http://127.0.0.1:\(port)\(call)"])
                    let fields = r.output.split(separator: " ")
                    guard fields.count == 2, fields[0] == "200", let t = Double(fields[1]) else {
                        failures.append("\(call): \(r.output) \(r.error)")
                        break
                    }
                    if attempt > 0 { best = min(best, t) }   // the first call warms ClickHouse's caches
                }
                total += best
            }
            measured.append("\(page.view) \(Fmt.secs(total))")
            if !(total <= page.interval) { slow.append("\(page.view) \(Fmt.secs(total)) > \(Fmt.secs(page.interval))") }
        }
        var row = RowResult(
            number: "10", what: "console views on the end-to-end row's tables (file_events \(Fmt.int(rows)) rows): each page's API calls, best of 3",
            measured: measured.joined(separator: "; "),
            baseline: "-", ratio: "-",
            target: "each page within its view's poll interval (overview 10 s, live 2 s, process 2 s, top 10 s, health 5 s)",
            loss: failures.isEmpty ? "every call 200" : "failed: " + failures.joined(separator: "; "),
            met: failures.isEmpty && slow.isEmpty)
        if !slow.isEmpty { row.notes.append("over the interval: " + slow.joined(separator: "; ")) }
        row.notes.append("the console reads ClickHouse 18.16 with the queries `Sources/InfraSightConsole/Queries` builds; the process view is the process with the most file events (\(top[1]), the storm's)")
        return row
    }
}
