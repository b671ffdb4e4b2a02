import Foundation

/// The agent's in-kernel allow/deny filters: which records the BPF programs drop before they reach
/// the ring buffer (and so Kafka). Kinds: pid (tgid), comm, uid, cgroup (cgroup ids, cgroup paths and
/// container ids; a cgroup covers its subtree), and path prefix (open and chmod only).
///
/// Semantics:
/// - **deny wins**: a record whose value is on a deny list is dropped, whatever the allow lists say;
/// - an **allow list** of a kind, when non-empty, admits only records whose value is on it;
/// - lists of **different kinds combine with AND**: a record passes only when every kind passes it.
/// A path prefix is a byte prefix of the path string the process passed (not resolved: relative
/// paths stay relative; `/tmp/a` also matches `/tmp/ab`, write `/tmp/a/` for the directory only).
/// fchmod has no path and is not subject to path lists; an unreadable path matches no prefix.
/// Every dropped record is counted as `filtered{<kind>,<probe>}`. The agent's own process and the
/// pipeline's are excluded separately (`excluded_tgids`), before any filter.
public struct EventFilter: Sendable, Equatable {
    public var allow: FilterList
    public var deny: FilterList

    /// No filters: every record passes.
    public static let none = EventFilter(allow: FilterList(), deny: FilterList())

    public init(allow: FilterList, deny: FilterList) {
        self.allow = allow
        self.deny = deny
    }

    /// Validates both sides; `userID` resolves user names (default: the passwd file `passwdPath`).
    public init(allow: FilterArguments, deny: FilterArguments, userID: (String) -> UInt32?) throws {
        self.allow = try FilterList(allow, side: "allow", userID: userID)
        self.deny = try FilterList(deny, side: "deny", userID: userID)
    }

    /// `init(allow:deny:userID:)` with user names from `passwdPath`.
    public init(allow: FilterArguments, deny: FilterArguments, passwdPath: String) throws {
        let needsNames = (allow.uids + deny.uids).contains { UInt32($0.trimmingCharacters(in: .whitespaces)) == nil }
        var byName: [String: UInt32] = [:]
        if needsNames, let text = try? String(contentsOfFile: passwdPath, encoding: .utf8) {
            for (uid, name) in PasswdParser.parse(text) where byName[name].map({ uid < $0 }) ?? true { byName[name] = uid }
        }
        try self.init(allow: allow, deny: deny, userID: { byName[$0] })
    }

    public var isEmpty: Bool { allow.isEmpty && deny.isEmpty }

    /// Whether the path-prefix lists apply to `probe` (only open and chmod carry a path).
    public static func pathApplies(to probe: String) -> Bool { probe == "open" || probe == "chmod" }

    /// One line for the log: `deny comm [a, b]; allow uid [0]`, or `none`.
    public var summary: String {
        var parts: [String] = []
        for (side, list) in [("deny", deny), ("allow", allow)] {
            for kind in FilterKind.allCases where !list.entries(kind).isEmpty {
                parts.append("\(side) \(kind.rawValue) [\(list.entries(kind).joined(separator: ", "))]")
            }
        }
        return parts.isEmpty ? "none" : parts.joined(separator: "; ")
    }

    /// What changed from `old`, one item per side and kind (`deny comm +x -y`); empty when equal.
    public func changes(from old: EventFilter) -> [String] {
        var out: [String] = []
        for (side, new, before) in [("deny", deny, old.deny), ("allow", allow, old.allow)] {
            for kind in FilterKind.allCases {
                let n = Set(new.entries(kind)), o = Set(before.entries(kind))
                guard n != o else { continue }
                let added = n.subtracting(o).sorted().map { "+\($0)" }
                let removed = o.subtracting(n).sorted().map { "-\($0)" }
                out.append("\(side) \(kind.rawValue) \((added + removed).joined(separator: " "))")
            }
        }
        return out
    }
}
