import CEventLayout
import Foundation

/// One validated side (allow or deny) of an `EventFilter`: the values listed per kind.
public struct FilterList: Sendable, Equatable {
    public var pids: Set<UInt32> = []
    public var comms: Set<String> = []
    public var uids: Set<UInt32> = []
    public var cgroups: Set<CgroupSelector> = []
    public var pathPrefixes: Set<String> = []

    public init() {}

    /// Most entries one kind may list (the kernel maps hold this many per generation).
    public static let maxEntriesPerKind = Int(INFRASIGHT_FILTER_MAX_ENTRIES)
    /// Longest path prefix, in bytes (the rest of a path is not compared).
    public static let maxPathPrefixBytes = Int(INFRASIGHT_FILTER_PATH_MAX)
    /// Longest comm, in bytes (the kernel keeps 15).
    public static let maxCommBytes = Int(INFRASIGHT_COMM_LEN) - 1

    /// Validates `arguments`; `userID` resolves user names (nil: unknown user).
    public init(_ arguments: FilterArguments, side: String, userID: (String) -> UInt32?) throws {
        for text in arguments.pids {
            guard let pid = UInt32(text.trimmingCharacters(in: .whitespaces)), pid > 0 else {
                throw EventFilterError("--\(side)-pid \"\(text)\": expected a process id (a positive integer)")
            }
            pids.insert(pid)
        }
        for text in arguments.comms {
            guard !text.isEmpty, !text.utf8.contains(0) else {
                throw EventFilterError("--\(side)-comm \"\(text)\": expected a non-empty command name")
            }
            guard text.utf8.count <= Self.maxCommBytes else {
                let kept = String(decoding: text.utf8.prefix(Self.maxCommBytes), as: UTF8.self)
                throw EventFilterError("--\(side)-comm \"\(text)\": longer than the \(Self.maxCommBytes) bytes the kernel keeps of a command name (it would be \"\(kept)\")")
            }
            comms.insert(text)
        }
        for text in arguments.uids {
            let t = text.trimmingCharacters(in: .whitespaces)
            if let uid = UInt32(t) {
                uids.insert(uid)
            } else if !t.isEmpty, let uid = userID(t) {
                uids.insert(uid)
            } else {
                throw EventFilterError("--\(side)-uid \"\(text)\": not a user id and no such user in the passwd file")
            }
        }
        for text in arguments.cgroups {
            do { cgroups.insert(try CgroupSelector.parseCgroup(text)) } catch let e as EventFilterError {
                throw EventFilterError("--\(side)-cgroup: \(e.description)")
            }
        }
        for text in arguments.containers {
            do { cgroups.insert(try CgroupSelector.parseContainer(text)) } catch let e as EventFilterError {
                throw EventFilterError("--\(side)-container: \(e.description)")
            }
        }
        for text in arguments.pathPrefixes {
            guard !text.isEmpty, !text.utf8.contains(0) else {
                throw EventFilterError("--\(side)-path-prefix \"\(text)\": expected a non-empty path prefix")
            }
            guard text.utf8.count <= Self.maxPathPrefixBytes else {
                throw EventFilterError("--\(side)-path-prefix \"\(text.prefix(40))…\": longer than \(Self.maxPathPrefixBytes) bytes")
            }
            pathPrefixes.insert(text)
        }
        for (kind, count) in [(FilterKind.pid, pids.count), (.comm, comms.count), (.uid, uids.count),
                              (.cgroup, cgroups.count), (.path, pathPrefixes.count)] where count > Self.maxEntriesPerKind {
            throw EventFilterError("--\(side)-\(kind.rawValue): \(count) entries, at most \(Self.maxEntriesPerKind)")
        }
    }

    /// Kinds with at least one entry.
    public var kinds: Set<FilterKind> {
        var k = Set<FilterKind>()
        if !pids.isEmpty { k.insert(.pid) }
        if !comms.isEmpty { k.insert(.comm) }
        if !uids.isEmpty { k.insert(.uid) }
        if !cgroups.isEmpty { k.insert(.cgroup) }
        if !pathPrefixes.isEmpty { k.insert(.path) }
        return k
    }

    public var isEmpty: Bool { kinds.isEmpty }

    /// The entries of `kind`, as text, sorted.
    public func entries(_ kind: FilterKind) -> [String] {
        switch kind {
        case .pid: return pids.sorted().map(String.init)
        case .comm: return comms.sorted()
        case .uid: return uids.sorted().map(String.init)
        case .cgroup: return cgroups.map(\.description).sorted()
        case .path: return pathPrefixes.sorted()
        }
    }
}
