import Foundation
import Yams

/// One stage's YAML config file (`--config FILE`, env `INFRASIGHT_CONFIG`): a flat mapping from option
/// names (the long flag without `--`, e.g. `brokers`, `rate-limit`, `kafka-option`) to a scalar, a list
/// of scalars (repeatable options), or a boolean (flags). Every key can be overridden by env and flags;
/// `ArgumentLayering` applies the precedence.
///
/// ```yaml
/// brokers: kafka-1:9092,kafka-2:9092
/// probes: [execve, open, connect]
/// rate-limit: 500
/// kafka-option:
///   - security.protocol=ssl
/// ```
public struct StageConfigFile: Sendable, Equatable {
    /// One key's value: scalars come as one string, lists as several, booleans as "true"/"false".
    public enum Value: Sendable, Equatable {
        case scalar(String)
        case list([String])
        case boolean(Bool)
    }

    public let path: String
    public let values: [String: Value]

    public init(path: String, values: [String: Value]) {
        self.path = path
        self.values = values
    }

    /// Reads and parses `path`; errors name the file and the offending key.
    public static func load(path: String) throws -> StageConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw StageConfigError("cannot read config file \(path): \(error.localizedDescription)")
        }
        return try parse(text, path: path)
    }

    /// Parses YAML text. An empty document is an empty config.
    public static func parse(_ text: String, path: String) throws -> StageConfigFile {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw StageConfigError("config file \(path) is not valid YAML: \(error)")
        }
        guard let node else { return StageConfigFile(path: path, values: [:]) }
        guard let mapping = node.mapping else {
            throw StageConfigError("config file \(path): expected a mapping of option names to values at the top level")
        }
        var values: [String: Value] = [:]
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string, !key.isEmpty else {
                throw StageConfigError("config file \(path): every key must be a plain option name")
            }
            guard values[key] == nil else {
                throw StageConfigError("config file \(path): key \"\(key)\" appears twice")
            }
            values[key] = try value(of: valueNode, key: key, path: path)
        }
        return StageConfigFile(path: path, values: values)
    }

    private static func value(of node: Node, key: String, path: String) throws -> Value {
        switch node {
        case .scalar(let scalar):
            if let flag = Bool.construct(from: scalar), scalar.style == .plain { return .boolean(flag) }
            return .scalar(scalar.string)
        case .sequence(let sequence):
            return .list(try sequence.map { item in
                guard let text = item.scalar?.string else {
                    throw StageConfigError("config file \(path): \"\(key)\" must be a list of plain values")
                }
                return text
            })
        default:
            throw StageConfigError("config file \(path): \"\(key)\" must be a value or a list of values, not a mapping")
        }
    }
}

/// A config file that cannot be read, parsed, or does not fit the command (the message says which key).
public struct StageConfigError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
