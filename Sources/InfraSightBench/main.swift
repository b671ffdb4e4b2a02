import Foundation

// infrasight-bench: `make bench` (see BENCHMARKS.md). `infrasight-bench [ROOT]` runs every row against
// real parts and prints one table. Subcommands the driver runs as child processes:
//   storm SECONDS RATE PATH [MARKER_DIR EVERY]   the openat generator, time mode
//   storm-count COUNT PATH                        the openat generator, count mode (one forked process)
// and `infrasight-bench record [ROOT]` (make bench-records) re-records bench/records/.
// Environment: BENCH_WINDOW_SECONDS (10), BENCH_ROWS (e.g. "1-5,9"; rows 1-5, 6-8 (with 10) and 9 run as groups),
// BENCH_STORM_COUNT (2000000), BENCH_E2E_LIMIT_SECONDS (150), BENCH_DRAIN_LIMIT_SECONDS (90),
// BENCH_UPDATE_INSTRUCTIONS=1, BENCH_CALLGRIND_REPEATS ("1,3"), BENCH_KEEP=1.
setvbuf(stdout, nil, _IOLBF, 0)
let args = CommandLine.arguments
if args.count >= 4, args[1] == "storm" {
    Storm.run(seconds: Double(args[2]) ?? 10, rate: Double(args[3]) ?? 0, path: args[4],
              markerDir: args.count > 5 ? args[5] : nil, markerEvery: args.count > 6 ? Int(args[6]) ?? 0 : 0)
}
if args.count >= 4, args[1] == "storm-count" {
    Storm.runCount(Int(args[2]) ?? 0, path: args[3])
}
let recordMode = args.count > 1 && args[1] == "record"
let rootArgs = recordMode ? Array(args.dropFirst(2)) : Array(args.dropFirst())

let environment = ProcessInfo.processInfo.environment
let root = rootArgs.first ?? FileManager.default.currentDirectoryPath
let window = Double(environment["BENCH_WINDOW_SECONDS"] ?? "") ?? 10
let stormCount = Int(environment["BENCH_STORM_COUNT"] ?? "") ?? 2_000_000
let e2eLimit = Double(environment["BENCH_E2E_LIMIT_SECONDS"] ?? "") ?? 150
let drainLimit = Double(environment["BENCH_DRAIN_LIMIT_SECONDS"] ?? "") ?? 90
let runDir = root + "/bench/run-" + String(Int(Date().timeIntervalSince1970))
try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
let selfExe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? args[0]
let env = BenchEnvironment(root: root, runDir: runDir, selfExe: selfExe)
let stack = Stack(env: env)
let stages = Stages(env: env, stack: stack)
let tag = String(getpid())
let started = Date()
func say(_ s: String) { print("[bench \(DateFormatter.localizedString(from: Date(), dateStyle: .none, timeStyle: .medium))] \(s)") }
func failed(_ n: String, _ what: String, _ error: Error) -> RowResult {
    RowResult(number: n, what: what, measured: "did not run: \(error)", baseline: "-", ratio: "-", target: "-", loss: "-", met: false)
}

if recordMode {
    do { try Recorder(env: env, stack: stack, stages: stages).run() } catch { say("record failed: \(error)") }
    stack.stop()
    exit(0)
}

/// Which row groups run (BENCH_ROWS): 1-5 and 11 share their measurements, 6-8 are one end-to-end run (row 10,
/// the console on its tables, follows it), 9 is alone.
let selected: Set<Int> = {
    guard let spec = environment["BENCH_ROWS"], !spec.isEmpty else { return Set(1...9).union([11]) }
    var s = Set<Int>()
    for part in spec.split(separator: ",") {
        let ends = part.split(separator: "-").compactMap { Int($0) }
        if ends.count == 2 { s.formUnion(ends[0]...ends[1]) } else if let n = ends.first { s.insert(n) }
    }
    return s
}()
let runPipelineRows = !selected.isDisjoint(with: 1...5) || selected.contains(11)
let runEndToEnd = !selected.isDisjoint(with: 6...8)

