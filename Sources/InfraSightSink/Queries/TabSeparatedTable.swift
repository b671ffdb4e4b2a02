/// Parses ClickHouse `TabSeparatedWithNames` output and renders it as an aligned text table.
public struct TabSeparatedTable: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[String]]

    public init(columns: [String], rows: [[String]]) {
        self.columns = columns
        self.rows = rows
    }

    /// Parses the output, undoing TabSeparated escapes (\t \n \\ \' \0 …).
    public init(parsing text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let parsed = lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map { Self.unescape(String($0)) } }
        columns = parsed.first ?? []
        rows = Array(parsed.dropFirst())
    }

    static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var out = ""
        var escaping = false
        for ch in field {
            if escaping {
                switch ch {
                case "t": out.append("\t")
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "0": out.append("\0")
                case "b": out.append("\u{8}")
                case "f": out.append("\u{c}")
                default: out.append(ch)
                }
                escaping = false
            } else if ch == "\\" {
                escaping = true
            } else {
                out.append(ch)
            }
        }
        return out
    }

    /// Aligned columns, cells cut at `maxWidth` characters, control characters shown as spaces.
    public func rendered(maxWidth: Int = 60) -> String {
        func clean(_ s: String) -> String {
            let flat = String(s.map { $0.isNewline || $0 == "\t" ? " " : $0 })
            return flat.count > maxWidth ? String(flat.prefix(maxWidth - 1)) + "…" : flat
        }
        let cells = [columns.map(clean)] + rows.map { $0.map(clean) }
        var widths = [Int](repeating: 0, count: columns.count)
        for row in cells { for (i, c) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        var lines: [String] = []
        for (n, row) in cells.enumerated() {
            lines.append(row.enumerated().map { i, c in
                i == row.count - 1 ? c : c + String(repeating: " ", count: max(0, (i < widths.count ? widths[i] : 0) - c.count))
            }.joined(separator: "  "))
            if n == 0 { lines.append(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")) }
        }
        lines.append("(\(rows.count) row\(rows.count == 1 ? "" : "s"))")
        return lines.joined(separator: "\n")
    }
}
