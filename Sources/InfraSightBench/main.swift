import Foundation

// infrasight-bench: `make bench` (see BENCHMARKS.md). `infrasight-bench [ROOT]` runs every row
// against real parts and prints one table; `infrasight-bench storm SECONDS RATE PATH [MARKER_DIR EVERY]`
// is the openat generator it runs as a child process.
setvbuf(stdout, nil, _IOLBF, 0)
let args = CommandLine.arguments
if args.count >= 4, args[1] == "storm" {
    Storm.run(seconds: Double(args[2]) ?? 10, rate: Double(args[3]) ?? 0, path: args[4],
              markerDir: args.count > 5 ? args[5] : nil, markerEvery: args.count > 6 ? Int(args[6]) ?? 0 : 0)
}

let root = args.count > 1 ? args[1] : FileManager.default.currentDirectoryPath
let window = Double(ProcessInfo.processInfo.environment["BENCH_WINDOW_SECONDS"] ?? "") ?? 10
let runDir = root + "/bench/run-" + String(Int(Date().timeIntervalSince1970))
try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
let selfExe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? args[0]
let env = BenchEnvironment(root: root, runDir: runDir, selfExe: selfExe)
let stack = Stack(env: env)
let stages = Stages(env: env, stack: stack)
let tag = String(getpid())
var rows: [RowResult] = []
func say(_ s: String) { print("[bench \(DateFormatter.localizedString(from: Date(), dateStyle: .none, timeStyle: .medium))] \(s)") }
func failed(_ n: String, _ what: String, _ error: Error) -> RowResult {
    RowResult(number: n, what: what, measured: "did not run: \(error)", baseline: "-", ratio: "-", target: "-", loss: "-", met: false)
}

do {
    say("logs and state in \(runDir)")
    try stack.start()
    say("broker \(stack.brokers), ClickHouse \(stack.clickhouseURL)")

    say("row 1: capture")
    do { rows.append(try CaptureRow(env: env, stages: stages, window: window).run()) } catch { rows.append(failed("1", "capture", error)) }

    say("row 2: agent -> Kafka")
    let kafka = KafkaRow(env: env, stack: stack, stages: stages, window: window)
    var row2: RowResult
    var produced = 0.0, agentRate = 0.0
    do { let o = try kafka.runAgent(); row2 = o.row; produced = o.produced; agentRate = o.rate } catch { row2 = failed("2", "agent -> Kafka", error) }

    say("row 3: enrich (\(Int(produced)) events)")
    let dump = runDir + "/payloads.bin"
    var enriched = 0.0
    do {
        let (r, n) = try EnrichRow(env: env, stack: stack, stages: stages, group: "bench-enrich-\(tag)").run(expect: produced, dump: dump)
        enriched = n
        say("row 2 baseline: raw librdkafka producer")
        kafka.addBaseline(to: &row2, agentRate: agentRate, payloads: dump, count: min(max(produced, 100_000), 2_000_000))
        rows.append(row2)
        rows.append(r)
    } catch { rows.append(row2); rows.append(failed("3", "enrich", error)) }

    say("row 4: sink (\(Int(enriched)) events)")
    do { rows.append(try SinkRow(env: env, stack: stack, stages: stages, group: "bench-sink-\(tag)").run(expect: enriched)) } catch { rows.append(failed("4", "sink", error)) }

    say("rows 5 and 6: end to end and memory")
    do {
        rows += try EndToEndRow(env: env, stack: stack, stages: stages, enrichGroup: "bench-enrich-\(tag)", sinkGroup: "bench-sink-\(tag)",
                                window: window, rates: [1_000, 20_000, 100_000]).run()
    } catch { rows.append(failed("5", "end to end", error)) }
} catch {
    say("setup failed: \(error)")
}
stack.stop()
// ClickHouse's data and the captured payloads are hundreds of MB per run; logs stay (BENCH_KEEP=1 keeps all).
if ProcessInfo.processInfo.environment["BENCH_KEEP"] == nil {
    try? FileManager.default.removeItem(atPath: stack.clickhouseDir + "/data")
    try? FileManager.default.removeItem(atPath: runDir + "/payloads.bin")
}

rows.sort { $0.number < $1.number }
let table = Table.render(rows, machine: Table.machine(env: env))
print("\n" + table)
try? table.write(toFile: root + "/bench/last-run.md", atomically: true, encoding: .utf8)
try? table.write(toFile: runDir + "/table.md", atomically: true, encoding: .utf8)
print("(written to bench/last-run.md; logs in \(runDir))")
