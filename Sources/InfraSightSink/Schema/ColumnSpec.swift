import InfraSightClickHouse
import InfraSightCore

/// One column of an event table: its name, its type per flavor, and how an event writes its value in
/// RowBinary. DDL and row encoding both come from this single definition, so they cannot drift.
/// The value is read from an `EventView` (the message's bytes in place): strings go from the message
/// straight into the row, with no decoded `Event` and no `String` in between.
public struct ColumnSpec: TableColumn {
    public let name: String
    public let legacyType: String
    public let modernType: String
    public let encode: @Sendable (inout RowBinaryWriter, EventView, SchemaFlavor) -> Void

    public init(_ name: String, _ legacyType: String, modern: String? = nil,
                encode: @escaping @Sendable (inout RowBinaryWriter, EventView, SchemaFlavor) -> Void) {
        self.name = name
        self.legacyType = legacyType
        self.modernType = modern ?? legacyType
        self.encode = encode
    }
}
