import Foundation

/// Where and how to reach a ClickHouse server over HTTP(S).
///
/// Parses URLs like `http://user:pass@host:8123/?database=x&max_insert_block_size=100000`:
/// user and password (percent-decoded) become credentials, `database` selects the default database,
/// `user` / `password` query parameters are accepted as credentials too, and every other query parameter
/// becomes a ClickHouse setting sent with each request. `description` never shows the password.
public struct ClickHouseEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// `scheme://host:port[/path]` without credentials, query or trailing slash.
    public var baseURL: String
    public var user: String?
    /// Kept out of `description` and of every URL the client builds (sent as HTTP Basic auth).
    public var password: String?
    /// Default database (`database` URL parameter of every request), or nil for the server's default.
    public var database: String?
    /// Settings sent as URL parameters with every request; per-call settings override them.
    public var settings: [String: String]

    /// A malformed endpoint URL. The message never contains the password.
    public struct InvalidURL: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public init(baseURL: String, user: String? = nil, password: String? = nil,
                database: String? = nil, settings: [String: String] = [:]) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.user = user
        self.password = password
        self.database = database
        self.settings = settings
    }

    public init(url: String) throws {
        let text = url.trimmedWhitespace()
        guard let schemeEnd = text.range(of: "://") else {
            throw InvalidURL(description: "ClickHouse URL needs a scheme (http:// or https://): \(Self.redacted(text))")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw InvalidURL(description: "ClickHouse URL scheme must be http or https, not '\(scheme)'")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let pathAndQuery = rest[authorityEnd...]
        var user: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = PercentEncoding.decode(userInfo[..<colon])
                password = PercentEncoding.decode(userInfo[userInfo.index(after: colon)...])
            } else {
                user = PercentEncoding.decode(userInfo)
            }
        }
        guard !authority.isEmpty, !authority.hasPrefix(":") else {
            throw InvalidURL(description: "ClickHouse URL has no host: \(Self.redacted(text))")
        }
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let port = authority[authority.index(after: colon)...]
            guard let p = Int(port), (1...65535).contains(p) else {
                throw InvalidURL(description: "ClickHouse URL has a bad port '\(port)': \(Self.redacted(text))")
            }
        }
        var path = Substring("")
        var query = Substring("")
        if let q = pathAndQuery.firstIndex(of: "?") {
            path = pathAndQuery[..<q]
            query = pathAndQuery[pathAndQuery.index(after: q)...]
        } else {
            path = pathAndQuery
        }
        var database: String?
        var settings: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let key: String
            let value: String
            if let eq = pair.firstIndex(of: "=") {
                key = PercentEncoding.decode(pair[..<eq], plusIsSpace: true)
                value = PercentEncoding.decode(pair[pair.index(after: eq)...], plusIsSpace: true)
            } else {
                key = PercentEncoding.decode(pair, plusIsSpace: true)
                value = ""
            }
            switch key {
            case "database": database = value.isEmpty ? nil : value
            case "user": user = value
            case "password": password = value
            default: settings[key] = value
            }
        }
        self.init(baseURL: scheme + "://" + authority + path, user: user, password: password,
                  database: database, settings: settings)
    }

    /// The endpoint for logs: base URL, user and database; the password is shown as `***`.
    public var description: String {
        var s = baseURL
        if let user { s += " user=\(user)" + (password.map { $0.isEmpty ? "" : " password=***" } ?? "") }
        if let database { s += " database=\(database)" }
        return s
    }

    /// `text` with any `user:password@` reduced to `user:***@` (for error messages).
    static func redacted(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return text }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return text }
        let userInfo = rest[..<at]
        let user = userInfo.firstIndex(of: ":").map { String(userInfo[..<$0]) + ":***" } ?? String(userInfo)
        return String(text[..<schemeEnd.upperBound]) + user + String(rest[at...])
    }
}
