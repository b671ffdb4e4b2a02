import InfraSightCore

/// The filters of the live event stream and the top views, parsed from query parameters.
///
/// Strings are matched as literals (`host`, `user`, `comm` exactly; `container` by name, id or id
/// prefix; `path` and `address` as substrings); `probe` must be a known probe; `since` (minutes,
/// 1…10080) and `limit` (1…`maxLimit`) are bounded integers. `after_ns` (live stream only) keeps the
/// events whose `time_ns` is later: the console's incremental polling.
public struct EventFilter: Sendable, Equatable {
    public var host: String?
    public var container: String?
    public var probe: Probe?
    public var user: String?
    public var comm: String?
    public var path: String?
    public var address: String?
    public var sinceMinutes: Int = 60
    public var limit: Int = 100
    /// Only events with a later `time_ns` (nanoseconds since the epoch).
    public var afterNs: UInt64?
    /// `own=1`: keep the asking browser's own activity (otherwise `excludedTree` leaves it out).
    public var own = false
    /// A process tree on one host whose events are left out: set by the server, never from a parameter.
    public var excludedTree: ProcessTree?

    /// A process and its descendants (by `ancestors_pid`) on `host`.
    public struct ProcessTree: Sendable, Equatable {
        public var host: String
        public var pid: UInt32
        public init(host: String, pid: UInt32) { self.host = host; self.pid = pid }
    }

    public static let maxLimit = 1000
    public static let maxSinceMinutes = 7 * 24 * 60
    /// Every parameter name the event stream accepts.
    public static let names: Set<String> = ["host", "container", "probe", "user", "comm", "path", "address", "since", "limit",
                                            "after_ns", "own"]

    public init() {}

    /// Parses the parameters; `allowed` restricts the names further (the top views take fewer).
    public init(_ pairs: [(String, String)], allowed: Set<String> = EventFilter.names) throws {
        let p = try ConsoleParameters(pairs, allowed: allowed)
        host = p.string("host")
        container = p.string("container")
        probe = try p.probe()
        user = p.string("user")
        comm = p.string("comm")
        path = p.string("path")
        address = p.string("address")
        sinceMinutes = try p.int("since", in: 1...Self.maxSinceMinutes) ?? 60
        limit = try p.int("limit", in: 1...Self.maxLimit) ?? 100
        own = try p.int("own", in: 0...1) == 1
        if let text = p.string("after_ns") {
            guard text.count <= 20, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let value = UInt64(text) else {
                throw ConsoleBadRequest("parameter 'after_ns' must be nanoseconds since the epoch (digits)")
            }
            afterNs = value
        }
    }

    /// The WHERE conditions for `source`, or nil when the filters exclude that table entirely.
    func conditions(for source: EventSource) -> [String]? {
        var c = [Condition.window(minutes: sinceMinutes)]
        if let probe {
            guard source.probes.contains(probe) else { return nil }
            c.append(Condition.equals("probe", probe.rawValue))
        }
        if let afterNs { c.append("time_ns > \(afterNs)") }
        if let tree = excludedTree, !own {
            c.append("NOT (host = \(SQLText.string(tree.host)) AND (pid = \(tree.pid) OR has(ancestors_pid, toUInt32(\(tree.pid)))))")
        }
        if let host { c.append(Condition.equals("host", host)) }
        if let container { c.append(Condition.container(container)) }
        if let user { c.append(Condition.equals("user", user)) }
        if let comm { c.append(Condition.equals("comm", comm)) }
        if let path {
            guard let columns = source.pathColumns else { return nil }
            c.append(Condition.contains(columns, path))
        }
        if let address {
            guard let columns = source.addressColumns else { return nil }
            c.append(Condition.contains(columns, address))
        }
        return c
    }
}
