import Foundation

/// A failed ClickHouse request.
///
/// `.transport`: the request did not get an HTTP answer (connection refused, DNS, timeout, reset);
/// `.server`: the server answered with an error status, carrying the ClickHouse error code and message parsed
/// from the body — `Code: 62, e.displayText() = DB::Exception: ...` on 18.x servers and
/// `Code: 62. DB::Exception: ... (SYNTAX_ERROR) (version 26.9.1.1)` on current ones.
/// `isRetryable` tells a writer whether sending the same request again may succeed.
public struct ClickHouseError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable { case transport, server }

    public var kind: Kind
    /// HTTP status of a server error.
    public var httpStatus: Int?
    /// ClickHouse error code (62 = SYNTAX_ERROR, 60 = UNKNOWN_TABLE, ...), when the body or header had one.
    public var code: Int?
    /// Symbolic error name that current servers append, e.g. `SYNTAX_ERROR` (nil on 18.x).
    public var codeName: String?
    /// The error text without the `Code: N` prefix, `DB::Exception: ` and version suffixes.
    public var message: String
    /// libcurl's CURLcode of a transport error.
    public var curlCode: Int?

    public init(kind: Kind, httpStatus: Int? = nil, code: Int? = nil, codeName: String? = nil,
                message: String, curlCode: Int? = nil) {
        self.kind = kind
        self.httpStatus = httpStatus
        self.code = code
        self.codeName = codeName
        self.message = message
        self.curlCode = curlCode
    }

    /// ClickHouse error codes that describe a transient server state (overload, timeouts, replicas, memory).
    public static let retryableServerCodes: Set<Int> = [
        3,    // UNEXPECTED_END_OF_FILE (request body cut off)
        159,  // TIMEOUT_EXCEEDED
        164,  // READONLY (replica temporarily read-only)
        202,  // TOO_MANY_SIMULTANEOUS_QUERIES
        203,  // NO_FREE_CONNECTION
        209,  // SOCKET_TIMEOUT
        210,  // NETWORK_ERROR
        241,  // MEMORY_LIMIT_EXCEEDED
        242,  // TABLE_IS_READ_ONLY
        252,  // TOO_MANY_PARTS
        285,  // TOO_FEW_LIVE_REPLICAS
        319,  // UNKNOWN_STATUS_OF_INSERT
        394,  // QUERY_WAS_CANCELLED
        425,  // SYSTEM_ERROR
        999,  // KEEPER_EXCEPTION
    ]

    /// libcurl errors that are a mistake in the request or configuration, not a passing network condition:
    /// 1 UNSUPPORTED_PROTOCOL, 2 FAILED_INIT, 3 URL_MALFORMAT, 4 NOT_BUILT_IN, 27 OUT_OF_MEMORY, 43 BAD_FUNCTION_ARGUMENT,
    /// 48 UNKNOWN_OPTION, 58 SSL_CERTPROBLEM, 60 PEER_FAILED_VERIFICATION, 77 SSL_CACERT_BADFILE, 90 SSL_PINNEDPUBKEYNOTMATCH.
    static let permanentCurlCodes: Set<Int> = [1, 2, 3, 4, 27, 43, 48, 58, 60, 77, 90]

    /// True for transport failures (except misconfiguration such as a malformed URL or bad TLS certificate),
    /// HTTP 429/502/503/504 and the transient ClickHouse codes in `retryableServerCodes`. Bad SQL, unknown tables,
    /// type mismatches and authentication failures are not retryable.
    public var isRetryable: Bool {
        switch kind {
        case .transport:
            return curlCode.map { !Self.permanentCurlCodes.contains($0) } ?? true
        case .server:
            if let code { return Self.retryableServerCodes.contains(code) }
            return [429, 502, 503, 504].contains(httpStatus ?? 0)
        }
    }

    public var description: String {
        var s = kind == .transport ? "ClickHouse transport error" : "ClickHouse server error"
        var details: [String] = []
        if let httpStatus { details.append("HTTP \(httpStatus)") }
        if let code { details.append("code \(code)" + (codeName.map { " \($0)" } ?? "")) }
        if let curlCode { details.append("curl \(curlCode)") }
        if !details.isEmpty { s += " (" + details.joined(separator: ", ") + ")" }
        return s + ": " + message
    }

    /// Builds a server error from an HTTP error response. `exceptionCodeHeader` is the value of
    /// `X-ClickHouse-Exception-Code` (current servers) and wins over the code in the body.
    public static func server(httpStatus: Int, body: String, exceptionCodeHeader: String? = nil) -> ClickHouseError {
        var error = parseBody(body)
        error.httpStatus = httpStatus
        if let header = exceptionCodeHeader.map({ $0.trimmedWhitespace() }), let c = Int(header) { error.code = c }
        return error
    }

    /// Parses `Code: N, e.displayText() = DB::Exception: MSG, e.what() = DB::Exception` (18.x) or
    /// `Code: N. DB::Exception: MSG (NAME) (version X)` (19.x and later). Unrecognised bodies become the message.
    static func parseBody(_ raw: String) -> ClickHouseError {
        let body = raw.trimmedWhitespace()
        guard let codeRange = body.range(of: "Code: ") else {
            return ClickHouseError(kind: .server, message: body.isEmpty ? "(empty response body)" : truncated(body))
        }
        var rest = body[codeRange.upperBound...]
        let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
        guard let code = Int(digits) else {
            return ClickHouseError(kind: .server, message: truncated(body))
        }
        rest = rest[digits.endIndex...]
        // Separator: ", e.displayText() = " (18.x) or ". " (current).
        for sep in [", e.displayText() = ", ". ", ", ", ": "] where rest.hasPrefix(sep) {
            rest = rest.dropFirst(sep.count)
            break
        }
        var message = String(rest)
        // Only the first exception block matters (current servers may append a stack trace after a blank line).
        if let stack = message.range(of: "\n\n") { message = String(message[..<stack.lowerBound]) }
        if let what = message.range(of: ", e.what() = ", options: .backwards) {
            message = String(message[..<what.lowerBound])
        }
        if message.hasPrefix("DB::Exception: ") { message = String(message.dropFirst("DB::Exception: ".count)) }
        message = message.trimmedWhitespace()
        // Current servers: "... (SYNTAX_ERROR) (version 26.9.1.1)".
        if message.hasSuffix(")"), let open = message.range(of: " (version ", options: .backwards) {
            message = String(message[..<open.lowerBound]).trimmedWhitespace()
        }
        var codeName: String?
        if message.hasSuffix(")"), let open = message.lastIndex(of: "(") {
            let name = message[message.index(after: open)..<message.index(before: message.endIndex)]
            if !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") }) {
                codeName = String(name)
                message = String(message[..<open]).trimmedWhitespace()
            }
        }
        return ClickHouseError(kind: .server, code: code, codeName: codeName, message: truncated(message))
    }

    private static func truncated(_ s: String, limit: Int = 4000) -> String {
        s.count <= limit ? s : String(s.prefix(limit)) + "…"
    }
}
