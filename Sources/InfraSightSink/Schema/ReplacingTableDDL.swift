/// The DDL every table the sink deduplicates shares: ReplacingMergeTree partitioned by day of `time`, an
/// `ingested_at` column, TTL and the non-replicated deduplication window where the server has them, and a
/// `<table>_dedup` view that collapses replays at query time (`FINAL`). The event tables and `alerts` differ
/// only in their columns and their sorting key.
enum ReplacingTableDDL {
    /// CREATE TABLE for the flavor. `retentionDays` becomes a TTL where the server has TTL.
    static func createStatement(qualifiedName: String, columns: [any TableColumn], orderBy: String,
                                flavor: SchemaFlavor, retentionDays: Int) -> String {
        var cols = columns.map { "    \($0.name) \($0.type(for: flavor))" }
        cols.append("    ingested_at DateTime DEFAULT now()")
        var sql = "CREATE TABLE IF NOT EXISTS \(qualifiedName)\n(\n"
        sql += cols.joined(separator: ",\n")
        sql += "\n)\nENGINE = ReplacingMergeTree\nPARTITION BY toYYYYMMDD(time)\nORDER BY (\(orderBy))"
        if flavor == .modern {
            if retentionDays > 0 { sql += "\nTTL toDateTime(time) + INTERVAL \(retentionDays) DAY" }
            sql += "\nSETTINGS index_granularity = 8192, non_replicated_deduplication_window = 10000"
        }
        return sql
    }

    /// A view that collapses re-delivered rows at query time: exact counts without waiting for merges.
    static func dedupViewStatement(database: String, table: String) -> String {
        "CREATE VIEW IF NOT EXISTS \(database).\(table)_dedup AS SELECT * FROM \(database).\(table) FINAL"
    }

    /// `INSERT INTO db.t (c1, c2, …) FORMAT RowBinary`.
    static func insertStatement(qualifiedName: String, columns: [any TableColumn]) -> String {
        "INSERT INTO \(qualifiedName) (\(columns.map(\.name).joined(separator: ", "))) FORMAT RowBinary"
    }
}
