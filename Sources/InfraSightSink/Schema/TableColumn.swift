/// A column of a table the sink creates: its name and its type per flavor. The event tables' `ColumnSpec`
/// and the alerts table's `AlertColumn` both are one, so the DDL is built the same way for both
/// (`ReplacingTableDDL`) while each keeps the row encoder that fits what it reads.
public protocol TableColumn: Sendable {
    var name: String { get }
    var legacyType: String { get }
    var modernType: String { get }
}

extension TableColumn {
    public func type(for flavor: SchemaFlavor) -> String {
        flavor == .legacy ? legacyType : modernType
    }
}
