import Foundation

/// Text of one `infrasight top` refresh: a title line and aligned columns (`-` where a stage has no such
/// value). On a terminal each frame first clears the screen; otherwise frames follow each other as plain
/// text, separated by a blank line, for scripts and logs.
public enum TopTable {
    public static let columns = ["STAGE", "PROBE", "IN/s", "OUT/s", "LAG", "LOST", "DROPPED", "DLQ", "THROTTLED", "INST"]
    /// Cursor home + clear screen.
    public static let clearScreen = "\u{1B}[H\u{1B}[2J"

    public static func cells(_ row: TopRow) -> [String] {
        func rate(_ v: Double?) -> String { v.map { String(format: "%.1f", $0) } ?? "-" }
        func count(_ v: UInt64?) -> String { v.map(String.init) ?? "-" }
        return [row.stage, row.probe, rate(row.inPerSecond), rate(row.outPerSecond), count(row.lag), count(row.lost),
                count(row.dropped), count(row.deadLettered), count(row.throttled), row.instances.map(String.init) ?? "-"]
    }

    /// The table: names left-aligned, numbers right-aligned, two spaces between columns.
    public static func render(_ rows: [TopRow]) -> String {
        let table = [columns] + rows.map(cells)
        var widths = columns.map(\.count)
        for line in table { for (i, c) in line.enumerated() { widths[i] = max(widths[i], c.count) } }
        return table.map { line in
            line.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return i < 2 ? c + pad : pad + c
            }.joined(separator: "  ").replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }

    /// A whole frame: title, table, and the screen clearing on a terminal.
    public static func frame(title: String, rows: [TopRow], terminal: Bool) -> String {
        let body = title + "\n" + render(rows) + "\n"
        return terminal ? clearScreen + body : body + "\n"
    }
}
