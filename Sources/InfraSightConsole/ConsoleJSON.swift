import Foundation

/// JSON encoding of API answers (sorted keys, so answers are stable).
public enum ConsoleJSON {
    public static let contentType = "application/json; charset=utf-8"

    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(value))
    }
}
