import Foundation

/// Where a stage serves `/metrics` and `/healthz`: `HOST:PORT` (`[v6]:PORT` for IPv6, `:PORT` for
/// all interfaces, port 0 for an ephemeral port), or `off` to serve nothing.
public struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses an address; nil for `off` (also `none`, `disabled`).
    /// Throws for anything that is neither.
    public static func parse(_ text: String) throws -> MetricsAddress? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if ["off", "none", "disabled"].contains(trimmed.lowercased()) { return nil }
        let host: Substring
        let portText: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]"),
                  trimmed[trimmed.index(after: close)...].hasPrefix(":") else { throw Error(text: text) }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            portText = trimmed[trimmed.index(close, offsetBy: 2)...]
        } else {
            guard let colon = trimmed.lastIndex(of: ":"),
                  !trimmed[..<colon].contains(":") else { throw Error(text: text) }
            host = trimmed[..<colon]
            portText = trimmed[trimmed.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65535).contains(port), !host.contains(where: \.isWhitespace)
        else { throw Error(text: text) }
        return MetricsAddress(host: host.isEmpty ? "0.0.0.0" : String(host), port: port)
    }

    /// `host:port`, bracketing IPv6 hosts.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// A malformed address.
    public struct Error: Swift.Error, CustomStringConvertible {
        public var text: String
        public var description: String {
            "invalid metrics address \"\(text)\": expected HOST:PORT ([IPv6]:PORT, :PORT for all interfaces, port 0 for any free port) or off"
        }
    }
}
