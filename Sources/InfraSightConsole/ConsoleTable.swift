import InfraSightSink

/// One query result as the JSON API returns it: column names and rows of text cells.
///
/// Every cell is a string (ClickHouse `TabSeparatedWithNames`, unescaped); the page renders them with
/// `textContent`, so nothing in a cell is ever interpreted as markup.
public struct ConsoleTable: Codable, Equatable, Sendable {
    public var columns: [String]
    public var rows: [[String]]

    public init(columns: [String], rows: [[String]]) {
        self.columns = columns
        self.rows = rows
    }

    /// Parses ClickHouse `TabSeparatedWithNames` output. When the answer is empty (no rows, and
    /// ClickHouse 18.16 then omits even the header), `columns` are used.
    public init(tabSeparatedWithNames text: String, columns fallback: [String]) {
        let parsed = TabSeparatedTable(parsing: text)
        columns = parsed.columns.isEmpty ? fallback : parsed.columns
        rows = parsed.rows
    }

    /// No rows.
    public static func empty(_ columns: [String]) -> ConsoleTable { ConsoleTable(columns: columns, rows: []) }

    /// The cells of column `name` (empty when there is no such column).
    public func column(_ name: String) -> [String] {
        guard let i = columns.firstIndex(of: name) else { return [] }
        return rows.map { i < $0.count ? $0[i] : "" }
    }
}
