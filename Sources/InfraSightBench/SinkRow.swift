import Foundation

/// Row 5: the sink draining infrasight.events.open into ClickHouse, against `curl --data-binary`
/// of the same rows (exported from the table as RowBinary, the sink's format) into a copy of the table.
struct SinkRow {
    let env: BenchEnvironment
    let stack: Stack
    let stages: Stages
    let group: String
    let drainLimit: Double

    func run(expect: Double) throws -> RowResult {
        let (sink, port) = try stages.sink(group: group)
        let drained = Drain.watch(port: port, counter: "infrasight_sink_inserted_total", expect: expect, idle: 15, limit: drainLimit)
        let m = MetricsScrape.fetch(port: port)
        let rss = residentBytes(pid: sink.pid)
        sink.stop()
        let received = m?.sum("infrasight_sink_received_total") ?? 0
        let dead = m?.sum("infrasight_sink_dead_lettered_total") ?? 0
        let dropped = m?.sum("infrasight_sink_dropped_total") ?? 0
        let stored = Double((try? stack.query("SELECT count() FROM infrasight.file_events").trimmingCharacters(in: .whitespacesAndNewlines)) ?? "") ?? -1

        // Baseline: the same rows, same format (RowBinary), same server, one curl. `-T` streams the file
        // (`--data-binary @file` reads it all into memory first, and fails on a storm's 1.7 GB).
        let file = env.runDir + "/rows.rowbinary"
        let export = runCommand("/usr/bin/curl", ["-sS", "--fail", "-o", file, stack.clickhouseURL + "/",
                                                  "--data-binary", "SELECT * FROM infrasight.file_events FORMAT RowBinary"])
        try stack.query("DROP TABLE IF EXISTS infrasight.bench_copy")
        try stack.query("CREATE TABLE infrasight.bench_copy AS infrasight.file_events")
        let t0 = Date()
        let insert = runCommand("/usr/bin/curl", ["-sS", "--fail", stack.clickhouseURL + "/?query=INSERT%20INTO%20infrasight.bench_copy%20FORMAT%20RowBinary",
                                                  "-X", "POST", "-H", "Expect:", "-T", file])
        let secs = Date().timeIntervalSince(t0)
        let copied = Double((try? stack.query("SELECT count() FROM infrasight.bench_copy").trimmingCharacters(in: .whitespacesAndNewlines)) ?? "") ?? 0
        let rawRate = copied / secs
        let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        var row = RowResult(
            number: "5", what: "sink -> ClickHouse 18.16 (RowBinary over HTTP)",
            measured: "\(Fmt.rate(drained.rate)) inserted (\(Fmt.int(drained.count)) in \(Fmt.secs(drained.seconds))\(drained.cut ? ", stopped at the \(Int(drainLimit)) s limit" : "")); RSS \(Fmt.mb(rss))",
            baseline: "curl -T (streamed POST) \(Fmt.rate(rawRate)) (\(Fmt.int(copied)) rows, \(bytes / 1_048_576) MiB in \(Fmt.secs(secs)))",
            ratio: "\(Fmt.ratio(drained.rate / rawRate)) of curl",
            target: ">= 0.8x curl inserting the same rows",
            loss: "received \(Fmt.int(received)), inserted \(Fmt.int(drained.count)), stored in file_events \(Fmt.int(stored)), dead-lettered \(Fmt.int(dead)), dropped \(Fmt.int(dropped)), not drained \(Fmt.int(max(0, expect - drained.count)))",
            met: export.status == 0 && insert.status == 0 && copied > 0
                && drained.rate >= 0.8 * rawRate && dead == 0 && dropped == 0 && drained.count >= expect)
        if export.status != 0 || insert.status != 0 { row.notes.append("baseline curl failed: \(export.error) \(insert.error)") }
        _ = try? stack.query("DROP TABLE IF EXISTS infrasight.bench_copy")
        try? FileManager.default.removeItem(atPath: file)
        return row
    }
}
