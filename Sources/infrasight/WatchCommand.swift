import ArgumentParser
import Foundation
import InfraSightClickHouse

/// `infrasight watch`: follow the newest stored exec events, straight from ClickHouse.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Print exec events as they land in ClickHouse.")

    @OptionGroup var clickhouse: ClickHouseOptions
    @Option(name: .long, help: "Rows per refresh at most.") var limit: Int = 20
    @Option(name: .long, help: "Seconds between refreshes.") var interval: Double = 1
    @Flag(name: .long, help: "Print once and exit.") var once = false

    func run() throws {
        let client = try ClickHouseClient(endpoint: try clickhouse.endpoint())
        let db = clickhouse.database
        var lastTimeNs: UInt64 = 0
        var seen = Set<String>()
        print("time (UTC)                     host         pid     ppid    user      ret  errno    latency_ms  argv")
        repeat {
            let sql = """
                SELECT event_id, time_ns, formatDateTime(time, '%Y-%m-%d %H:%M:%S'), host, pid, ppid, user, ret, errno_name, latency_ms, arrayStringConcat(argv, ' ')
                FROM \(db).exec_events WHERE time_ns >= \(lastTimeNs)
                ORDER BY time_ns DESC LIMIT \(limit) FORMAT TabSeparated
                """
            do {
                let rows = try client.query(sql).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
                for r in rows.reversed() where r.count == 11 && !seen.contains(r[0]) {
                    seen.insert(r[0])
                    lastTimeNs = max(lastTimeNs, UInt64(r[1]) ?? 0)
                    let line = [r[2].padding(toLength: 30, withPad: " ", startingAt: 0),
                                r[3].padding(toLength: 12, withPad: " ", startingAt: 0),
                                r[4].padding(toLength: 7, withPad: " ", startingAt: 0),
                                r[5].padding(toLength: 7, withPad: " ", startingAt: 0),
                                r[6].padding(toLength: 9, withPad: " ", startingAt: 0),
                                r[7].padding(toLength: 4, withPad: " ", startingAt: 0),
                                r[8].padding(toLength: 8, withPad: " ", startingAt: 0),
                                String(format: "%10.3f", Double(r[9]) ?? 0), " ", String(r[10].prefix(100))]
                    print(line.joined(separator: " "))
                }
                if seen.count > 100_000 { seen.removeAll() }
            } catch {
                FileHandle.standardError.write(Data("ClickHouse query failed: \(error)\n".utf8))
            }
            fflush(stdout)
            if !once { Thread.sleep(forTimeInterval: interval) }
        } while !once
    }
}
