import Foundation
import Yams

/// Reads a rules file (YAML, Falco's shape) into declarations. Every key is checked: an unknown key, a
/// wrong type or a missing name is refused with the file, the line and the key.
enum RuleFileReader {
    static func read(yaml: String, file: String) throws(RuleError) -> RuleDeclarations {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw RuleError(file: file, line: Self.line(of: error), message: "not valid YAML: \(error)")
        } catch {
            throw RuleError(file: file, line: 1, message: "not valid YAML: \(error)")
        }
        var out = RuleDeclarations()
        guard let root else { return out }
        guard let items = root.sequence else {
            throw RuleError(file: file, line: root.mark?.line ?? 1, message: "a rules file is a list of '- rule:', '- macro:' and '- list:' items")
        }
        for item in items {
            let line = item.mark?.line ?? 1
            guard let map = item.mapping else {
                throw RuleError(file: file, line: line, message: "each item is a mapping with 'rule', 'macro' or 'list'")
            }
            let keys = Set(map.keys.compactMap(\.string))
            let place = SourcePlace(file: file, line: line)
            let kinds = keys.intersection(["rule", "macro", "list", "required_engine_version"])
            guard kinds.count == 1, let kind = kinds.first else {
                throw RuleError(file: file, line: line, message: "each item has exactly one of 'rule', 'macro' or 'list' (found \(keys.sorted().joined(separator: ", ")))")
            }
            var fields = FieldReader(map: map, file: file, item: "", line: line)
            switch kind {
            case "list":
                let name = try fields.requiredString("list")
                fields.item = "list '\(name)'"
                try fields.allowOnly(["list", "items", "append"])
                out.lists.append(ListDeclaration(name: name, items: try fields.strings("items") ?? [],
                                                 append: try fields.bool("append") ?? false, place: place))
            case "macro":
                let name = try fields.requiredString("macro")
                fields.item = "macro '\(name)'"
                try fields.allowOnly(["macro", "condition", "append"])
                out.macros.append(MacroDeclaration(name: name, condition: try fields.requiredString("condition"),
                                                   append: try fields.bool("append") ?? false, place: place,
                                                   conditionLine: fields.line(of: "condition")))
            case "rule":
                let name = try fields.requiredString("rule")
                fields.item = "rule '\(name)'"
                try fields.allowOnly(["rule", "desc", "condition", "output", "priority", "tags", "enabled", "version",
                                      "append", "exceptions", "sequence", "threshold", "source"])
                var rule = RuleDeclaration(name: name, place: place)
                rule.description = try fields.string("desc") ?? ""
                rule.condition = try fields.string("condition")
                rule.conditionLine = fields.line(of: "condition")
                rule.output = try fields.string("output")
                rule.outputLine = fields.line(of: "output")
                rule.priority = try fields.string("priority")
                rule.tags = try fields.strings("tags") ?? []
                rule.enabled = try fields.bool("enabled")
                rule.append = try fields.bool("append") ?? false
                if let version = try fields.string("version") {
                    guard let v = UInt32(version) else { throw fields.error("version", "must be a whole number") }
                    rule.version = v
                }
                rule.exceptions = try exceptions(fields)
                rule.sequence = try sequence(fields)
                rule.threshold = try threshold(fields)
                out.rules.append(rule)
            default:
                break   // required_engine_version: accepted for Falco files, not checked
            }
        }
        return out
    }

    private static func exceptions(_ fields: FieldReader) throws(RuleError) -> [ExceptionDeclaration] {
        guard let node = fields.node("exceptions") else { return [] }
        guard let list = node.sequence else { throw fields.error("exceptions", "must be a list") }
        var out: [ExceptionDeclaration] = []
        for entry in list {
            guard let map = entry.mapping else { throw fields.error("exceptions", "each exception is a mapping with name, fields and values") }
            var sub = FieldReader(map: map, file: fields.file, item: fields.item, line: entry.mark?.line ?? fields.itemLine)
            sub.prefix = "exceptions."
            try sub.allowOnly(["name", "fields", "comps", "values"])
            let name = try sub.requiredString("name")
            let names: [String]
            if let single = sub.node("fields")?.scalar?.string { names = [single] } else { names = try sub.strings("fields") ?? [] }
            guard !names.isEmpty else { throw sub.error("fields", "exception '\(name)' names no fields") }
            var comps: [String]
            if let single = sub.node("comps")?.scalar?.string { comps = [single] } else { comps = try sub.strings("comps") ?? [] }
            if comps.isEmpty { comps = Array(repeating: "=", count: names.count) }
            guard comps.count == names.count else { throw sub.error("comps", "exception '\(name)' has \(comps.count) comps for \(names.count) fields") }
            var values: [[String]] = []
            if let valuesNode = sub.node("values") {
                guard let rows = valuesNode.sequence else { throw sub.error("values", "must be a list") }
                for row in rows {
                    if let scalar = row.scalar?.string, names.count == 1 {
                        values.append([scalar])
                    } else if let tuple = row.sequence {
                        let items = tuple.compactMap { $0.scalar?.string }
                        guard items.count == names.count else {
                            throw RuleError(file: fields.file, line: row.mark?.line ?? sub.itemLine, item: fields.item, field: "exceptions.values",
                                            message: "exception '\(name)': a value tuple has \(items.count) items for \(names.count) fields")
                        }
                        values.append(items)
                    } else {
                        throw RuleError(file: fields.file, line: row.mark?.line ?? sub.itemLine, item: fields.item, field: "exceptions.values",
                                        message: "exception '\(name)': each value is a list of \(names.count) items")
                    }
                }
            }
            out.append(ExceptionDeclaration(name: name, fields: names, comps: comps, values: values, line: sub.itemLine))
        }
        return out
    }

    private static func sequence(_ fields: FieldReader) throws(RuleError) -> SequenceDeclaration? {
        guard let node = fields.node("sequence") else { return nil }
        guard let map = node.mapping else { throw fields.error("sequence", "must be a mapping with steps and within") }
        var sub = FieldReader(map: map, file: fields.file, item: fields.item, line: node.mark?.line ?? fields.itemLine)
        sub.prefix = "sequence."
        try sub.allowOnly(["steps", "within", "same", "by"])
        if let by = try sub.string("by"), by != "process" { throw sub.error("by", "only 'process' is supported (one process's events reach one worker)") }
        guard let stepsNode = sub.node("steps"), let steps = stepsNode.sequence, steps.count >= 2 else {
            throw sub.error("steps", "a sequence needs a list of at least two steps")
        }
        var out: [(String, Int)] = []
        for step in steps {
            let line = step.mark?.line ?? sub.itemLine
            if let text = step.scalar?.string {
                out.append((text, line))
            } else if let map = step.mapping, let text = map["condition"]?.scalar?.string {
                out.append((text, map["condition"]?.mark?.line ?? line))
            } else {
                throw RuleError(file: fields.file, line: line, item: fields.item, field: "sequence.steps", message: "each step is a condition, or a mapping with 'condition'")
            }
        }
        let within = try sub.duration("within") ?? 60_000_000_000
        return SequenceDeclaration(steps: out, withinNs: within, same: try sub.strings("same") ?? [], line: sub.itemLine)
    }

    private static func threshold(_ fields: FieldReader) throws(RuleError) -> ThresholdDeclaration? {
        guard let node = fields.node("threshold") else { return nil }
        guard let map = node.mapping else { throw fields.error("threshold", "must be a mapping with count and within") }
        var sub = FieldReader(map: map, file: fields.file, item: fields.item, line: node.mark?.line ?? fields.itemLine)
        sub.prefix = "threshold."
        try sub.allowOnly(["count", "within"])
        guard let countText = try sub.string("count"), let count = Int(countText), count >= 2, count <= 10_000 else {
            throw sub.error("count", "must be a whole number from 2 to 10000")
        }
        guard let within = try sub.duration("within") else { throw sub.error("within", "is required (e.g. 10s)") }
        return ThresholdDeclaration(count: count, withinNs: within, line: sub.itemLine)
    }

    private static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 1
        }
    }

    /// Typed access to one mapping's keys, with errors that name the item, the key and its line.
    struct FieldReader {
        let map: Node.Mapping
        let file: String
        var item: String
        let itemLine: Int
        var prefix = ""

        init(map: Node.Mapping, file: String, item: String, line: Int) {
            self.map = map
            self.file = file
            self.item = item
            self.itemLine = line
        }

        func node(_ key: String) -> Node? { map[key] }
        func line(of key: String) -> Int { map[key]?.mark?.line ?? itemLine }

        func error(_ key: String, _ message: String) -> RuleError {
            RuleError(file: file, line: line(of: key), item: item, field: prefix + key, message: message)
        }

        func allowOnly(_ keys: Set<String>) throws(RuleError) {
            for key in map.keys {
                guard let name = key.string else { throw RuleError(file: file, line: key.mark?.line ?? itemLine, item: item, message: "keys must be text") }
                if !keys.contains(name) {
                    throw RuleError(file: file, line: key.mark?.line ?? itemLine, item: item, field: prefix + name,
                                    message: "unknown key (known: \(keys.sorted().joined(separator: ", ")))")
                }
            }
        }

        func string(_ key: String) throws(RuleError) -> String? {
            guard let node = map[key] else { return nil }
            guard let scalar = node.scalar else { throw error(key, "must be text, not a list or mapping") }
            return scalar.string
        }

        func requiredString(_ key: String) throws(RuleError) -> String {
            guard let value = try string(key), !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw error(key, "is required and must not be empty")
            }
            return value
        }

        func strings(_ key: String) throws(RuleError) -> [String]? {
            guard let node = map[key] else { return nil }
            guard let list = node.sequence else { throw error(key, "must be a list") }
            var out: [String] = []
            for element in list {
                guard let text = element.scalar?.string else { throw error(key, "items must be text") }
                out.append(text)
            }
            return out
        }

        func bool(_ key: String) throws(RuleError) -> Bool? {
            guard let text = try string(key) else { return nil }
            switch text.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: throw error(key, "must be true or false, not '\(text)'")
            }
        }

        func duration(_ key: String) throws(RuleError) -> UInt64? {
            guard let text = try string(key) else { return nil }
            guard let ns = RuleDuration.nanoseconds(text) else { throw error(key, "must be a duration like 500ms, 10s, 5m or 1h, not '\(text)'") }
            return ns
        }
    }
}

/// Durations in rules and flags: a whole number with ms, s, m or h (500ms, 10s, 5m, 1h).
public enum RuleDuration {
    public static func nanoseconds(_ text: String) -> UInt64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        for (suffix, scale) in [("ms", 1_000_000 as UInt64), ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000)] {
            if t.hasSuffix(suffix), let n = UInt64(t.dropLast(suffix.count)), n > 0, n <= 7 * 24 * 3600 * 1000 {
                let (v, overflow) = n.multipliedReportingOverflow(by: scale)
                return overflow ? nil : v
            }
        }
        return nil
    }
}
