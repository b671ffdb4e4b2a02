import Foundation
import InfraSightClickHouse
import InfraSightCore

/// Where a server's schema stands.
public struct SchemaStatus: Sendable, CustomStringConvertible {
    public var serverVersion: ClickHouseVersion
    public var flavor: SchemaFlavor
    public var database: String
    public var appliedVersions: [Int]
    public var latestVersion: Int
    public var tables: [String]

    public var isCurrent: Bool { appliedVersions.contains(latestVersion) }

    public var description: String {
        let applied = appliedVersions.isEmpty ? "none" : appliedVersions.map(String.init).joined(separator: ",")
        return """
        server:   ClickHouse \(serverVersion) (\(flavor.rawValue) schema)
        database: \(database)
        applied:  \(applied); latest known: \(latestVersion) — \(isCurrent ? "up to date" : "behind: run `infrasight schema apply`")
        tables:   \(tables.isEmpty ? "none" : tables.joined(separator: ", "))
        """
    }
}

/// Applies the versioned schema (idempotent, forward-only) and reports its status.
public final class SchemaManager {
    let client: ClickHouseClient
    public let database: String

    public init(client: ClickHouseClient, database: String = "infrasight") {
        self.client = client
        self.database = database
    }

    public func flavor() throws -> (ClickHouseVersion, SchemaFlavor) {
        let version = try client.serverVersion()
        return (version, SchemaFlavor(version: version))
    }

    /// Creates the database and runs every migration not yet recorded. Returns the versions applied now.
    @discardableResult
    public func apply(retentionDays: Int = 30) throws -> [Int] {
        let (_, flavor) = try flavor()
        try client.execute("CREATE DATABASE IF NOT EXISTS \(database)")
        try client.execute("""
            CREATE TABLE IF NOT EXISTS \(database).schema_migrations
            (version UInt32, description String, flavor String, applied_at DateTime DEFAULT now())
            ENGINE = MergeTree ORDER BY version
            """)
        let done = Set(try appliedVersions())
        var appliedNow: [Int] = []
        for migration in SchemaMigrations.all.sorted(by: { $0.version < $1.version }) where !done.contains(migration.version) {
            for step in migration.steps(database, flavor, retentionDays) {
                switch step {
                case .sql(let statement): try client.execute(statement)
                case .ensureColumns(let table): try addMissingColumns(table, flavor: flavor)
                }
            }
            let desc = migration.description.replacingOccurrences(of: "'", with: "")
            try client.execute("INSERT INTO \(database).schema_migrations (version, description, flavor) VALUES (\(migration.version), '\(desc)', '\(flavor.rawValue)')")
            appliedNow.append(migration.version)
        }
        try reconcileRetention(retentionDays, flavor: flavor)
        return appliedNow
    }

    /// Adds the columns `table` defines and the server's table lacks, each after its predecessor.
    func addMissingColumns(_ table: EventTable, flavor: SchemaFlavor) throws {
        let existing = Set(try client.query("SELECT name FROM system.columns WHERE database = '\(database)' AND table = '\(table.name)' FORMAT TabSeparated")
            .split(separator: "\n").map(String.init))
        var previous: String?
        for column in table.columns {
            if !existing.contains(column.name) {
                let after = previous.map { " AFTER \($0)" } ?? ""
                try client.execute("ALTER TABLE \(table.qualifiedName(database: database)) ADD COLUMN \(column.name) \(column.type(for: flavor))\(after)")
            }
            previous = column.name
        }
    }

    /// On servers with TTL, sets every event table's and the alerts table's TTL to `retentionDays` (re-run on every apply).
    func reconcileRetention(_ retentionDays: Int, flavor: SchemaFlavor) throws {
        guard flavor == .modern, retentionDays > 0 else { return }
        for table in EventTables.all.map({ $0.qualifiedName(database: database) }) + [AlertsTable.qualifiedName(database: database)] {
            try client.execute("ALTER TABLE \(table) MODIFY TTL toDateTime(time) + INTERVAL \(retentionDays) DAY")
        }
    }

    public func appliedVersions() throws -> [Int] {
        let exists = try client.query("EXISTS TABLE \(database).schema_migrations FORMAT TabSeparated")
        guard exists.trimmingCharacters(in: .whitespacesAndNewlines) == "1" else { return [] }
        return try client.query("SELECT DISTINCT version FROM \(database).schema_migrations ORDER BY version FORMAT TabSeparated")
            .split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    public func status() throws -> SchemaStatus {
        let (version, flavor) = try flavor()
        let tables = try client.query("SELECT name FROM system.tables WHERE database = '\(database)' ORDER BY name FORMAT TabSeparated")
            .split(separator: "\n").map(String.init)
        return SchemaStatus(serverVersion: version, flavor: flavor, database: database,
                            appliedVersions: try appliedVersions(), latestVersion: SchemaMigrations.latest, tables: tables)
    }

    /// Fails with an actionable message when the tables the sink writes are missing.
    public func requireCurrent() throws {
        let s = try status()
        guard s.isCurrent else {
            throw SinkError("ClickHouse database \(database) is at schema \(s.appliedVersions.last ?? 0), need \(s.latestVersion): run `infrasight schema apply --clickhouse URL`")
        }
    }
}

/// A sink failure with an actionable message.
public struct SinkError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
