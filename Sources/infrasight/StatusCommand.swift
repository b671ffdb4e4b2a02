import ArgumentParser
import Foundation
import InfraSightClickHouse
import InfraSightCore
import InfraSightKafka
import InfraSightSink

/// `infrasight status`: one screen of health — broker, topics, ClickHouse, schema, recent events, the stages
/// reporting, recent alerts, loss and lag.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "One-screen health check of the broker, topics, ClickHouse, schema, stages, alerts, loss and lag.")

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var clickhouse: ClickHouseOptions
    @Option(name: .long, help: "Window for recent events and loss, in minutes.") var since: Int = 5

    func run() throws {
        var problems = 0
        func line(_ label: String, _ text: String) { print(label.padding(toLength: 11, withPad: " ", startingAt: 0) + text) }

        let config = try kafka.clientConfig(clientId: "infrasight-status")
        do {
            let topics = try KafkaAdmin.listTopics(config: config, timeoutMs: 5000)
            let wanted = TopicCatalog.all().map(\.name)
            let missing = wanted.filter { topics[$0] == nil }
            line("broker", "\(config.brokers): ok, \(topics.count) topics")
            if missing.isEmpty {
                line("topics", "all \(wanted.count) InfraSight topics present")
            } else {
                problems += 1
                line("topics", "MISSING \(missing.joined(separator: ", ")) — run `infrasight topics create`")
            }
        } catch {
            problems += 1
            line("broker", "\(config.brokers): UNREACHABLE (\(error)) — is the broker running and --brokers right?")
        }

        let endpoint = try clickhouse.endpoint()
        let db = clickhouse.database
        do {
            let client = try ClickHouseClient(endpoint: endpoint, timeoutSeconds: 10)
            let status = try SchemaManager(client: client, database: db).status()
            line("clickhouse", "\(endpoint.baseURL): ok, ClickHouse \(status.serverVersion) (\(status.flavor.rawValue) schema)")
            if status.isCurrent {
                line("schema", "version \(status.appliedVersions.last ?? 0) of \(status.latestVersion): current")
                let window = "time >= now() - INTERVAL \(max(1, since)) MINUTE"
                var counts: [String] = []
                for table in EventTables.all {
                    let n = try client.query("SELECT count() FROM \(db).\(table.name) WHERE \(window) FORMAT TabSeparated")
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    counts.append("\(table.name) \(n)")
                }
                line("events", "last \(since) min: " + counts.joined(separator: ", "))
                line("stages", try stages(client, db: db, window: window))
                line("alerts", try alerts(client, db: db, window: window))
                let loss = try client.query("""
                    SELECT stage, counter, max(value) - min(value) FROM \(db).pipeline_stats
                    WHERE \(window) AND (counter LIKE 'lost%' OR counter LIKE 'dropped%' OR counter LIKE 'dead_lettered%' OR counter = 'lag')
                    GROUP BY stage, counter HAVING max(value) > 0 ORDER BY stage, counter FORMAT TabSeparated
                    """).split(separator: "\n").map { $0.replacingOccurrences(of: "\t", with: " ") }
                line("loss/lag", loss.isEmpty ? "none reported in the last \(since) min" : loss.joined(separator: "; "))
            } else {
                problems += 1
                line("schema", "at \(status.appliedVersions.last ?? 0), need \(status.latestVersion) — run `infrasight schema apply`")
            }
        } catch {
            problems += 1
            line("clickhouse", "\(endpoint.baseURL): UNREACHABLE (\(error)) — is ClickHouse running and --clickhouse right?")
        }
        if problems > 0 { throw ExitCode(1) }
    }

    /// Every stage with stats records in the window (detect too, once it runs), in pipeline order, with
    /// how many instances reported.
    func stages(_ client: ClickHouseClient, db: String, window: String) throws -> String {
        var instances: [String: String] = [:]
        for row in try client.query("SELECT stage, uniqExact(instance) FROM \(db).pipeline_stats WHERE \(window) GROUP BY stage FORMAT TabSeparated")
            .split(separator: "\n") {
            let cells = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if cells.count == 2 { instances[cells[0]] = cells[1] }
        }
        guard !instances.isEmpty else { return "no stats records in the last \(since) min" }
        return "last \(since) min: " + PipelineStages.ordered(instances.keys).map { "\($0) \(instances[$0]!)" }.joined(separator: ", ")
            + " (instances reporting)"
    }

    /// Alerts in the window (one per alert_id), most severe first.
    func alerts(_ client: ClickHouseClient, db: String, window: String) throws -> String {
        var bySeverity: [(severity: String, count: Int)] = []
        for row in try client.query("SELECT severity, count() FROM \(db).\(AlertsTable.dedupView) WHERE \(window) GROUP BY severity FORMAT TabSeparated")
            .split(separator: "\n") {
            let cells = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if cells.count == 2, let n = Int(cells[1]) { bySeverity.append((cells[0], n)) }
        }
        guard !bySeverity.isEmpty else { return "none in the last \(since) min" }
        bySeverity.sort { (AlertSeverity(rawValue: $0.severity)?.rank ?? 99, $0.severity) < (AlertSeverity(rawValue: $1.severity)?.rank ?? 99, $1.severity) }
        return "last \(since) min: \(bySeverity.map(\.count).reduce(0, +)) ("
            + bySeverity.map { "\($0.severity) \($0.count)" }.joined(separator: ", ") + ")"
    }
}
