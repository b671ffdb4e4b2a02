import Foundation

/// Optional token login for the console.
///
/// With no token every request is allowed. With a token, a request is allowed when it carries
/// `Authorization: Bearer <token>` or the session cookie the login form sets; tokens and session ids
/// are compared in constant time. Sessions are random 256-bit ids held in memory (lost on restart),
/// valid for `sessionLifetime`, at most `maxSessions` at once (the oldest is dropped). Neither the
/// token nor session ids are ever logged.
public final class ConsoleAuth: @unchecked Sendable {
    public static let cookieName = "infrasight_session"
    public static let minimumTokenLength = 16

    private let token: [UInt8]?
    public let sessionLifetime: TimeInterval
    public let maxSessions: Int
    private let lock = NSLock()
    private var sessions: [(id: [UInt8], expires: Date)] = []

    /// A token that is too short to be a secret.
    public struct WeakToken: Error, CustomStringConvertible {
        public var description: String { "the console token must be at least \(ConsoleAuth.minimumTokenLength) characters" }
    }

    /// `token` nil: no login. Leading and trailing whitespace (a file's newline) is removed.
    public init(token: String?, sessionLifetime: TimeInterval = 12 * 3600, maxSessions: Int = 256) throws {
        if let raw = token {
            let t = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard t.count >= Self.minimumTokenLength else { throw WeakToken() }
            self.token = Array(t.utf8)
        } else {
            self.token = nil
        }
        self.sessionLifetime = sessionLifetime
        self.maxSessions = maxSessions
    }

    public var isEnabled: Bool { token != nil }

    /// Whether a request with these headers may proceed.
    public func allows(authorization: String?, cookie: String?, now: Date = Date()) -> Bool {
        guard let token else { return true }
        if let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " {
            let offered = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
            if Self.constantTimeEquals(Array(offered.utf8), token) { return true }
        }
        if let cookie, let id = Self.cookieValue(cookie, name: Self.cookieName) {
            return hasSession(Array(id.utf8), now: now)
        }
        return false
    }

    /// Checks a submitted token; on success returns a new session id for the cookie.
    public func login(submitted: String, now: Date = Date()) -> String? {
        guard let token, Self.constantTimeEquals(Array(submitted.utf8), token) else { return nil }
        var rng = SystemRandomNumberGenerator()
        let id = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
        lock.withLock {
            sessions.removeAll { $0.expires <= now }
            if sessions.count >= maxSessions { sessions.removeFirst(sessions.count - maxSessions + 1) }
            sessions.append((Array(id.utf8), now.addingTimeInterval(sessionLifetime)))
        }
        return id
    }

    /// The `Set-Cookie` value for a session: HttpOnly, SameSite=Strict, whole site, session lifetime.
    public func setCookie(session: String, secure: Bool = false) -> String {
        "\(Self.cookieName)=\(session); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(sessionLifetime))" + (secure ? "; Secure" : "")
    }

    private func hasSession(_ id: [UInt8], now: Date) -> Bool {
        lock.withLock {
            // Look at every session so the time taken does not depend on which one matched.
            var found = false
            for s in sessions where s.expires > now {
                if Self.constantTimeEquals(id, s.id) { found = true }
            }
            return found
        }
    }

    /// Equal bytes, in time that depends only on the lengths (never on where they differ).
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff: UInt8 = a.count == b.count ? 0 : 1
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            diff |= x ^ y
        }
        return diff == 0
    }

    /// The value of cookie `name` in a `Cookie:` header.
    static func cookieValue(_ header: String, name: String) -> String? {
        for part in header.split(separator: ";") {
            let kv = part.trimmingCharacters(in: .whitespaces)
            if kv.hasPrefix(name + "=") { return String(kv.dropFirst(name.count + 1)) }
        }
        return nil
    }
}
