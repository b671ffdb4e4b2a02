import Foundation

/// One scrape of a stage's Prometheus `/metrics`: every sample, and sums by metric name.
struct MetricsScrape {
    var samples: [(name: String, labels: String, value: Double)] = []

    /// Scrapes `http://127.0.0.1:port/metrics` with curl; nil when the stage does not answer.
    static func fetch(port: Int) -> MetricsScrape? {
        let r = runCommand("/usr/bin/curl", ["-s", "-m", "2", "http://127.0.0.1:\(port)/metrics"])
        guard r.status == 0, !r.output.isEmpty else { return nil }
        var s = MetricsScrape()
        for line in r.output.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let v = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            if let brace = series.firstIndex(of: "{") {
                s.samples.append((String(series[..<brace]), String(series[brace...]), v))
            } else {
                s.samples.append((String(series), "", v))
            }
        }
        return s
    }

    /// Sum over every series of metric `name`.
    func sum(_ name: String) -> Double { samples.filter { $0.name == name }.reduce(0) { $0 + $1.value } }

    /// Sum over the series whose metric name contains `fragment` and whose labels contain `label` (when given).
    func sum(containing fragment: String, label: String? = nil) -> Double {
        samples.filter { s in s.name.contains(fragment) && (label.map { s.labels.contains($0) } ?? true) }
            .reduce(0) { $0 + $1.value }
    }
}

/// Resident set size of a process in bytes (VmRSS), 0 when it is gone.
func residentBytes(pid: Int32) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}
