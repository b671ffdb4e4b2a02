/// A rules file as written, before names are looked up: lists, macros and rules, each with the line it
/// starts on so a later error can name the place.
struct RuleDeclarations {
    var lists: [ListDeclaration] = []
    var macros: [MacroDeclaration] = []
    var rules: [RuleDeclaration] = []
}

/// Where a declaration came from.
struct SourcePlace: Equatable {
    var file: String
    var line: Int
}

/// `- list: shell_binaries` with `items: [bash, sh]`.
struct ListDeclaration {
    var name: String
    var items: [String]
    var append: Bool
    var place: SourcePlace
}

/// `- macro: spawned_process` with `condition: ...`.
struct MacroDeclaration {
    var name: String
    var condition: String
    var append: Bool
    var place: SourcePlace
    var conditionLine: Int
}

/// `- rule: ...` with a condition, or a sequence of steps, or a threshold.
struct RuleDeclaration {
    var name: String
    var description = ""
    var condition: String?
    var conditionLine = 0
    var output: String?
    var outputLine = 0
    var priority: String?
    var tags: [String] = []
    var enabled: Bool?
    var version: UInt32?
    var append = false
    var exceptions: [ExceptionDeclaration] = []
    var sequence: SequenceDeclaration?
    var threshold: ThresholdDeclaration?
    var place: SourcePlace
}

/// Falco's exception shape: tuples of fields, each compared with its operator, that exempt an event.
struct ExceptionDeclaration {
    var name: String
    var fields: [String]
    var comps: [String]
    var values: [[String]]
    var line: Int
}

/// Steps that one process must do in event-time order within `within` nanoseconds; `same` fields must
/// be equal in every step (the file written, made executable, then run).
struct SequenceDeclaration {
    var steps: [(condition: String, line: Int)]
    var withinNs: UInt64
    var same: [String]
    var line: Int
}

/// `count` matching events of one process within `within` nanoseconds.
struct ThresholdDeclaration {
    var count: Int
    var withinNs: UInt64
    var line: Int
}