var rows: [RowResult] = []
if runPipelineRows || runEndToEnd {
    do {
        say("logs and state in \(runDir)")
        try stack.start()
        say("broker \(stack.brokers), ClickHouse \(stack.clickhouseURL)")
        if runPipelineRows {
            var facts = CaptureFacts()
            say("row 1: capture")
            do { rows.append(try CaptureRow(env: env, stages: stages, window: window).run(facts: &facts)) } catch { rows.append(failed("1", "capture", error)) }

            say("rows 2 and 3: agent -> Kafka")
            let kafka = KafkaRow(env: env, stack: stack, stages: stages, window: window)
            var row3: RowResult
            var produced = 0.0, agentRate = 0.0
            do {
                let o = try kafka.runAgent(facts: facts)
                rows.append(o.slowdown); row3 = o.row; produced = o.produced; agentRate = o.rate
            } catch { rows.append(failed("2", "storm slowdown", error)); row3 = failed("3", "agent -> Kafka", error) }

            say("row 4: enrich (\(Int(produced)) events)")
            let dump = runDir + "/payloads.bin"
            var enriched = 0.0
            do {
                let o = try EnrichRow(env: env, stack: stack, stages: stages, group: "bench-enrich-\(tag)", drainLimit: drainLimit).run(expect: produced, dump: dump)
                enriched = o.enriched
                say("row 3 baseline: raw librdkafka producer")
                let produceRate = kafka.addBaseline(to: &row3, agentRate: agentRate, payloads: dump, count: min(max(produced, 100_000), 2_000_000)).one
                var row4 = o.row
                if produceRate > 0, o.consumeRate > 0 { row4.notes.append(EnrichRow.boundNote(pass: o.passRate, consume: o.consumeRate, produce: produceRate)) }
                rows.append(row3)
                rows.append(row4)
            } catch { rows.append(row3); rows.append(failed("4", "enrich", error)) }

            say("row 5: sink (\(Int(enriched)) events)")
            do { rows.append(try SinkRow(env: env, stack: stack, stages: stages, group: "bench-sink-\(tag)", drainLimit: drainLimit).run(expect: enriched)) } catch { rows.append(failed("5", "sink", error)) }

            say("row 11: detect (\(Int(enriched)) events)")
            do { rows.append(try DetectRow(env: env, stack: stack, stages: stages, group: "bench-detect-\(tag)", drainLimit: drainLimit).run(expect: enriched)) } catch { rows.append(failed("11", "detect", error)) }
        }
        if runEndToEnd {
            say("rows 6-8: end to end (C chain, then the pipeline; \(stormCount)-call storm), fairness, memory")
            do {
                try stack.restartBroker()
                say("fresh broker \(stack.brokers)")
                rows += try EndToEndRow(env: env, stack: stack, stages: stages, tag: tag, window: window, stormCount: stormCount, limit: e2eLimit).run()
            } catch { rows.append(failed("6", "end to end", error)) }
            say("row 10: console views on the end-to-end row's tables")
            do { rows.append(try ConsoleRow(env: env, stack: stack).run()) } catch { rows.append(failed("10", "console views", error)) }
        }
    } catch {
        say("setup failed: \(error)")
        rows.append(failed("0", "setup", error))
    }
    stack.stop()
}
if selected.contains(9) {
    say("row 9: instructions per event (callgrind)")
    rows.append(InstructionsRow(env: env).run())
}
// ClickHouse's data and the captured payloads are hundreds of MB per run; logs stay (BENCH_KEEP=1 keeps all).
if environment["BENCH_KEEP"] == nil {
    try? FileManager.default.removeItem(atPath: stack.clickhouseDir + "/data")
    try? FileManager.default.removeItem(atPath: runDir + "/payloads.bin")
}

rows.sort { (Int($0.number) ?? 0) < (Int($1.number) ?? 0) }
let elapsed = Date().timeIntervalSince(started)
let table = Table.render(rows, machine: Table.machine(env: env) + String(format: "; driver ran %.1f min (BENCH_WINDOW_SECONDS=%g)", elapsed / 60, window))
print("\n" + table)
try? table.write(toFile: root + "/bench/last-run.md", atomically: true, encoding: .utf8)
try? table.write(toFile: runDir + "/table.md", atomically: true, encoding: .utf8)
print("(written to bench/last-run.md; logs in \(runDir))")
