/// Why a rules file was refused: the file, the line, the rule (or list or macro) and the field of it
/// that is wrong, so the author can go straight to the place.
public struct RuleError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int
    /// The rule, macro or list the error is in ("" at the top level).
    public var item: String
    /// The key of that item ("condition", "output", "priority", ...; "" when the item itself).
    public var field: String
    public var message: String

    public init(file: String, line: Int, item: String = "", field: String = "", message: String) {
        self.file = file
        self.line = line
        self.item = item
        self.field = field
        self.message = message
    }

    public var description: String {
        var place = "\(file):\(line)"
        if !item.isEmpty { place += ": \(item)" }
        if !field.isEmpty { place += ", \(field)" }
        return "\(place): \(message)"
    }
}

/// A mistake in a condition string, at a column of it (1-based), before the file and line are known.
struct ConditionError: Error, Equatable {
    var column: Int
    var message: String
}
