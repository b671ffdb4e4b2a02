import CNats

/// A NATS or JetStream failure (or a bad setting), with enough context to act on.
///
/// `status` is nats.c's `natsStatus` (0 when the failure was found by this module), `jetStreamCode` the
/// server's JetStream error code when it sent one (e.g. 10059 stream not found), and `message` says which
/// server, stream or consumer was involved and what to do where that is known.
public struct NATSError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure, for callers that branch on it.
    public enum Kind: String, Sendable {
        /// A setting is wrong (URL, file, option); fix the configuration.
        case configuration
        /// No server could be reached (or it went away); retry later.
        case unreachable
        /// The server refused the credentials.
        case authentication
        /// TLS handshake or certificate failure.
        case tls
        /// An operation did not finish in time.
        case timeout
        /// JetStream answered with an error (see `jetStreamCode`).
        case jetStream
        /// Anything else nats.c reported.
        case client
    }

    public var kind: Kind
    /// nats.c's `natsStatus` raw value (`NATS_OK` = 0 for failures found by this module).
    public var status: UInt32
    /// The server's JetStream error code (`jsErrCode`), 0 when none.
    public var jetStreamCode: Int
    public var message: String

    public init(kind: Kind, status: UInt32 = 0, jetStreamCode: Int = 0, message: String) {
        self.kind = kind
        self.status = status
        self.jetStreamCode = jetStreamCode
        self.message = message
    }

    public var description: String {
        var parts = ["NATS error (\(kind.rawValue)"]
        if status != 0 { parts.append(", \(NATSError.statusName(status))") }
        if jetStreamCode != 0 { parts.append(", JetStream \(jetStreamCode)") }
        return parts.joined() + "): \(message)"
    }

    /// Trying again later may succeed (server down, timeout, leader election).
    public var isRetriable: Bool { kind == .unreachable || kind == .timeout }

    static func configuration(_ message: String) -> NATSError { NATSError(kind: .configuration, message: message) }

    /// From a nats.c status: `context` first, then nats.c's own text for this thread's last error.
    init(_ s: natsStatus, context: String, jetStreamCode: jsErrCode = jsErrCode(rawValue: 0), advice: String? = nil) {
        var text = String(cString: natsStatus_GetText(s))
        var last = NATS_OK
        if let detail = nats_GetLastError(&last), last == s {
            var d = Substring(String(cString: detail))
            // nats.c prefixes its detail with the source location, "(conn.c:2088): ".
            if d.hasPrefix("("), let end = d.range(of: "): ") { d = d[end.upperBound...] }
            if !d.isEmpty && d != text { text += ": \(d)" }
        }
        let kind: Kind
        switch s {
        case NATS_NO_SERVER, NATS_CONNECTION_CLOSED, NATS_STALE_CONNECTION, NATS_IO_ERROR, NATS_NOT_YET_CONNECTED,
             NATS_CONNECTION_DISCONNECTED, NATS_NO_RESPONDERS:
            kind = .unreachable
        case NATS_CONNECTION_AUTH_FAILED, NATS_NOT_PERMITTED: kind = .authentication
        case NATS_SSL_ERROR: kind = .tls
        case NATS_TIMEOUT: kind = .timeout
        default: kind = jetStreamCode.rawValue != 0 ? .jetStream : .client
        }
        self.init(kind: kind, status: s.rawValue, jetStreamCode: Int(jetStreamCode.rawValue),
                  message: "\(context): \(text)" + (advice.map { " — \($0)" } ?? ""))
    }

    /// nats.c's symbolic-ish name for a status (its text, e.g. "Timeout").
    static func statusName(_ raw: UInt32) -> String { String(cString: natsStatus_GetText(natsStatus(rawValue: raw))) }
}
