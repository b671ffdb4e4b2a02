/// A request the console refuses with 400. The message names the parameter and the rule it broke;
/// it never contains SQL.
public struct ConsoleBadRequest: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
