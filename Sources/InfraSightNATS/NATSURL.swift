import Foundation

/// The NATS servers named by a `--brokers` value: `nats://host:port[,host:port...]` (plain) or
/// `tls://host:port[,...]` (TLS required), parsed once into what nats.c wants (`natsOptions_SetServers`).
///
/// An entry without a scheme inherits the first entry's; a missing port is 4222 (NATS's default).
/// Credentials in the URL (`nats://user:pass@host`) are refused: `--brokers` is on the command line, where
/// every user of the machine can read it; use `NATSConnectionOptions`' files or `INFRASIGHT_NATS_*` instead.
public struct NATSURL: Sendable, Equatable, CustomStringConvertible {
    /// One server: host (an IPv6 literal keeps its brackets) and port.
    public struct Server: Sendable, Equatable {
        public var host: String
        public var port: Int
    }

    public static let defaultPort = 4222

    public var servers: [Server]
    /// `tls://`: the connection must use TLS (nats.c `natsOptions_SetSecure`).
    public var tls: Bool

    public init(servers: [Server], tls: Bool) {
        self.servers = servers
        self.tls = tls
    }

    /// Parses a `--brokers` value; throws `NATSError` (kind `.configuration`) saying what is wrong.
    public init(parsing brokers: String) throws {
        let entries = brokers.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard !entries.isEmpty else { throw NATSError.configuration("no NATS server given: use nats://host:port") }
        var scheme: String?
        var servers: [Server] = []
        for entry in entries {
            var rest = Substring(entry)
            if let r = entry.range(of: "://") {
                let s = entry[..<r.lowerBound].lowercased()
                guard s == "nats" || s == "tls" else {
                    throw NATSError.configuration("\(entry): not a NATS URL (use nats://host:port or tls://host:port)")
                }
                if let first = scheme, first != s {
                    throw NATSError.configuration("\(brokers) mixes nats:// and tls://; use one for all servers")
                }
                scheme = s
                rest = entry[r.upperBound...]
            } else if scheme == nil {
                throw NATSError.configuration("\(entry): a NATS server list starts with nats:// or tls://")
            }
            if rest.contains("@") {
                throw NATSError.configuration("\(entry): credentials in the URL would be visible in the process list; "
                                              + "use INFRASIGHT_NATS_USER with INFRASIGHT_NATS_PASSWORD_FILE (or a credentials file)")
            }
            while rest.hasSuffix("/") { rest = rest.dropLast() }
            servers.append(try Self.server(rest, entry: entry))
        }
        self.servers = servers
        self.tls = scheme == "tls"
    }

    /// The servers as nats.c URLs (`nats://h:p` or `tls://h:p`), in the given order.
    public var urls: [String] { servers.map { "\(tls ? "tls" : "nats")://\($0.host):\($0.port)" } }

    public var description: String { urls.joined(separator: ",") }

    private static func server(_ text: Substring, entry: String) throws -> Server {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {  // [::1]:4222
            guard let close = text.firstIndex(of: "]") else {
                throw NATSError.configuration("\(entry): unterminated IPv6 address")
            }
            host = text[...close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw NATSError.configuration("\(entry): expected :port after the IPv6 address")
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text
        }
        guard !host.isEmpty, !host.contains("/"), !host.contains(":") || host.hasPrefix("[") else {
            throw NATSError.configuration("\(entry): expected host:port")
        }
        var port = defaultPort
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else {
                throw NATSError.configuration("\(entry): port \"\(portText)\" is not a number in 1...65535")
            }
            port = p
        }
        return Server(host: String(host), port: port)
    }
}
