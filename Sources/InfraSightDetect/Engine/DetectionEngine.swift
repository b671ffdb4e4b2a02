import InfraSightCore

/// An alert the engine raised, with the input positions of the events behind it: they stay held (not
/// committed) until the alert is acknowledged by the bus.
public struct RaisedAlert {
    public var record: AlertRecord
    public var positions: [InputPosition]
}

/// Runs the rules over events one at a time and keeps, per process, what stateful rules (sequences and
/// thresholds) have seen. Works on event time: sequence order is the events' time order, whatever order
/// they arrive in; an event older than the watermark (the lowest of the partitions' newest event
/// times) minus `latenessNs` is too late for stateful rules (counted) and still meets single-event rules.
///
/// State is rebuilt from the log after a crash or rebalance: every held event holds back its
/// partition's commit (`heldOffsets`), so a worker that takes over reads it again. Alert ids are
/// deterministic, so an alert raised twice across a restart collapses in `alerts_dedup`.
public final class DetectionEngine {
    public private(set) var book: RuleBook
    public let latenessNs: UInt64
    public let detectedBy: String
    /// Held events per (rule index, process).
    private var state: [StateKey: [HeldEvent]] = [:]
    /// The newest event time seen on any partition (for expiry).
    public private(set) var newestEventNs: UInt64 = 0
    /// The newest event time per input partition. The watermark that decides lateness is the lowest of
    /// them: partitions are read at different speeds (a worker replaying a backlog after a restart reads
    /// one topic far ahead of another), and an event is late only once every partition has moved past it.
    private var newestByPartition: [PartitionKey: PartitionClock] = [:]
    /// The partition of the previous event and its clock: a consumer hands over a partition's messages
    /// in runs, so most events find their clock here without hashing the topic name.
    private var lastPartition: (key: PartitionKey, clock: PartitionClock)?
    /// The lowest of `newestByPartition`, kept up to date as events arrive.
    public private(set) var watermarkNs: UInt64 = 0
    /// Counts for the stage: alerts by rule, late events, state evictions.
    public private(set) var lateEvents: UInt64 = 0
    public private(set) var evictedEvents: UInt64 = 0
    /// Per (rule, process), at most this many held events; the oldest go first.
    public static let heldPerProcessLimit = 256
    private var lastHost: (bytes: [UInt8], text: String) = ([], "")

    struct StateKey: Hashable {
        var rule: Int
        var process: ProcessKey
    }

    public init(book: RuleBook, latenessNs: UInt64 = 5_000_000_000, detectedBy: String) {
        self.book = book
        self.latenessNs = latenessNs
        self.detectedBy = detectedBy
    }

    /// Events held in state now.
    public var heldCount: Int { state.values.reduce(0) { $0 + $1.count } }

    /// Swaps the rules. State of a rule that is still there with the same name and version is kept;
    /// the rest is dropped (its held events are released).
    public func replaceRules(_ newBook: RuleBook) {
        var newIndex: [String: Int] = [:]
        for (i, r) in newBook.rules.enumerated() { newIndex["\(r.name)\u{0}\(r.version)"] = i }
        var kept: [StateKey: [HeldEvent]] = [:]
        for (key, events) in state {
            let old = book.rules[key.rule]
            if let i = newIndex["\(old.name)\u{0}\(old.version)"] { kept[StateKey(rule: i, process: key.process)] = events }
        }
        state = kept
        book = newBook
    }

    /// Evaluates `event` against every rule that can match its probe and returns the alerts it raises.
    public func process(_ event: EventView, probe: Probe, at position: InputPosition, into alerts: inout [RaisedAlert]) {
        var facts = EventFacts(event: event, probe: probe)
        let time = event.timeNs
        let late = watermarkNs > latenessNs && time < watermarkNs - latenessNs
        if time > newestEventNs { newestEventNs = time }
        advanceWatermark(position.partitionKey, to: time)
        guard let entries = book.byProbe[probe] else { return }
        for entry in entries where entry.gate.admits(event, probe: probe) {
            let i = entry.index
            let rule = book.rules[i]
            switch rule.kind {
            case .single(let predicate):
                guard predicate(&facts) else { continue }
                let id = String(decoding: event.eventID, as: UTF8.self)
                alerts.append(RaisedAlert(record: record(rule, &facts, eventIDs: [id]), positions: [position]))
            case .sequence(let steps, let within, let same):
                var matched: [Int] = []
                for (s, step) in steps.enumerated() where step(&facts) { matched.append(s) }
                guard !matched.isEmpty else { continue }
                if late { lateEvents &+= 1; continue }
                let sameValues = same.map { $0.render(&facts) }
                let key = StateKey(rule: i, process: processKey(event))
                var held = state.removeValue(forKey: key) ?? []   // moved out: appended to without a copy
                let id = String(decoding: event.eventID, as: UTF8.self)
                for s in matched {
                    makeRoom(&held)
                    held.append(HeldEvent(step: s, timeNs: time, eventID: id, same: sameValues, position: position))
                    if let chain = SequenceMatcher.chain(in: held, steps: steps.count, withinNs: within, including: held.count - 1) {
                        let ordered = chain.map { held[$0] }
                        alerts.append(RaisedAlert(record: record(rule, &facts, eventIDs: ordered.map(\.eventID)),
                                                  positions: ordered.map(\.position)))
                        remove(chain, from: &held)
                        break
                    }
                }
                state[key] = held.isEmpty ? nil : held
            case .threshold(let predicate, let count, let within):
                guard predicate(&facts) else { continue }
                if late { lateEvents &+= 1; continue }
                let key = StateKey(rule: i, process: processKey(event))
                var held = state.removeValue(forKey: key) ?? []   // moved out: appended to without a copy
                makeRoom(&held)
                held.append(HeldEvent(step: 0, timeNs: time, eventID: String(decoding: event.eventID, as: UTF8.self),
                                      same: [], position: position))
                if let hits = SequenceMatcher.threshold(in: held, count: count, withinNs: within, including: held.count - 1) {
                    let ordered = hits.map { held[$0] }
                    alerts.append(RaisedAlert(record: record(rule, &facts, eventIDs: ordered.map(\.eventID)),
                                              positions: ordered.map(\.position)))
                    remove(hits, from: &held)
                }
                state[key] = held.isEmpty ? nil : held
            }
        }
    }

