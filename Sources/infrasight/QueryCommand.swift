import InfraSightCore
import ArgumentParser
import Foundation
import InfraSightClickHouse
import InfraSightSink

/// `infrasight query`: named, tested queries (or your own read-only SQL) as a table, JSON or CSV.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run a named query or read-only SQL against ClickHouse.",
        discussion: "Presets:\n" + QueryPresets.all.map { "  \($0.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n"))

    enum OutputFormat: String, ExpressibleByArgument { case table, json, csv }

    @OptionGroup var clickhouse: ClickHouseOptions
    @Argument(help: "Preset name (see below); omit with --sql.") var preset: String?
    @Option(name: .long, help: "Your own SQL, run with readonly=1.") var sql: String?
    @Option(name: .long, help: "Time window in minutes.") var since: Int = 60
    @Option(name: .long, help: "At most this many rows.") var limit: Int = 50
    @Option(name: .long, help: "Only this host.") var host: String?
    @Option(name: .long, help: "alerts: only this rule.") var rule: String?
    @Option(name: .long, help: ArgumentHelp("alerts: only this severity or a more severe one.",
                                            discussion: "Falco's priorities, most severe first: \(AlertSeverity.names).",
                                            valueName: "severity"))
    var severity: String?
    @Option(name: .long, help: "table, json (one object per line) or csv.") var format: OutputFormat = .table
    @Flag(name: .long, help: "Print the SQL instead of running it.") var printSQL = false

    func run() throws {
        let base: String
        if let sql {
            base = sql.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: ";"))
        } else if let name = preset, let p = QueryPresets.named(name) {
            if !p.takesAlertFilters, rule != nil || severity != nil {
                throw ValidationError("--rule and --severity apply to `query alerts` only")
            }
            var minimumSeverity: AlertSeverity?
            if let severity {
                guard let s = AlertSeverity(rawValue: severity) else {
                    throw ValidationError("--severity must be one of \(AlertSeverity.names)")
                }
                minimumSeverity = s
            }
            base = p.sql(database: clickhouse.database, filter: QueryFilter(sinceMinutes: since, limit: limit, host: host,
                                                                             rule: rule, minimumSeverity: minimumSeverity))
        } else {
            throw ValidationError("name a preset (\(QueryPresets.all.map(\.name).joined(separator: ", "))) or pass --sql")
        }
        if printSQL { print(base); return }
        let client = try ClickHouseClient(endpoint: try clickhouse.endpoint())
        let suffix: String
        switch format {
        case .table: suffix = "TabSeparatedWithNames"
        case .json: suffix = "JSONEachRow"
        case .csv: suffix = "CSVWithNames"
        }
        let out: String
        do {
            out = try client.query("\(base)\nFORMAT \(suffix)", settings: ["readonly": "1"])
        } catch {
            throw ValidationError("query failed: \(error)\nIs the schema applied (`infrasight schema status`)?")
        }
        print(format == .table ? TabSeparatedTable(parsing: out).rendered() : out, terminator: format == .table ? "\n" : "")
    }
}
