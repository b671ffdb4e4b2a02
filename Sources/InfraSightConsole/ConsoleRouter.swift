import Foundation
import InfraSightCore
import Logging

/// Maps requests to responses: static page and assets, the login form, and the JSON API.
///
/// - `GET /`, `/console.js`, `/console.css`: the page (static; it reads its filters from the URL).
/// - `GET /login`, `POST /login` (form field `token`): sets the session cookie, then redirects to `/`.
/// - `GET /api/overview`, `/api/events`, `/api/process`, `/api/top/{latency,files,talkers,binaries}`, `/api/health`,
///   `/api/alerts`: JSON.
///
/// With `allowedHosts` set, a request for another `Host` is refused with 421 (DNS-rebinding guard).
/// When a token is configured everything except the login form and the stylesheet needs it (401
/// otherwise; pages get the login form as the 401 body). Bad parameters are 400, a failing
/// ClickHouse 502 (details only in the log). Blocking: call it off the event loop.
public struct ConsoleRouter: Sendable {
    public let database: ConsoleDatabase
    public let databaseName: String
    public let auth: ConsoleAuth
    public let logger: Logger
    /// Host names (without port) accepted in the `Host` header; nil accepts any. A loopback console
    /// without a token sets the loopback names, so a web page cannot reach it through DNS rebinding.
    public let allowedHosts: Set<String>?

    /// The names a loopback listener answers to.
    public static let loopbackHosts: Set<String> = ["127.0.0.1", "localhost", "::1"]

    /// The node name the agent on this machine stamps on its events, and the browser trees the live
    /// events leave out (`EventsView`).
    public let nodeName: String
    let browsers: BrowserProcessTree

    public init(database: ConsoleDatabase, databaseName: String = "infrasight", auth: ConsoleAuth, logger: Logger,
                allowedHosts: Set<String>? = nil, nodeName: String = NodeName.current(),
                browsers: BrowserProcessTree = BrowserProcessTree()) {
        self.database = database
        self.databaseName = databaseName
        self.auth = auth
        self.logger = logger
        self.allowedHosts = allowedHosts
        self.nodeName = nodeName
        self.browsers = browsers
    }

    /// The host part of a `Host` header, lower-cased, without port or IPv6 brackets.
    static func hostName(_ header: String) -> String {
        let h = header.trimmingCharacters(in: .whitespaces).lowercased()
        if h.hasPrefix("["), let close = h.firstIndex(of: "]") { return String(h[h.index(after: h.startIndex)..<close]) }
        if let colon = h.lastIndex(of: ":"), h.firstIndex(of: ":") == colon { return String(h[..<colon]) }
        return h
    }

    /// The response to `request`, with the security headers.
    public func respond(_ request: ConsoleRequest) -> ConsoleResponse {
        var response = route(request)
        ConsoleSecurityHeaders.apply(to: &response)
        return response
    }

    func route(_ request: ConsoleRequest) -> ConsoleResponse {
        let path = request.path
        if let allowedHosts, !allowedHosts.contains(Self.hostName(request.headers["host"] ?? "")) {
            return ConsoleResponse(status: 421, contentType: "text/plain; charset=utf-8",
                                   text: "this console only answers to \(allowedHosts.sorted().joined(separator: ", "))\n")
        }
        let isRead = request.method == "GET" || request.method == "HEAD"
        // Public: the login form and its stylesheet.
        switch (path, isRead) {
        case ("/login", true): return ConsoleAssets.loginPage(status: 200, failed: false)
        case ("/login", false) where request.method == "POST": return login(request)
        case ("/console.css", true): return ConsoleAssets.css
        default: break
        }
        guard auth.allows(authorization: request.headers["authorization"], cookie: request.headers["cookie"]) else {
            if path.hasPrefix("/api/") {
                return .error(401, "authentication required: Authorization: Bearer <token>, or log in at /login")
            }
            return ConsoleAssets.loginPage(status: 401, failed: false)
        }
        guard isRead else {
            return ConsoleResponse(status: 405, contentType: "text/plain; charset=utf-8", text: "method not allowed\n",
                                   headers: [("Allow", "GET, HEAD")])
        }
        do {
            switch path {
            case "/", "/index.html": return ConsoleAssets.index
            case "/console.js": return ConsoleAssets.js
            case "/api/events":
                return try json(EventsView.run(request, database: database, db: databaseName,
                                               nodeName: nodeName, browsers: browsers, logger: logger))
            case "/api/process": return try json(ProcessView.run(request.query, database: database, db: databaseName))
            case "/api/top/latency": return try json(TopView.run(.latency, request.query, database: database, db: databaseName))
            case "/api/top/files": return try json(TopView.run(.files, request.query, database: database, db: databaseName))
            case "/api/top/talkers": return try json(TopView.run(.talkers, request.query, database: database, db: databaseName))
            case "/api/top/binaries": return try json(TopView.run(.binaries, request.query, database: database, db: databaseName))
            case "/api/health": return try json(HealthView.run(request.query, database: database, db: databaseName))
            case "/api/overview": return try json(OverviewView.run(request.query, database: database, db: databaseName))
            case "/api/alerts": return try json(AlertsView.run(request.query, database: database, db: databaseName))
            default:
                return path.hasPrefix("/api/") ? .error(404, "no such API endpoint")
                    : ConsoleResponse(status: 404, contentType: "text/plain; charset=utf-8", text: "not found\n")
            }
        } catch let bad as ConsoleBadRequest {
            return .error(400, bad.message)
        } catch {
            logger.error("console query failed", metadata: ["path": "\(path)", "error": "\(error)"])
            return .error(502, "ClickHouse query failed (see the console's log)")
        }
    }

    private func json<T: Encodable>(_ value: T) throws -> ConsoleResponse {
        ConsoleResponse(status: 200, contentType: ConsoleJSON.contentType, body: try ConsoleJSON.encode(value))
    }

    private func login(_ request: ConsoleRequest) -> ConsoleResponse {
        guard auth.isEnabled else {
            return ConsoleResponse(status: 303, contentType: "text/plain; charset=utf-8", text: "", headers: [("Location", "/")])
        }
        guard request.body.count <= 8192 else { return ConsoleAssets.loginPage(status: 413, failed: true) }
        let form = FormDecoding.pairs(Substring(String(decoding: request.body, as: UTF8.self)))
        let submitted = form.first { $0.0 == "token" }?.1 ?? ""
        guard let session = auth.login(submitted: submitted.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            logger.notice("console login failed")
            return ConsoleAssets.loginPage(status: 401, failed: true)
        }
        logger.info("console login")
        return ConsoleResponse(status: 303, contentType: "text/plain; charset=utf-8", text: "",
                               headers: [("Location", "/"), ("Set-Cookie", auth.setCookie(session: session))])
    }
}
