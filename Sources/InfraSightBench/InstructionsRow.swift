import Foundation

/// Row 9: the deterministic guard. Instructions per event counted by `valgrind --tool=callgrind` (the
/// same count for the same binary and input, whatever the machine is doing) for (a) the agent's
/// decode+build+encode path over recorded kernel open records, (b) the sink's decode+row path and (c)
/// detect's decode+default-rules path over recorded enriched messages, all committed in bench/records/
/// ([u32 LE length][bytes] per record).
/// `infrasight-codec-bench --path agent|sink|detect --records FILE --repeat K` processes every record K times
/// and prints `events=N`; per event = (Ir(K2) - Ir(K1)) / (events(K2) - events(K1)), so start-up cancels.
/// The previous figures are kept in bench/instructions.json (BENCH_UPDATE_INSTRUCTIONS=1 rewrites it).
struct InstructionsRow {
    let env: BenchEnvironment

    static let paths: [(name: String, records: String)] = [("agent", "bench/records/open.records"), ("sink", "bench/records/events-open.records"),
                                                            ("detect", "bench/records/events-open.records")]
    /// A guard, not a target of the issue: MISSED when a figure grows more than this over the previous one.
    static let tolerance = 1.05

    var valgrind: String? { ["/usr/bin/valgrind", "/usr/local/bin/valgrind"].first { FileManager.default.isExecutableFile(atPath: $0) } }
    var jsonPath: String { env.root + "/bench/instructions.json" }

    /// The command that runs the codec bench.
    func command(path: String, records: String, repeat k: Int, exe: String? = nil) -> (String, [String]) {
        (exe ?? env.codecBench, ["--path", path, "--records", records, "--repeat", "\(k)"])
    }

    /// valgrind 3.19 gives up on the Swift toolchain's DWARF ("Possibly corrupted debuginfo file"):
    /// callgrind runs a copy without debug sections (same code, same instruction count).
    func strippedCopy() -> String {
        let (exe, _) = command(path: "", records: "", repeat: 1)
        let copy = env.runDir + "/codec-bench-nodebug"
        let r = runCommand("/usr/bin/objcopy", ["--strip-debug", exe, copy])
        return r.status == 0 ? copy : exe
    }

    func run() -> RowResult {
        var row = RowResult(number: "9", what: "instructions per event (callgrind, recorded records): agent decode+build+encode; sink decode+row; detect decode+default rules",
                            measured: "", baseline: "", ratio: "-", target: "reported beside the previous figure; guard <= \(Fmt.ratio(Self.tolerance)) of it",
                            loss: "-", met: nil)
        guard let valgrind else {
            row.measured = "not available: valgrind missing (Debian package valgrind)"
            row.verdictText = "not available"
            return row
        }
        let repeats = (ProcessInfo.processInfo.environment["BENCH_CALLGRIND_REPEATS"] ?? "1,3").split(separator: ",").compactMap { Int($0) }
        let (k1, k2) = repeats.count == 2 && repeats[1] > repeats[0] ? (repeats[0], repeats[1]) : (1, 3)
        let previous = loadPrevious()
        var stripped: String?
        var measured: [String] = [], ratios: [String] = [], counts: [String] = [], baselines: [String] = []
        var current: [String: Double] = [:]
        var allOK = true, anyPrevious = false, anyMeasured = false
        for (name, rel) in Self.paths {
            let records = env.root + "/" + rel
            guard FileManager.default.fileExists(atPath: records) else { measured.append("\(name): not available: \(rel) missing"); continue }
            let (exe, args) = command(path: name, records: records, repeat: 1)
            let probe = runCommand(exe, args)
            guard probe.status == 0, keyValue(probe.output, "events") != nil else {
                let why = (probe.error + probe.output).split(separator: "\n").first.map(String.init) ?? "exit \(probe.status)"
                measured.append("\(name): not available: infrasight-codec-bench missing (\(why.prefix(120)))")
                continue
            }
            do {
                if stripped == nil { stripped = strippedCopy() }
                let a = try callgrind(valgrind, name: name, records: records, repeat: k1, exe: stripped)
                let b = try callgrind(valgrind, name: name, records: records, repeat: k2, exe: stripped)
                guard b.events > a.events else { throw BenchError("events did not grow with --repeat (\(a.events) -> \(b.events))") }
                let per = (b.ir - a.ir) / (b.events - a.events)
                current[name] = per
                anyMeasured = true
                counts.append("\(name) \(Fmt.int(a.events)) / \(Fmt.int(b.events)) events at repeat \(k1) / \(k2)")
                if let prev = previous[name]?["instructions_per_event"] as? Double, prev > 0 {
                    anyPrevious = true
                    let r = per / prev
                    if r > Self.tolerance { allOK = false }
                    measured.append("\(name) \(Fmt.count(per)) instr/event")
                    baselines.append("\(name) \(Fmt.count(prev))\((previous[name]?["commit"] as? String).flatMap { $0.isEmpty ? nil : " (\($0))" } ?? "")")
                    ratios.append("\(name) \(Fmt.ratio(r))")
                } else {
                    measured.append("\(name) \(Fmt.count(per)) instr/event")
                    baselines.append("\(name): no previous figure")
                }
            } catch {
                measured.append("\(name): callgrind failed: \(error)")
                allOK = false
            }
        }
        row.measured = measured.joined(separator: "; ")
        row.baseline = baselines.isEmpty ? "-" : "previous (bench/instructions.json): " + baselines.joined(separator: "; ")
        row.ratio = ratios.isEmpty ? "-" : ratios.joined(separator: ", ") + " of previous"
        row.loss = counts.isEmpty ? "-" : counts.joined(separator: "; ")
        row.met = anyMeasured && anyPrevious ? allOK : nil
        if !anyMeasured { row.verdictText = "not available" }
        if ProcessInfo.processInfo.environment["BENCH_UPDATE_INSTRUCTIONS"] == "1", !current.isEmpty {
            save(current, previous: previous)
            row.notes.append("bench/instructions.json updated with these figures (BENCH_UPDATE_INSTRUCTIONS=1)")
        }
        return row
    }

