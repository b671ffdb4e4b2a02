/// One HTTP request as the router sees it (transport-independent, so the router is unit-testable).
public struct ConsoleRequest: Sendable {
    public var method: String
    /// Path and query, as sent (`/api/events?host=a`).
    public var uri: String
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: [UInt8]
    /// The TCP peer (nil where there is none, as in router unit tests).
    public var peer: ConsolePeer?

    public init(method: String, uri: String, headers: [String: String] = [:], body: [UInt8] = [], peer: ConsolePeer? = nil) {
        self.method = method
        self.uri = uri
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
        self.peer = peer
    }

    public var path: String { String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "") }

    /// The decoded query items.
    public var query: [(String, String)] {
        guard let q = uri.firstIndex(of: "?") else { return [] }
        return FormDecoding.pairs(uri[uri.index(after: q)...])
    }
}

/// One HTTP response. `ConsoleSecurityHeaders` are added to every response on the way out.
public struct ConsoleResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public var headers: [(String, String)]

    public init(status: Int, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    public init(status: Int, contentType: String, text: String, headers: [(String, String)] = []) {
        self.init(status: status, contentType: contentType, body: Array(text.utf8), headers: headers)
    }

    /// A JSON error body `{"error": "…"}`.
    public static func error(_ status: Int, _ message: String) -> ConsoleResponse {
        let body = (try? ConsoleJSON.encode(["error": message])) ?? Array("{}".utf8)
        return ConsoleResponse(status: status, contentType: ConsoleJSON.contentType, body: body)
    }

    /// The value of header `name` (case-insensitive), the last one when repeated.
    public func header(_ name: String) -> String? {
        headers.last { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// The headers every console response carries: a strict Content-Security-Policy (scripts only from
/// the console itself, no inline script, no plugins, no framing, no `<base>`), no MIME sniffing, no
/// referrer, and no caching (the API answers are live data).
public enum ConsoleSecurityHeaders {
    public static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    public static let all: [(String, String)] = [
        ("Content-Security-Policy", contentSecurityPolicy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Cache-Control", "no-store"),
    ]

    public static func apply(to response: inout ConsoleResponse) {
        for (name, value) in all where response.header(name) == nil { response.headers.append((name, value)) }
    }
}
