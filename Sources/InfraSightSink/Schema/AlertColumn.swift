import InfraSightClickHouse
import InfraSightCore

/// One column of the `alerts` table: its name, its type per flavor, and how a decoded alert writes its
/// value in RowBinary, so the alerts table's DDL and rows come from one definition like the event
/// tables' (`ColumnSpec` reads events in place; alerts are few and are decoded first).
public struct AlertColumn: TableColumn {
    public let name: String
    public let legacyType: String
    public let modernType: String
    public let encode: @Sendable (inout RowBinaryWriter, AlertRecord, SchemaFlavor) -> Void

    public init(_ name: String, _ legacyType: String, modern: String? = nil,
                encode: @escaping @Sendable (inout RowBinaryWriter, AlertRecord, SchemaFlavor) -> Void) {
        self.name = name
        self.legacyType = legacyType
        self.modernType = modern ?? legacyType
        self.encode = encode
    }
}
