import InfraSightClickHouse
import InfraSightCore

/// A ClickHouse table that stores one kind of event, with its DDL for each flavor and its row encoder.
///
/// Tables are ReplacingMergeTree ordered by `(host, time, event_id)`: a re-delivered event has the same
/// key and collapses on merge, and `SELECT … FINAL` (or the `<table>_dedup` view) gives exact counts
/// before merges have run. On modern servers inserts also carry an `insert_deduplication_token`.
public struct EventTable: Sendable {
    public let name: String
    public let probes: [Probe]
    public let columns: [ColumnSpec]

    public init(name: String, probes: [Probe], columns: [ColumnSpec]) {
        self.name = name
        self.probes = probes
        self.columns = columns
    }

    public func qualifiedName(database: String) -> String { "\(database).\(name)" }

    /// CREATE TABLE for the flavor. `retentionDays` becomes a TTL where the server has TTL.
    public func createStatement(database: String, flavor: SchemaFlavor, retentionDays: Int) -> String {
        ReplacingTableDDL.createStatement(qualifiedName: qualifiedName(database: database), columns: columns,
                                          orderBy: "host, time, event_id", flavor: flavor, retentionDays: retentionDays)
    }

    /// A view that collapses re-delivered rows at query time: exact counts without waiting for merges.
    public func dedupViewStatement(database: String) -> String {
        ReplacingTableDDL.dedupViewStatement(database: database, table: name)
    }

    /// `INSERT INTO db.t (c1, c2, …) FORMAT RowBinary`.
    public func insertStatement(database: String) -> String {
        ReplacingTableDDL.insertStatement(qualifiedName: qualifiedName(database: database), columns: columns)
    }

    /// Appends one event, read in place, as a RowBinary row (the sink's per-event path).
    public func encode(_ event: EventView, flavor: SchemaFlavor, into writer: inout RowBinaryWriter) {
        // Through the buffer: each column's closure is called in place (copying a `ColumnSpec` out of the
        // array would retain its three strings per column per row).
        columns.withUnsafeBufferPointer { columns in
            for i in columns.indices { columns[i].encode(&writer, event, flavor) }
        }
    }

    /// Appends a decoded event as a RowBinary row: serializes it and reads it back as a view, so the
    /// bytes are those of the hot path. For tests and tools, not per-event work.
    public func encode(_ event: Event, flavor: SchemaFlavor, into writer: inout RowBinaryWriter) {
        guard let bytes = try? EventCodec.encode(event) else { return }
        bytes.withUnsafeBytes { raw in
            // A serialized message always reads back.
            guard let view = try? EventView(parsing: raw) else { return }
            encode(view, flavor: flavor, into: &writer)
        }
    }
}
