/// Reads ClickHouse single-quoted string literals back out of SQL text, the way ClickHouse's lexer
/// does (backslash escapes, `''` doubling), so tests can check that a value became exactly one literal.
enum SQLLiteralScanner {
    /// Every string literal in `sql`, decoded, in order. Nil when a quote is left open.
    static func literals(in sql: String) -> [String]? {
        let s = Array(sql.unicodeScalars)
        var out: [String] = []
        var i = 0
        while i < s.count {
            guard s[i] == "'" else { i += 1; continue }
            i += 1
            var value = String.UnicodeScalarView()
            var closed = false
            while i < s.count {
                let c = s[i]
                if c == "\\" {
                    guard i + 1 < s.count else { return nil }
                    let e = s[i + 1]
                    switch e {
                    case "n": value.append("\n"); i += 2
                    case "r": value.append("\r"); i += 2
                    case "t": value.append("\t"); i += 2
                    case "0": value.append("\0"); i += 2
                    case "x":
                        guard i + 3 < s.count, let v = UInt32(String(String.UnicodeScalarView([s[i + 2], s[i + 3]])), radix: 16),
                              let scalar = Unicode.Scalar(v) else { return nil }
                        value.append(scalar); i += 4
                    default: value.append(e); i += 2
                    }
                } else if c == "'" {
                    if i + 1 < s.count, s[i + 1] == "'" { value.append("'"); i += 2; continue }
                    i += 1
                    closed = true
                    break
                } else {
                    value.append(c); i += 1
                }
            }
            guard closed else { return nil }
            out.append(String(value))
        }
        return out
    }
}
