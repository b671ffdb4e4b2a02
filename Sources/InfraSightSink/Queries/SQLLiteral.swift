/// Renders values as ClickHouse SQL literals. ClickHouse 18.16 has no query parameters, so values that
/// come from users are never spliced as text: strings are quoted with every special byte escaped, and
/// numbers are rendered from integers.
public enum SQLLiteral {
    /// `'…'` with backslash, quote and control characters escaped.
    public static func string(_ s: String) -> String {
        var out = "'"
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "'"
    }

    public static func int(_ n: Int) -> String { String(n) }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
