/// A filter setting that cannot be used; the message names the option value and what is expected.
public struct EventFilterError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
