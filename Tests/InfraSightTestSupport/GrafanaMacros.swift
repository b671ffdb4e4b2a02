import Foundation

/// Expands the backend macros of the grafana-clickhouse-datasource plugin exactly as the plugin does, so a
/// test runs the SQL ClickHouse really receives from Grafana.
///
/// The plugin (pkg/macros/macros.go) registers its macros with grafana/sqlds, which finds each one with the
/// regular expression `\$__NAME(?:\((.*?)\))?` (arguments up to the first `)`, split on commas and trimmed)
/// and replaces every occurrence. Expansions, with the dashboard's time range `from`/`to` in UTC:
/// `$__fromTime`/`$__toTime` → `toDateTime(<unix s>)`; `$__fromTime_ms`/`$__toTime_ms` →
/// `fromUnixTimestamp64Milli(<unix ms>)`; `$__timeFilter(c)` → `c >= toDateTime(f) AND c <= toDateTime(t)`;
/// `$__timeFilter_ms(c)` likewise with milliseconds; `$__dateFilter(c)` → `c >= toDate('YYYY-MM-DD') AND …`;
/// `$__dateTimeFilter(d, t)` / `$__dt(d, t)` → `(date filter) AND (time filter)`; `$__timeInterval(c)` →
/// `toStartOfInterval(toDateTime(c), INTERVAL <n> second)`; `$__timeInterval_ms(c)`; `$__interval_s` → `<n>`
/// (n = the panel interval in whole seconds, at least 1).
///
/// Anything else starting with `$__` is an error here: Grafana would send it to ClickHouse unexpanded.
public struct GrafanaMacros {
    public var from: Date
    public var to: Date
    public var intervalSeconds: Double

    /// Every macro the plugin defines.
    public static let names = ["fromTime", "toTime", "fromTime_ms", "toTime_ms", "timeFilter", "timeFilter_ms",
                               "dateFilter", "dateTimeFilter", "dt", "timeInterval", "timeInterval_ms", "interval_s"]

    public init(from: Date, to: Date, intervalSeconds: Double) {
        self.from = from
        self.to = to
        self.intervalSeconds = intervalSeconds
    }

    /// The macro names `sql` uses (each `$__word`), in order of appearance.
    public static func used(in sql: String) -> [String] {
        let re = try! NSRegularExpression(pattern: #"\$__(\w+)"#)
        return re.matches(in: sql, range: NSRange(sql.startIndex..., in: sql)).map {
            String(sql[Range($0.range(at: 1), in: sql)!])
        }
    }

    public func expand(_ sql: String) throws -> String {
        for name in Self.used(in: sql) where !Self.names.contains(name) {
            throw TestSupportError("unknown macro $__\(name): the plugin would send it to ClickHouse as it is")
        }
        var text = sql
        // Longest names first, so `$__fromTime_ms` is never taken for `$__fromTime` followed by `_ms`.
        for name in Self.names.sorted(by: { $0.count > $1.count }) {
            let re = try NSRegularExpression(pattern: #"\$__"# + name + #"(?!\w)(?:\((.*?)\))?"#)
            while let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                let whole = Range(m.range, in: text)!
                var args: [String] = []
                if let r = Range(m.range(at: 1), in: text) {
                    args = text[r].split(separator: ",", omittingEmptySubsequences: false)
                        .map { $0.trimmingCharacters(in: .whitespaces) }
                }
                text.replaceSubrange(whole, with: try expansion(name, args))
            }
        }
        return text
    }

    private func expansion(_ name: String, _ args: [String]) throws -> String {
        func need(_ n: Int) throws {
            guard args.count == n else { throw TestSupportError("$__\(name): expected \(n) argument(s), received \(args.count)") }
        }
        let f = Int64(from.timeIntervalSince1970.rounded(.down)), t = Int64(to.timeIntervalSince1970.rounded(.down))
        let fMs = Int64((from.timeIntervalSince1970 * 1000).rounded(.down)), tMs = Int64((to.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = Int(max(intervalSeconds, 1))
        let millis = Int(max((intervalSeconds * 1000).rounded(.down), 1))
        func date(_ d: Date) -> String {
            let fmt = DateFormatter()
            fmt.locale = Locale(identifier: "en_US_POSIX")
            fmt.timeZone = TimeZone(identifier: "UTC")
            fmt.dateFormat = "yyyy-MM-dd"
            return "toDate('\(fmt.string(from: d))')"
        }
        switch name {
        case "fromTime": return "toDateTime(\(f))"
        case "toTime": return "toDateTime(\(t))"
        case "fromTime_ms": return "fromUnixTimestamp64Milli(\(fMs))"
        case "toTime_ms": return "fromUnixTimestamp64Milli(\(tMs))"
        case "timeFilter":
            try need(1)
            return "\(args[0]) >= toDateTime(\(f)) AND \(args[0]) <= toDateTime(\(t))"
        case "timeFilter_ms":
            try need(1)
            return "\(args[0]) >= fromUnixTimestamp64Milli(\(fMs)) AND \(args[0]) <= fromUnixTimestamp64Milli(\(tMs))"
        case "dateFilter":
            try need(1)
            return "\(args[0]) >= \(date(from)) AND \(args[0]) <= \(date(to))"
        case "dateTimeFilter", "dt":
            try need(2)
            return "(\(args[0]) >= \(date(from)) AND \(args[0]) <= \(date(to))) AND "
                + "(\(args[1]) >= toDateTime(\(f)) AND \(args[1]) <= toDateTime(\(t)))"
        case "timeInterval":
            try need(1)
            return "toStartOfInterval(toDateTime(\(args[0])), INTERVAL \(seconds) second)"
        case "timeInterval_ms":
            try need(1)
            return "toStartOfInterval(toDateTime64(\(args[0]), 3), INTERVAL \(millis) millisecond)"
        case "interval_s": return "\(seconds)"
        default: throw TestSupportError("unknown macro $__\(name)")
        }
    }
}
