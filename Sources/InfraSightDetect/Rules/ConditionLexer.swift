/// The tokens of a condition: `proc.name in (bash, sh) and not fd.name startswith "/tmp/"`.
struct ConditionToken: Equatable {
    enum Kind: Equatable {
        case word          // a field, macro, list, keyword or bare value
        case quoted        // a value in single or double quotes (never a list or macro name)
        case symbol        // = == != < <= > >=
        case open, close, comma
    }
    var kind: Kind
    var text: String
    /// 1-based column in the condition.
    var column: Int
}

/// Splits a condition into tokens. A bare word runs until whitespace, a parenthesis, a comma, a quote or
/// a comparison symbol, so paths and globs (`/etc/*`, `~/.ssh`) need no quotes.
enum ConditionLexer {
    static func tokens(_ text: String) throws(ConditionError) -> [ConditionToken] {
        let chars = Array(text.unicodeScalars)
        var out: [ConditionToken] = []
        var i = 0
        func isBreak(_ c: Unicode.Scalar) -> Bool {
            c.properties.isWhitespace || "(),=<>!\"'".unicodeScalars.contains(c)
        }
        while i < chars.count {
            let c = chars[i]
            let column = i + 1
            if c.properties.isWhitespace { i += 1; continue }
            switch c {
            case "(": out.append(.init(kind: .open, text: "(", column: column)); i += 1
            case ")": out.append(.init(kind: .close, text: ")", column: column)); i += 1
            case ",": out.append(.init(kind: .comma, text: ",", column: column)); i += 1
            case "=", "<", ">", "!":
                var symbol = String(c)
                if i + 1 < chars.count, chars[i + 1] == "=" { symbol.append("="); i += 1 }
                i += 1
                guard symbol != "!" else { throw ConditionError(column: column, message: "'!' must be followed by '=' (use 'not' to negate)") }
                out.append(.init(kind: .symbol, text: symbol == "==" ? "=" : symbol, column: column))
            case "\"", "'":
                var value = ""
                i += 1
                var closed = false
                while i < chars.count {
                    if chars[i] == c { closed = true; i += 1; break }
                    if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                    value.unicodeScalars.append(chars[i])
                    i += 1
                }
                guard closed else { throw ConditionError(column: column, message: "unterminated quoted value") }
                out.append(.init(kind: .quoted, text: value, column: column))
            default:
                var word = ""
                while i < chars.count, !isBreak(chars[i]) {
                    word.unicodeScalars.append(chars[i])
                    i += 1
                }
                out.append(.init(kind: .word, text: word, column: column))
            }
        }
        return out
    }
}
