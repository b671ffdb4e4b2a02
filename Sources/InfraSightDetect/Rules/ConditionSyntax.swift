/// A parsed condition, before macros, lists and fields are looked up.
indirect enum ConditionSyntax: Equatable {
    case and([ConditionSyntax])
    case or([ConditionSyntax])
    case not(ConditionSyntax)
    /// `field op value` or `field op (v1, v2, ...)` or `field exists`.
    case comparison(field: String, op: ComparisonOperator, values: [ConditionValue], column: Int)
    /// A bare name: a macro, or a true/false field used as a test (`open.write`).
    case reference(name: String, column: Int)
}

/// One value on the right of an operator. A bare word in a list may name a list.
struct ConditionValue: Equatable {
    var text: String
    var quoted: Bool
    var column: Int
}

/// The comparisons a condition can make.
enum ComparisonOperator: String, CaseIterable, Equatable {
    case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case startswith, endswith, contains, icontains, glob
    /// The value is one of a list.
    case `in`
    /// A path equal to, or under, one of a list of directories.
    case pmatch
    /// The field has a value (non-empty text, a number this probe carries).
    case exists

    /// Operators written as words.
    static let words: [String: ComparisonOperator] = [
        "startswith": .startswith, "endswith": .endswith, "contains": .contains, "icontains": .icontains,
        "glob": .glob, "in": .in, "pmatch": .pmatch, "exists": .exists,
    ]
    var takesList: Bool { self == .in || self == .pmatch }
}
