/// A rule's `output` with its `%field` references looked up once: rendered only when the rule fires.
struct OutputTemplate {
    enum Piece {
        case literal(String)
        case field(EventField)
    }
    let pieces: [Piece]

    /// Parses `text`; a `%name` that is not a field throws the name. `%%` is a literal percent sign.
    static func parse(_ text: String) throws(ConditionError) -> OutputTemplate {
        var pieces: [Piece] = []
        var literal = ""
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            guard c == "%" else { literal.append(c); i += 1; continue }
            if i + 1 < chars.count, chars[i + 1] == "%" { literal.append("%"); i += 2; continue }
            var name = ""
            var j = i + 1
            while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" || chars[j] == "." {
                name.append(chars[j]); j += 1
            }
            while name.hasSuffix(".") { name.removeLast(); j -= 1 }   // "… %fd.name." ends a sentence
            guard let field = EventFields.byName[name] else {
                throw ConditionError(column: i + 1, message: name.isEmpty ? "'%' without a field name (write %% for a percent sign)" : "unknown field '%\(name)'")
            }
            if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
            pieces.append(.field(field))
            i = j
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return OutputTemplate(pieces: pieces)
    }

    func render(_ facts: inout EventFacts) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let s): out += s
            case .field(let f):
                let value = f.render(&facts)
                out += value.isEmpty ? "<NA>" : value
            }
        }
        return out
    }
}