    /// Total instructions (Ir) of one run under callgrind, and the events it reported.
    func callgrind(_ valgrind: String, name: String, records: String, repeat k: Int, exe: String?) throws -> (ir: Double, events: Double) {
        let out = env.runDir + "/callgrind-\(name)-\(k).out"
        let (exe, args) = command(path: name, records: records, repeat: k, exe: exe)
        let r = runCommand(valgrind, ["--tool=callgrind", "--callgrind-out-file=" + out, exe] + args)
        if r.error.contains("VALGRIND INTERNAL ERROR") {
            let fault = r.error.split(separator: "\n").first { $0.contains("Faulting address") }.map { String($0.drop { $0 != "s" }) } ?? ""
            let at = r.error.split(separator: "\n").first { $0.contains("_dispatch_") || $0.contains("(below main)") }.map { String($0.split(separator: ":", maxSplits: 1).last ?? "") } ?? ""
            throw BenchError("valgrind itself crashed running this binary (VALGRIND INTERNAL ERROR, SIGSEGV; \(fault.prefix(60)); client thread 1 in\(at.prefix(80))), before codec-bench printed anything; see \(env.runDir)")
        }
        guard r.status == 0, let events = keyValue(r.output, "events") else {
            throw BenchError("exit \(r.status): \(r.error.split(separator: "\n").suffix(3).joined(separator: " ").prefix(200))")
        }
        guard let text = try? String(contentsOfFile: out, encoding: .utf8) else { throw BenchError("no callgrind output") }
        for line in text.split(separator: "\n") where line.hasPrefix("summary:") || line.hasPrefix("totals:") {
            if let v = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) { return (v, events) }
        }
        throw BenchError("no totals in \(out)")
    }

    func loadPrevious() -> [String: [String: Any]] {
        guard let data = FileManager.default.contents(atPath: jsonPath),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return obj.compactMapValues { $0 as? [String: Any] }
    }

    func save(_ current: [String: Double], previous: [String: [String: Any]]) {
        var obj: [String: Any] = previous
        let commit = runCommand("/usr/bin/git", ["-C", env.root, "rev-parse", "--short", "HEAD"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let date = ISO8601DateFormatter().string(from: Date())
        for (name, per) in current {
            obj[name] = ["instructions_per_event": (per * 10).rounded() / 10, "commit": commit, "measured_at": date,
                         "records": Self.paths.first { $0.name == name }?.records ?? ""]
        }
        if let data = try? JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) {
            try? data.write(to: URL(fileURLWithPath: jsonPath))
        }
    }
}
