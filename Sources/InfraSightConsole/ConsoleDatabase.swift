import Foundation
import InfraSightClickHouse

/// Where the console's queries go. The real one is `ClickHouseConsoleDatabase`; tests pass a fake
/// that records the SQL.
public protocol ConsoleDatabase: Sendable {
    /// Runs one read-only SELECT and returns its `TabSeparatedWithNames` text.
    func select(_ sql: String) throws -> String
}

extension ConsoleDatabase {
    /// `select`, parsed into a table; `columns` stand in when the answer has no header (no rows).
    func table(_ sql: String, columns: [String]) throws -> ConsoleTable {
        ConsoleTable(tabSeparatedWithNames: try select(sql), columns: columns)
    }
}

/// ClickHouse over HTTP: every query is sent with `readonly=1` and `FORMAT TabSeparatedWithNames`,
/// on a small pool of keep-alive clients (a `ClickHouseClient` is not thread-safe).
public final class ClickHouseConsoleDatabase: ConsoleDatabase, @unchecked Sendable {
    public let endpoint: ClickHouseEndpoint
    public let timeoutSeconds: Int
    private let lock = NSLock()
    private var idle: [ClickHouseClient] = []
    private let maxIdle = 8

    public init(endpoint: ClickHouseEndpoint, timeoutSeconds: Int = 15) {
        self.endpoint = endpoint
        self.timeoutSeconds = timeoutSeconds
    }

    /// The settings sent with every query (per-call settings override the URL's).
    public static let settings = ["readonly": "1"]

    public func select(_ sql: String) throws -> String {
        let client = try lock.withLock { idle.popLast() } ?? ClickHouseClient(endpoint: endpoint, timeoutSeconds: timeoutSeconds)
        let text = try client.query(sql + "\nFORMAT TabSeparatedWithNames", settings: Self.settings)
        lock.withLock { if idle.count < maxIdle { idle.append(client) } }
        return text
    }
}
