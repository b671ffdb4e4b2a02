/// Parses a condition: `or` binds looser than `and`, `and` looser than `not`; parentheses group.
///
///     condition  := or
///     or         := and ("or" and)*
///     and        := not ("and" not)*
///     not        := "not" not | "(" or ")" | name [operator value | operator "(" value ("," value)* ")" | "exists"]
struct ConditionParser {
    private let tokens: [ConditionToken]
    private var at = 0
    private let length: Int

    static func parse(_ text: String) throws(ConditionError) -> ConditionSyntax {
        var parser = ConditionParser(tokens: try ConditionLexer.tokens(text), length: text.unicodeScalars.count)
        guard !parser.tokens.isEmpty else { throw ConditionError(column: 1, message: "empty condition") }
        let result = try parser.parseOr()
        if let extra = parser.peek {
            throw ConditionError(column: extra.column, message: "unexpected '\(extra.text)' (missing 'and' or 'or'?)")
        }
        return result
    }

    private init(tokens: [ConditionToken], length: Int) {
        self.tokens = tokens
        self.length = length
    }

    private var peek: ConditionToken? { at < tokens.count ? tokens[at] : nil }
    private var endColumn: Int { length + 1 }

    private func isKeyword(_ token: ConditionToken?, _ word: String) -> Bool {
        token?.kind == .word && token?.text == word
    }

    private mutating func parseOr() throws(ConditionError) -> ConditionSyntax {
        var parts = [try parseAnd()]
        while isKeyword(peek, "or") {
            at += 1
            parts.append(try parseAnd())
        }
        return parts.count == 1 ? parts[0] : .or(parts)
    }

    private mutating func parseAnd() throws(ConditionError) -> ConditionSyntax {
        var parts = [try parseNot()]
        while isKeyword(peek, "and") {
            at += 1
            parts.append(try parseNot())
        }
        return parts.count == 1 ? parts[0] : .and(parts)
    }

    private mutating func parseNot() throws(ConditionError) -> ConditionSyntax {
        guard let token = peek else { throw ConditionError(column: endColumn, message: "condition ends where a test was expected") }
        if isKeyword(token, "not") {
            at += 1
            return .not(try parseNot())
        }
        if token.kind == .open {
            at += 1
            let inner = try parseOr()
            guard let close = peek, close.kind == .close else {
                throw ConditionError(column: peek?.column ?? endColumn, message: "missing ')' for the '(' at column \(token.column)")
            }
            _ = close
            at += 1
            return inner
        }
        guard token.kind == .word, !["and", "or"].contains(token.text) else {
            throw ConditionError(column: token.column, message: "expected a field or macro name, found '\(token.text)'")
        }
        at += 1
        guard let opToken = peek, let op = Self.comparison(opToken) else {
            return .reference(name: token.text, column: token.column)
        }
        at += 1
        if op == .exists {
            return .comparison(field: token.text, op: op, values: [], column: token.column)
        }
        if op.takesList {
            guard let open = peek, open.kind == .open else {
                throw ConditionError(column: peek?.column ?? endColumn, message: "'\(op.rawValue)' takes a list in parentheses: \(token.text) \(op.rawValue) (a, b)")
            }
            at += 1
            var values: [ConditionValue] = []
            while true {
                guard let item = peek else { throw ConditionError(column: endColumn, message: "missing ')' for the list at column \(open.column)") }
                if item.kind == .close, values.isEmpty { at += 1; break }
                guard item.kind == .word || item.kind == .quoted else {
                    throw ConditionError(column: item.column, message: "expected a list item, found '\(item.text)'")
                }
                values.append(ConditionValue(text: item.text, quoted: item.kind == .quoted, column: item.column))
                at += 1
                guard let next = peek else { throw ConditionError(column: endColumn, message: "missing ')' for the list at column \(open.column)") }
                at += 1
                if next.kind == .close { break }
                guard next.kind == .comma else { throw ConditionError(column: next.column, message: "expected ',' or ')' in the list, found '\(next.text)'") }
            }
            return .comparison(field: token.text, op: op, values: values, column: token.column)
        }
        guard let value = peek, value.kind == .word || value.kind == .quoted else {
            throw ConditionError(column: peek?.column ?? endColumn, message: "'\(token.text) \(op.rawValue)' needs a value")
        }
        at += 1
        return .comparison(field: token.text, op: op,
                           values: [ConditionValue(text: value.text, quoted: value.kind == .quoted, column: value.column)],
                           column: token.column)
    }

    private static func comparison(_ token: ConditionToken) -> ComparisonOperator? {
        switch token.kind {
        case .symbol: return ComparisonOperator(rawValue: token.text)
        case .word: return ComparisonOperator.words[token.text]
        default: return nil
        }
    }
}
