import Foundation
import InfraSightCore
import InfraSightSink

/// The query-string parameters of one API call, typed and checked.
///
/// Each endpoint names the parameters it accepts; any other name, a repeated name, a string longer
/// than `maxStringLength`, an integer that does not parse or is out of range, or an unknown probe or
/// severity name is a `ConsoleBadRequest` (HTTP 400). Values are only ever turned into SQL through `SQLLiteral`.
public struct ConsoleParameters: Sendable {
    /// Longest accepted string value (characters).
    public static let maxStringLength = 4096

    let values: [String: String]

    /// `pairs` are the decoded query items; `allowed` the names this endpoint understands.
    public init(_ pairs: [(String, String)], allowed: Set<String>) throws {
        var values: [String: String] = [:]
        for (name, value) in pairs {
            guard allowed.contains(name) else {
                throw ConsoleBadRequest("unknown parameter '\(Self.shown(name))'; allowed: \(allowed.sorted().joined(separator: ", "))")
            }
            guard values[name] == nil else { throw ConsoleBadRequest("parameter '\(name)' given twice") }
            guard value.count <= Self.maxStringLength else {
                throw ConsoleBadRequest("parameter '\(name)' is longer than \(Self.maxStringLength) characters")
            }
            values[name] = value
        }
        self.values = values
    }

    /// The value of `name`, or nil when absent or empty (an empty form field means "no filter").
    public func string(_ name: String) -> String? {
        guard let v = values[name], !v.isEmpty else { return nil }
        return v
    }

    /// `name` parsed as a decimal integer within `range`; nil when absent or empty.
    public func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let n = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw ConsoleBadRequest("parameter '\(name)' must be an integer")
        }
        guard range.contains(n) else {
            throw ConsoleBadRequest("parameter '\(name)' must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return n
    }

    /// `name` as one of the agent's probe names (`Probe.allCases`); nil when absent or empty.
    public func probe(_ name: String = "probe") throws -> Probe? {
        guard let text = string(name) else { return nil }
        guard let probe = Probe(rawValue: text) else {
            throw ConsoleBadRequest("parameter '\(name)' must be one of: \(Probe.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return probe
    }

    /// `name` as one of the alert severities (`AlertSeverity`); nil when absent or empty.
    public func severity(_ name: String = "severity") throws -> AlertSeverity? {
        guard let text = string(name) else { return nil }
        guard let severity = AlertSeverity(rawValue: text) else {
            throw ConsoleBadRequest("parameter '\(name)' must be one of: \(AlertSeverity.names)")
        }
        return severity
    }

    /// A parameter name safe to echo in an error (printable ASCII, at most 40 characters).
    static func shown(_ name: String) -> String {
        String(name.unicodeScalars.prefix(40).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f ? Character($0) : "?" })
    }
}

/// Decodes an `application/x-www-form-urlencoded` string (a URL query or a form body) into pairs.
public enum FormDecoding {
    public static func pairs(_ text: Substring) -> [(String, String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { item in
            if let eq = item.firstIndex(of: "=") {
                return (decode(item[..<eq]), decode(item[item.index(after: eq)...]))
            }
            return (decode(item), "")
        }
    }

    /// Percent-decoding with `+` as space; invalid escapes are kept as they are, invalid UTF-8 is replaced.
    public static func decode(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%"), it.count >= 2,
                      let hi = hex(it[it.startIndex]), let lo = hex(it[it.startIndex + 1]) {
                bytes.append(hi << 4 | lo)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
