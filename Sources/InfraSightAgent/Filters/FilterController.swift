import Foundation
import InfraSightCore
import Logging

/// Keeps every probe's in-kernel filters in line with the agent's configuration: resolves the cgroup
/// selectors (ids, paths, containers), writes the tables to each probe, resolves again from time to
/// time (a container started or restarted later gets its cgroup written), and applies a reloaded
/// configuration (SIGHUP) without detaching anything. An invalid reloaded configuration is logged and
/// the filters in force are kept. Not synchronised: called from the agent's loop thread.
public final class FilterController {
    /// The configuration in force.
    public private(set) var filter: EventFilter
    /// What the kernel maps hold now.
    public private(set) var tables: KernelFilterTables
    public private(set) var reloads = 0
    public private(set) var reloadFailures = 0
    let resolver: FilterCgroupResolver
    let logger: Logger
    private var unresolvedLogged: [CgroupSelector] = []

    /// Resolves `filter`'s cgroups now (`initialTables` go to the probes' constructors).
    public init(filter: EventFilter, resolver: FilterCgroupResolver = FilterCgroupResolver(), logger: Logger) {
        self.filter = filter
        self.resolver = resolver
        self.logger = logger
        tables = .empty
        tables = resolveTables(filter)
    }

    /// The tables the probes start with.
    public var initialTables: KernelFilterTables { tables }

    /// Whether some cgroup selector needs resolving again (paths and containers may appear or move).
    var resolvesAgain: Bool {
        (filter.allow.cgroups.union(filter.deny.cgroups)).contains { if case .id = $0 { return false } else { return true } }
    }

    /// Resolves the cgroup selectors again and writes the tables when the ids changed.
    public func refresh(probes: [BPFProbe]) {
        guard resolvesAgain else { return }
        let fresh = resolveTables(filter)
        guard fresh != tables else { return }
        if write(fresh, to: probes) {
            logger.info("filters: cgroup ids updated (\(fresh.cgroups.count) cgroups)")
        }
    }

    /// Applies `load()`'s configuration (a reload); keeps the one in force when it throws or cannot
    /// be written. Returns whether the new configuration is in force.
    @discardableResult
    public func reload(probes: [BPFProbe], load: () throws -> EventFilter) -> Bool {
        let next: EventFilter
        do {
            next = try load()
        } catch {
            reloadFailures += 1
            logger.error("filter reload failed, keeping the filters in force (\(filter.summary)): \(error)")
            return false
        }
        let changes = next.changes(from: filter)
        let nextTables = resolveTables(next)
        guard write(nextTables, to: probes) else {
            reloadFailures += 1
            logger.error("filter reload failed, keeping the filters in force (\(filter.summary))")
            return false
        }
        filter = next
        reloads += 1
        if changes.isEmpty {
            logger.info("filters reloaded: unchanged (\(next.summary))")
        } else {
            logger.info("filters reloaded: \(changes.joined(separator: "; ")); in force: \(next.summary)")
        }
        return true
    }

    private func resolveTables(_ filter: EventFilter) -> KernelFilterTables {
        let selectors = filter.allow.cgroups.union(filter.deny.cgroups)
        let resolution = resolver.resolve(selectors)
        let unresolved = resolution.unresolved
        if unresolved != unresolvedLogged {
            if !unresolved.isEmpty {
                logger.warning("filters: no cgroup found (yet) for \(unresolved.map(\.description).joined(separator: ", ")); resolving again every few seconds")
            }
            unresolvedLogged = unresolved
        }
        return KernelFilterTables(filter: filter, cgroupIDs: { resolution.ids[$0] ?? [] })
    }

    /// Writes `next` to every probe; on a failure puts the previous tables back and returns false.
    private func write(_ next: KernelFilterTables, to probes: [BPFProbe]) -> Bool {
        for (i, probe) in probes.enumerated() {
            do {
                try probe.setFilter(next)
            } catch {
                logger.error("could not write filters to the \(probe.probe.rawValue) probe: \(error)")
                for done in probes[...i] { try? done.setFilter(tables) }
                return false
            }
        }
        tables = next
        return true
    }
}
