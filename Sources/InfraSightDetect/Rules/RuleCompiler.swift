import Foundation
import InfraSightCore

/// Turns declarations from one or more files into `CompiledRule`s: later files override or append to
/// earlier names (lists, macros, rules), macros and lists are expanded, fields and operators checked,
/// and every condition is built into a predicate once.
struct RuleCompiler {
    private var lists: [String: (items: [String], place: SourcePlace)] = [:]
    private var macros: [String: MacroDeclaration] = [:]
    private var rules: [String: RuleDeclaration] = [:]
    private var ruleOrder: [String] = []

    mutating func add(_ d: RuleDeclarations) throws(RuleError) {
        for list in d.lists {
            if list.append, let old = lists[list.name] {
                lists[list.name] = (old.items + list.items, old.place)
            } else {
                lists[list.name] = (list.items, list.place)
            }
        }
        for macro in d.macros {
            if macro.append, let old = macros[macro.name] {
                var merged = old
                merged.condition = "(\(old.condition)) or (\(macro.condition))"
                macros[macro.name] = merged
            } else {
                macros[macro.name] = macro
            }
        }
        for rule in d.rules {
            guard let old = rules[rule.name] else {
                if rule.append {
                    throw RuleError(file: rule.place.file, line: rule.place.line, item: "rule '\(rule.name)'", field: "append",
                                    message: "appends to a rule that no earlier file defines")
                }
                if rule.condition == nil && rule.sequence == nil && rule.enabled != nil {
                    // A typo in a rule to turn off would otherwise pass silently and leave the rule on.
                    throw RuleError(file: rule.place.file, line: rule.place.line, item: "rule '\(rule.name)'", field: "enabled",
                                    message: "no earlier file defines a rule of this name (\(Self.suggestionText(rule.name, Array(rules.keys))))")
                }
                rules[rule.name] = rule
                ruleOrder.append(rule.name)
                continue
            }
            let onlyToggles = rule.condition == nil && rule.sequence == nil && rule.threshold == nil && rule.output == nil
                && rule.priority == nil && rule.exceptions.isEmpty
            if rule.append {
                var merged = old
                if let c = rule.condition { merged.condition = old.condition.map { "(\($0)) and (\(c))" } ?? c }
                merged.exceptions += rule.exceptions
                merged.tags += rule.tags
                if let e = rule.enabled { merged.enabled = e }
                rules[rule.name] = merged
            } else if onlyToggles {
                var merged = old
                if let e = rule.enabled { merged.enabled = e }
                if !rule.tags.isEmpty { merged.tags = rule.tags }
                rules[rule.name] = merged
            } else {
                rules[rule.name] = rule
            }
        }
    }

    /// The enabled rules, in the order their names first appeared.
    func compile() throws(RuleError) -> [CompiledRule] {
        var out: [CompiledRule] = []
        for name in ruleOrder {
            let rule = rules[name]!
            guard rule.enabled ?? true else { continue }
            out.append(try compile(rule))
        }
        return out
    }

