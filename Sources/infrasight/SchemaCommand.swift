import Foundation
import ArgumentParser
import InfraSightClickHouse
import InfraSightSink

/// `infrasight schema`: the ClickHouse schema lifecycle.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema", abstract: "Apply and inspect the ClickHouse schema.",
        subcommands: [Apply.self, Status.self, DDL.self])

    /// `schema apply`: idempotent, versioned, forward-only.
    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or migrate database infrasight (idempotent).")
        @OptionGroup var clickhouse: ClickHouseOptions
        @Option(name: .long, help: "Row TTL in days on servers with TTL (0: keep forever).") var retentionDays: Int = 30
        @Option(name: .long, help: "Keep retrying an unreachable ClickHouse for this many seconds.") var wait: Double = 60

        func run() throws {
            let client = try ClickHouseClient(endpoint: try clickhouse.endpoint())
            try waitFor(client, seconds: wait)
            let manager = SchemaManager(client: client, database: clickhouse.database)
            let applied = try manager.apply(retentionDays: retentionDays)
            print(applied.isEmpty ? "schema already current" : "applied schema versions \(applied.map(String.init).joined(separator: ", "))")
            print(try manager.status())
        }
    }

    /// `schema status`: where a server stands.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the server version, schema flavor and applied versions.")
        @OptionGroup var clickhouse: ClickHouseOptions
        func run() throws {
            let client = try ClickHouseClient(endpoint: try clickhouse.endpoint())
            print(try SchemaManager(client: client, database: clickhouse.database).status())
        }
    }

    /// `schema ddl`: the statements for a flavor, without a server.
    struct DDL: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the DDL for a server generation.")
        @Option(name: .long, help: "legacy (ClickHouse < 20.1) or modern.") var flavor: String = "modern"
        @Option(name: .long) var database: String = "infrasight"
        @Option(name: .long) var retentionDays: Int = 30
        func run() throws {
            guard let f = SchemaFlavor(rawValue: flavor) else { throw ValidationError("--flavor is legacy or modern") }
            for m in SchemaMigrations.all {
                print("-- version \(m.version): \(m.description)")
                for step in m.steps(database, f, retentionDays) {
                    switch step {
                    case .sql(let s): print(s + ";\n")
                    case .ensureColumns(let t):
                        print("-- add every column of \(database).\(t.name) the server lacks: \(t.columns.map(\.name).joined(separator: ", "))\n")
                    }
                }
            }
        }
    }
}

/// Retries until ClickHouse answers or `seconds` pass.
func waitFor(_ client: ClickHouseClient, seconds: Double) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !client.ping() {
        guard Date() < deadline else { _ = try client.serverVersion(); return }
        Thread.sleep(forTimeInterval: 0.5)
    }
}
