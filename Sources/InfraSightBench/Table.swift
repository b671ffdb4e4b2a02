import Foundation

/// Renders the rows as one Markdown table plus notes, with the machine it ran on.
enum Table {
    static func render(_ rows: [RowResult], machine: String) -> String {
        var out = "| # | what | measured | baseline (same run) | ratio | target | received / sent / lost | verdict |\n"
        out += "|---|---|---|---|---|---|---|---|\n"
        for r in rows {
            out += "| \(r.number) | \(r.what) | \(r.measured) | \(r.baseline) | \(r.ratio) | \(r.target) | \(r.loss) | \(r.verdict) |\n"
        }
        let notes = rows.flatMap { r in r.notes.map { "- row \(r.number): \($0)" } }
        if !notes.isEmpty { out += "\n" + notes.joined(separator: "\n") + "\n" }
        out += "\n" + machine + "\n"
        return out
    }

    /// Cores, kernel and the versions of the parts involved.
    static func machine(env: BenchEnvironment) -> String {
        func first(_ exe: String, _ args: [String]) -> String {
            let r = runCommand(exe, args)
            return (r.output + r.error).split(separator: "\n").first.map(String.init) ?? "?"
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let kernel = first("/bin/uname", ["-r"])
        let swift = first("/usr/bin/env", ["swift", "--version"])
        let ch = first("/usr/bin/clickhouse-client", ["--version"])
        let tansu = first(env.tansu, ["--version"])
        let rdk = (try? String(contentsOfFile: env.root + "/.deps/librdkafka/lib/pkgconfig/rdkafka.pc", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("Version:") }.map(String.init) ?? "?"
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        return "Machine: \(cores) cores (load average at the end \(load)), kernel \(kernel); \(swift); librdkafka \(rdk); \(ch); tansu \(tansu); run at \(Date())"
    }
}