    /// Drops held events whose window has closed: older than their rule's window plus the lateness
    /// bound, measured from the newest event time seen or from `wallNowNs` minus the lateness bound,
    /// whichever is later (so state of a quiet process still ends).
    public func expire(wallNowNs: UInt64) {
        let horizon = max(newestEventNs, wallNowNs > latenessNs ? wallNowNs - latenessNs : 0)
        for (key, held) in state {
            let keep = book.rules[key.rule].windowNs &+ latenessNs
            let kept = held.filter { $0.timeNs &+ keep >= horizon }
            if kept.count != held.count { state[key] = kept.isEmpty ? nil : kept }
        }
    }

    /// The lowest held offset per partition: nothing at or after it may be committed yet.
    public func heldOffsets() -> [PartitionKey: Int64] {
        var out: [PartitionKey: Int64] = [:]
        for held in state.values {
            for e in held {
                let k = e.position.partitionKey
                if let o = out[k], o <= e.position.offset { continue }
                out[k] = e.position.offset
            }
        }
        return out
    }

    /// Records `time` as seen on `partition`; the watermark is recomputed only when the partition that
    /// held it moved (or a partition is new).
    private func advanceWatermark(_ partition: PartitionKey, to time: UInt64) {
        let clock: PartitionClock
        var isNew = false
        if let last = lastPartition, last.key == partition {
            clock = last.clock
        } else {
            if let known = newestByPartition[partition] {
                clock = known
            } else {
                clock = PartitionClock()
                newestByPartition[partition] = clock
                isNew = true
            }
            lastPartition = (partition, clock)
        }
        guard isNew || time > clock.newestNs else { return }
        let old = clock.newestNs
        clock.newestNs = time
        if isNew || old == watermarkNs { watermarkNs = newestByPartition.values.lazy.map(\.newestNs).min() ?? 0 }
    }

    /// Drops held events read from `partitions` (revoked: their new owner reads them again).
    public func forget(_ partitions: Set<PartitionKey>) {
        for p in partitions { newestByPartition[p] = nil }
        lastPartition = nil
        watermarkNs = newestByPartition.values.lazy.map(\.newestNs).min() ?? 0
        for (key, held) in state {
            let kept = held.filter { !partitions.contains($0.position.partitionKey) }
            if kept.count != held.count { state[key] = kept.isEmpty ? nil : kept }
        }
    }

    /// Frees a slot for one more held event (the newcomer is appended last, where the matchers look for
    /// it): at the limit, the oldest eighth by event time goes, so the sort is paid once per 32 events.
    private func makeRoom(_ held: inout [HeldEvent]) {
        guard held.count >= Self.heldPerProcessLimit else { return }
        let cut = Self.heldPerProcessLimit / 8
        held.sort { $0.timeNs < $1.timeNs }
        held.removeFirst(cut)
        evictedEvents &+= UInt64(cut)
    }

    private func remove(_ indices: [Int], from held: inout [HeldEvent]) {
        for i in indices.sorted(by: >) { held.remove(at: i) }
    }

    private func processKey(_ event: EventView) -> ProcessKey {
        let host = event.host
        if !ByteMatch.equal(host, lastHost.bytes) {
            lastHost = (Array(host), String(decoding: host, as: UTF8.self))
        }
        return ProcessKey(host: lastHost.text, pid: event.pid)
    }

    private func record(_ rule: CompiledRule, _ facts: inout EventFacts, eventIDs: [String]) -> AlertRecord {
        let e = facts.event
        var a = AlertRecord()
        a.alertID = AlertRecord.identity(rule: rule.name, version: rule.version, eventIDs: eventIDs)
        a.rule = rule.name
        a.ruleVersion = rule.version
        a.severity = rule.priority.rawValue
        a.tags = rule.tags
        a.timeNs = e.timeNs
        a.host = String(decoding: e.host, as: UTF8.self)
        a.pid = e.pid
        a.execID = String(decoding: e.process.execID, as: UTF8.self)
        a.comm = String(decoding: e.comm, as: UTF8.self)
        a.exe = String(decoding: e.process.exe, as: UTF8.self)
        a.uid = e.uid
        a.user = String(decoding: e.user, as: UTF8.self)
        a.containerID = String(decoding: e.containerID, as: UTF8.self)
        a.containerName = String(decoding: e.container.name, as: UTF8.self)
        a.podName = String(decoding: e.container.podName, as: UTF8.self)
        a.podNamespace = String(decoding: e.container.podNamespace, as: UTF8.self)
        a.message = rule.output.render(&facts)
        a.eventIDs = eventIDs
        a.probe = facts.probe.rawValue
        a.detectedNs = WallClock.nowNanos()
        a.detectedBy = detectedBy
        return a
    }
}

/// The newest event time read from one input partition, shared by reference so the engine can keep the
/// previous event's partition at hand and update it without a dictionary lookup.
final class PartitionClock {
    var newestNs: UInt64 = 0
}