    private func compile(_ rule: RuleDeclaration) throws(RuleError) -> CompiledRule {
        let item = "rule '\(rule.name)'"
        func fail(_ field: String, _ line: Int, _ message: String) -> RuleError {
            RuleError(file: rule.place.file, line: line, item: item, field: field, message: message)
        }
        guard let priorityText = rule.priority else { throw fail("priority", rule.place.line, "is required (\(AlertSeverity.allCases.map(\.rawValue).joined(separator: ", ")))") }
        guard let priority = AlertSeverity(text: priorityText) else {
            throw fail("priority", rule.place.line, "'\(priorityText)' is not one of \(AlertSeverity.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let outputText = rule.output else { throw fail("output", rule.place.line, "is required") }
        let output: OutputTemplate
        do throws(ConditionError) { output = try OutputTemplate.parse(outputText) } catch {
            throw fail("output", rule.outputLine, "column \(error.column): \(error.message)")
        }
        // Exactly one shape: a condition (optionally with a threshold), or a sequence.
        guard (rule.condition != nil) != (rule.sequence != nil), !(rule.sequence != nil && rule.threshold != nil) else {
            throw fail("condition", rule.place.line, "a rule has a condition, or a sequence, or a condition with a threshold")
        }
        let exception = try exceptionPredicate(rule, fail: fail)
        func withExceptions(_ p: @escaping Predicate) -> Predicate {
            guard let exception else { return p }
            return { facts in p(&facts) && !exception(&facts) }
        }

        let kind: CompiledRule.Kind
        let probes: Set<Probe>?
        var gate = RuleGate()   // a sequence's steps each have their own conditions: no common gate
        var probeGates: [Probe: RuleGate] = [:]
        if let sequence = rule.sequence {
            var steps: [Predicate] = []
            var stepProbes: Set<Probe>? = []
            for (i, step) in sequence.steps.enumerated() {
                let (p, pr, _, _) = try condition(step.condition) { e throws(RuleError) in
                    throw fail("sequence.steps[\(i)]", step.line, "column \(e.column): \(e.message)")
                }
                steps.append(i == sequence.steps.count - 1 ? withExceptions(p) : p)
                stepProbes = (stepProbes != nil && pr != nil) ? stepProbes!.union(pr!) : nil
            }
            var same: [EventField] = []
            for name in sequence.same {
                guard let f = EventFields.byName[name] else { throw fail("sequence.same", sequence.line, "unknown field '\(name)'") }
                same.append(f)
            }
            kind = .sequence(steps: steps, withinNs: sequence.withinNs, same: same)
            probes = stepProbes
        } else {
            let (p, pr, g, pg) = try condition(rule.condition!) { e throws(RuleError) in
                throw fail("condition", rule.conditionLine, "column \(e.column): \(e.message)")
            }
            if let t = rule.threshold {
                kind = .threshold(withExceptions(p), count: t.count, withinNs: t.withinNs)
            } else {
                kind = .single(withExceptions(p))
            }
            probes = pr
            gate = g
            probeGates = pg
        }
        return CompiledRule(name: rule.name, version: rule.version ?? 1, priority: priority, tags: rule.tags,
                            description: rule.description, output: output, kind: kind, probes: probes, gate: gate,
                            probeGates: probeGates)
    }

    private func exceptionPredicate(_ rule: RuleDeclaration, fail: (String, Int, String) -> RuleError) throws(RuleError) -> Predicate? {
        var alternatives: [Predicate] = []
        for exception in rule.exceptions {
            for tuple in exception.values {
                var parts: [Predicate] = []
                for (i, fieldName) in exception.fields.enumerated() {
                    guard let op = ComparisonOperator(rawValue: exception.comps[i] == "==" ? "=" : exception.comps[i]) ?? ComparisonOperator.words[exception.comps[i]] else {
                        throw fail("exceptions.comps", exception.line, "exception '\(exception.name)': unknown operator '\(exception.comps[i])'")
                    }
                    let values: [ConditionValue]
                    if op.takesList {
                        values = (lists[tuple[i]]?.items ?? [tuple[i]]).map { ConditionValue(text: $0, quoted: true, column: 1) }
                    } else {
                        values = [ConditionValue(text: tuple[i], quoted: true, column: 1)]
                    }
                    do throws(ConditionError) {
                        parts.append(try comparison(field: fieldName, op: op, values: values, column: 1))
                    } catch {
                        throw fail("exceptions", exception.line, "exception '\(exception.name)': \(error.message)")
                    }
                }
                alternatives.append(Self.all(parts))
            }
        }
        return alternatives.isEmpty ? nil : Self.any(alternatives)
    }

    /// Parses, expands and builds one condition. Errors come back through `fail` with their column.
    private func condition(_ text: String, fail: (ConditionError) throws(RuleError) -> Never) throws(RuleError)
        -> (Predicate, Set<Probe>?, RuleGate, [Probe: RuleGate]) {
        do throws(ConditionError) {
            let syntax = try ConditionParser.parse(text)
            let expanded = try expand(syntax, macroPath: [])
            let gate = RuleGate.of(expanded)
            var probeGates: [Probe: RuleGate] = [:]
            for probe in Probe.allCases {
                let g = RuleGate.of(expanded, for: probe)
                if g != gate { probeGates[probe] = g }
            }
            return (try build(expanded), Self.probes(of: expanded), gate, probeGates)
        } catch {
            try fail(error)
        }
    }

    /// Replaces macro references with their conditions (checking for cycles) and bare true/false fields
    /// with `field = true`.
    private func expand(_ s: ConditionSyntax, macroPath: [String]) throws(ConditionError) -> ConditionSyntax {
        switch s {
        case .and(let parts):
            var out: [ConditionSyntax] = []
            for p in parts { out.append(try expand(p, macroPath: macroPath)) }
            return .and(out)
        case .or(let parts):
            var out: [ConditionSyntax] = []
            for p in parts { out.append(try expand(p, macroPath: macroPath)) }
            return .or(out)
        case .not(let inner):
            return .not(try expand(inner, macroPath: macroPath))
        case .comparison:
            return s
        case .reference(let name, let column):
            if let macro = macros[name] {
                guard !macroPath.contains(name) else {
                    throw ConditionError(column: column, message: "macro '\(name)' refers to itself (\((macroPath + [name]).joined(separator: " → ")))")
                }
                let inner: ConditionSyntax
                do throws(ConditionError) { inner = try ConditionParser.parse(macro.condition) } catch {
                    throw ConditionError(column: column, message: "macro '\(name)' (\(macro.place.file):\(macro.conditionLine)), column \(error.column): \(error.message)")
                }
                do throws(ConditionError) { return try expand(inner, macroPath: macroPath + [name]) } catch {
                    if error.message.hasPrefix("macro '") { throw ConditionError(column: column, message: error.message) }
                    throw ConditionError(column: column, message: "in macro '\(name)' (\(macro.place.file):\(macro.conditionLine)), column \(error.column): \(error.message)")
                }
            }
            if let field = EventFields.byName[name], case .flag = field.reader() {
                return .comparison(field: name, op: .equal, values: [ConditionValue(text: "true", quoted: false, column: column)], column: column)
            }
            if EventFields.byName[name] != nil {
                throw ConditionError(column: column, message: "field '\(name)' needs an operator and a value")
            }
            throw ConditionError(column: column, message: "'\(name)' is neither a macro nor a field\(Self.suggestion(for: name, among: Array(macros.keys) + EventFields.all.map(\.name)))")
        }
    }

    private func build(_ s: ConditionSyntax) throws(ConditionError) -> Predicate {
        switch s {
        case .and(let parts):
            var ps: [Predicate] = []
            for p in parts { ps.append(try build(p)) }
            return Self.all(ps)
        case .or(let parts):
            var ps: [Predicate] = []
            var i = 0
            while i < parts.count {
                // A run of tests of one text field reads the field once and tries each test on it:
                // `fd.name pmatch (x) or fd.name glob "..." or ...` resolves the path once per event.
                let run = textRun(parts, from: i)
                if run > 1 {
                    ps.append(try textTests(Array(parts[i..<(i + run)])))
                    i += run
                } else {
                    ps.append(try build(parts[i]))
                    i += 1
                }
            }
            return Self.any(ps)
        case .not(let inner):
            let p = try build(inner)
            return { !p(&$0) }
        case .comparison(let field, let op, let values, let column):
            return try comparison(field: field, op: op, values: values, column: column)
        case .reference(_, let column):
            throw ConditionError(column: column, message: "internal: unexpanded reference")
        }
    }

    /// The conjunction, left to right. Built as a chain of closures that each capture two others, not
    /// a loop over an array: reading a closure out of an array retains and releases it, per event.
    static func all(_ ps: [Predicate]) -> Predicate {
        switch ps.count {
        case 0: return { _ in true }
        case 1: return ps[0]
        case 2: let (a, b) = (ps[0], ps[1]); return { a(&$0) && b(&$0) }
        case 3: let (a, b, c) = (ps[0], ps[1], ps[2]); return { a(&$0) && b(&$0) && c(&$0) }
        default: let (a, rest) = (ps[0], all(Array(ps.dropFirst()))); return { a(&$0) && rest(&$0) }
        }
    }

    /// The disjunction, left to right, built as `all` is.
    static func any(_ ps: [Predicate]) -> Predicate {
        switch ps.count {
        case 0: return { _ in false }
        case 1: return ps[0]
        case 2: let (a, b) = (ps[0], ps[1]); return { a(&$0) || b(&$0) }
        case 3: let (a, b, c) = (ps[0], ps[1], ps[2]); return { a(&$0) || b(&$0) || c(&$0) }
        default: let (a, rest) = (ps[0], any(Array(ps.dropFirst()))); return { a(&$0) || rest(&$0) }
        }
    }

    /// The values of a list operator with list names replaced by their items.
    private func listValues(_ values: [ConditionValue]) -> [ConditionValue] {
        var out: [ConditionValue] = []
        for v in values {
            if !v.quoted, let list = lists[v.text] {
                out += list.items.map { ConditionValue(text: $0, quoted: true, column: v.column) }
            } else {
                out.append(v)
            }
        }
        return out
    }

    /// How many parts from `start` on are comparisons of one text field (no `!=`), so `or` can merge them.
    private func textRun(_ parts: [ConditionSyntax], from start: Int) -> Int {
        guard case .comparison(let name, let op, _, _) = parts[start], op != .notEqual, let field = EventFields.byName[name] else { return 0 }
        switch field.reader() {
        case .text, .texts: break
        default: return 0
        }
        var end = start + 1
        while end < parts.count, case .comparison(let other, let op, _, _) = parts[end], other == name, op != .notEqual { end += 1 }
        return end - start
    }

    /// `field op1 v1 or field op2 v2 or ...` on one text field: the field read once, the tests in order.
    private func textTests(_ parts: [ConditionSyntax]) throws(ConditionError) -> Predicate {
        var read: ((inout EventFacts, (UnsafeRawBufferPointer) -> Bool) -> Bool)?
        var tests: [(UnsafeRawBufferPointer) -> Bool] = []
        for part in parts {
            guard case .comparison(let name, let op, let values, let column) = part, let field = EventFields.byName[name] else { continue }
            switch field.reader() {
            case .text(let r), .texts(let r): read = r
            default: break
            }
            tests.append(try textTest(field, op: op, values: values, column: column))
        }
        let anyTest = Self.anyOf(tests)
        let reader = read!
        return { reader(&$0, anyTest) }
    }

    /// Byte tests, any of which holds, chained as `any` chains predicates.
    static func anyOf(_ ts: [(UnsafeRawBufferPointer) -> Bool]) -> (UnsafeRawBufferPointer) -> Bool {
        switch ts.count {
        case 0: return { _ in false }
        case 1: return ts[0]
        case 2: let (a, b) = (ts[0], ts[1]); return { a($0) || b($0) }
        case 3: let (a, b, c) = (ts[0], ts[1], ts[2]); return { a($0) || b($0) || c($0) }
        default: let (a, rest) = (ts[0], anyOf(Array(ts.dropFirst()))); return { a($0) || rest($0) }
        }
    }

    /// The test a text comparison makes on the field's bytes (`!=` is `=`, negated by the caller).
    private func textTest(_ field: EventField, op: ComparisonOperator, values raw: [ConditionValue], column: Int) throws(ConditionError) -> (UnsafeRawBufferPointer) -> Bool {
        let values = op.takesList ? listValues(raw) : raw
        let texts = values.map { Array($0.text.utf8) }
        switch op {
        case .equal, .notEqual: let v = texts[0]; return { ByteMatch.equal($0, v) }
        case .startswith: let v = texts[0]; return { ByteMatch.hasPrefix($0, v) }
        case .endswith: let v = texts[0]; return { ByteMatch.hasSuffix($0, v) }
        case .contains: let v = texts[0]; return { ByteMatch.contains($0, v) }
        case .icontains: let v = texts[0].map(ByteMatch.lower); return { ByteMatch.containsIgnoringCase($0, v) }
        case .glob: let g = GlobPattern(texts[0]); return { g.matches($0) }
        case .exists: return { !$0.isEmpty }
        case .in:
            var byLength = Array(repeating: [[UInt8]](), count: (texts.map(\.count).max() ?? 0) + 1)
            for t in texts { byLength[t.count].append(t) }
            return { value in
                guard value.count < byLength.count else { return false }
                for c in byLength[value.count] where ByteMatch.equal(value, c) { return true }
                return false
            }
        case .pmatch: let set = PathPrefixSet(texts); return { set.contains($0) }
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            throw ConditionError(column: column, message: "'\(op.rawValue)' does not apply to \(Self.kindName(field)) field '\(field.name)'")
        }
    }

    private func comparison(field name: String, op: ComparisonOperator, values raw: [ConditionValue], column: Int) throws(ConditionError) -> Predicate {
        guard let field = EventFields.byName[name] else {
            throw ConditionError(column: column, message: "unknown field '\(name)'\(Self.suggestion(for: name, among: EventFields.all.map(\.name)))")
        }
        let values = op.takesList ? listValues(raw) : raw
        func unsupported() -> ConditionError {
            ConditionError(column: column, message: "'\(op.rawValue)' does not apply to \(Self.kindName(field)) field '\(name)'")
        }
        switch field.reader() {
        case .text(let read), .texts(let read):
            let test = try textTest(field, op: op, values: raw, column: column)
            let p: Predicate = { read(&$0, test) }
            return op == .notEqual ? { !p(&$0) } : p
        case .number(let read):
            var numbers: [Int64] = []
            for v in values {
                guard let n = Self.number(v.text) else {
                    throw ConditionError(column: v.column, message: "'\(v.text)' is not a number (decimal, 0x… or 0o…) for field '\(name)'")
                }
                numbers.append(n)
            }
            let n = numbers.first ?? 0
            switch op {
            case .equal: return { read(&$0) == n }
            case .notEqual: return { read(&$0) != n }
            case .less: return { read(&$0).map { $0 < n } ?? false }
            case .lessOrEqual: return { read(&$0).map { $0 <= n } ?? false }
            case .greater: return { read(&$0).map { $0 > n } ?? false }
            case .greaterOrEqual: return { read(&$0).map { $0 >= n } ?? false }
            case .in: let set = Set(numbers); return { read(&$0).map { set.contains($0) } ?? false }
            case .exists: return { read(&$0) != nil }
            default: throw unsupported()
            }
        case .flag(let read):
            guard op == .equal || op == .notEqual, let text = values.first?.text.lowercased(), text == "true" || text == "false" else {
                throw ConditionError(column: column, message: "true/false field '\(name)' compares only with = true or = false (or stands alone)")
            }
            let wanted = (text == "true") == (op == .equal)
            return { read(&$0) == wanted }
        }
    }

    static func kindName(_ f: EventField) -> String {
        switch f.reader() {
        case .text: return "text"
        case .texts: return "list"
        case .number: return "number"
        case .flag: return "true/false"
        }
    }

    /// A number as rules write it: decimal, 0x hex, 0o octal, or a leading-zero octal (mode 0755).
    static func number(_ text: String) -> Int64? {
        let t = text.lowercased()
        if t.hasPrefix("0x") { return Int64(t.dropFirst(2), radix: 16) }
        if t.hasPrefix("0o") { return Int64(t.dropFirst(2), radix: 8) }
        if t.count > 1, t.hasPrefix("0") { return Int64(t.dropFirst(), radix: 8) }
        return Int64(t)
    }

    /// The probes a condition can match: `evt.probe` tests under `and`s narrow it; nil means any.
    static func probes(of s: ConditionSyntax) -> Set<Probe>? {
        switch s {
        case .comparison(let field, let op, let values, _) where field == "evt.probe" && (op == .equal || op == .in):
            return Set(values.compactMap { Probe(rawValue: $0.text) })
        case .and(let parts):
            var result: Set<Probe>?
            for p in parts { if let set = probes(of: p) { result = result.map { $0.intersection(set) } ?? set } }
            return result
        case .or(let parts):
            var result: Set<Probe> = []
            for p in parts {
                guard let set = probes(of: p) else { return nil }
                result.formUnion(set)
            }
            return result
        default:
            return nil
        }
    }

    static func suggestionText(_ name: String, _ names: [String]) -> String {
        let s = suggestion(for: name, among: names)
        return s.isEmpty ? "check the name" : String(s.dropFirst(2).dropLast())
    }

    /// " (did you mean 'x'?)" for a close name, else "".
    static func suggestion(for name: String, among names: [String]) -> String {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var row = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var prev = row[0]
                row[0] = i
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    let old = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                    prev = old
                }
            }
            return row[b.count]
        }
        let a = Array(name)
        let best = names.map { ($0, distance(a, Array($0))) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= 2 else { return "" }
        return " (did you mean '\(best.0)'?)"
    }
}
