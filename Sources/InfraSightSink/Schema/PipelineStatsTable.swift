import InfraSightClickHouse
import InfraSightCore

/// `pipeline_stats`: every stage's counters from `infrasight.stats`, one row per counter per record,
/// so loss, retries and lag are queryable next to the events.
public enum PipelineStatsTable {
    public static let name = "pipeline_stats"

    public static func createStatement(database: String, flavor: SchemaFlavor, retentionDays: Int) -> String {
        let lc = flavor == .modern ? "LowCardinality(String)" : "String"
        var sql = """
            CREATE TABLE IF NOT EXISTS \(database).\(name)
            (
                time DateTime,
                time_ns UInt64,
                stage \(lc),
                instance \(lc),
                host \(lc),
                counter \(lc),
                value UInt64
            )
            ENGINE = ReplacingMergeTree
            PARTITION BY toYYYYMMDD(time)
            ORDER BY (stage, instance, counter, time_ns)
            """
        if flavor == .modern, retentionDays > 0 { sql += "\nTTL time + INTERVAL \(retentionDays) DAY" }
        return sql
    }

    public static func insertStatement(database: String) -> String {
        "INSERT INTO \(database).\(name) (time, time_ns, stage, instance, host, counter, value) FORMAT RowBinary"
    }

    /// One RowBinary row per counter of the record.
    public static func encode(_ record: StatsRecord, into writer: inout RowBinaryWriter) -> Int {
        for (counter, value) in record.counters.sorted(by: { $0.key < $1.key }) {
            writer.dateTime(epochSeconds: UInt32(truncatingIfNeeded: record.timeNs / 1_000_000_000))
            writer.uint64(record.timeNs)
            writer.string(record.stage)
            writer.string(record.instance)
            writer.string(record.host)
            writer.string(counter)
            writer.uint64(value)
        }
        return record.counters.count
    }
}
