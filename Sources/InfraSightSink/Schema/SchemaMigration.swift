/// One forward step of the ClickHouse schema. Versions only grow; each step is idempotent
/// (`IF NOT EXISTS`), so re-applying after a partial failure is safe.
public struct SchemaMigration: Sendable {
    public let version: Int
    public let description: String
    /// The statements for a flavor, database and retention.
    public let statements: @Sendable (_ database: String, _ flavor: SchemaFlavor, _ retentionDays: Int) -> [String]
}

/// The ordered list of every schema version.
public enum SchemaMigrations {
    public static let all: [SchemaMigration] = [
        SchemaMigration(version: 1, description: "exec_events and its dedup view") { db, flavor, retention in
            [EventTables.exec.createStatement(database: db, flavor: flavor, retentionDays: retention),
             EventTables.exec.dedupViewStatement(database: db)]
        },
    ]

    public static var latest: Int { all.map(\.version).max() ?? 0 }
}
