/// The two newest `infrasight.stats` records of every stage instance: enough to turn the stages' cumulative
/// counters into rates (the difference between an instance's two newest records over their time apart,
/// summed over instances) and to read their newest values (lag, loss totals).
public struct StatsWindow: Sendable {
    struct Instance: Sendable {
        var previous: StatsRecord?
        var latest: StatsRecord
    }

    private var instances: [String: [String: Instance]] = [:]   // stage → instance → records

    public init() {}

    /// Adds a record; an older or repeated record of an instance (a re-read) is ignored.
    public mutating func add(_ record: StatsRecord) {
        if let known = instances[record.stage]?[record.instance] {
            guard record.timeNs > known.latest.timeNs else { return }
            instances[record.stage]![record.instance] = Instance(previous: known.latest, latest: record)
        } else {
            instances[record.stage, default: [:]][record.instance] = Instance(previous: nil, latest: record)
        }
    }

    /// Instances of `stage` whose newest record is at most `staleAfterNanos` older than `nowNanos`.
    func live(_ stage: String, nowNanos: UInt64, staleAfterNanos: UInt64) -> [Instance] {
        (instances[stage] ?? [:]).values.filter { nowNanos < $0.latest.timeNs || nowNanos - $0.latest.timeNs <= staleAfterNanos }
    }

    /// Live instances of `stage`.
    public func instanceCount(stage: String, nowNanos: UInt64, staleAfterNanos: UInt64) -> Int {
        live(stage, nowNanos: nowNanos, staleAfterNanos: staleAfterNanos).count
    }

    /// Per second, summed over the live instances of `stage` that have two records and report `counter`;
    /// nil when none has.
    public func rate(stage: String, counter: String, nowNanos: UInt64, staleAfterNanos: UInt64) -> Double? {
        var sum: Double?
        for i in live(stage, nowNanos: nowNanos, staleAfterNanos: staleAfterNanos) {
            guard let p = i.previous, let new = i.latest.counters[counter] else { continue }
            let r = CounterRate.perSecond(from: p.counters[counter] ?? 0, to: new, nanoseconds: i.latest.timeNs - p.timeNs)
            sum = (sum ?? 0) + r
        }
        return sum
    }

    /// The newest values of the counters of `stage` that `include` selects, summed over live instances;
    /// nil when no live instance reports any of them.
    public func total(stage: String, nowNanos: UInt64, staleAfterNanos: UInt64, where include: (String) -> Bool) -> UInt64? {
        var sum: UInt64?
        for i in live(stage, nowNanos: nowNanos, staleAfterNanos: staleAfterNanos) {
            for (key, value) in i.latest.counters where include(key) { sum = (sum ?? 0) &+ value }
        }
        return sum
    }

    /// Every probe named in a per-probe counter (`received{<probe>}`, `lag{infrasight.raw.<probe>/N}`, …).
    public func probesSeen() -> Set<Probe> {
        var seen: Set<Probe> = []
        for stage in instances.values {
            for i in stage.values {
                for key in i.latest.counters.keys {
                    for p in Probe.allCases where key == "received{\(p.rawValue)}" || key.hasPrefix("lag{\(p.rawTopic)/")
                        || key.hasPrefix("lag{\(p.enrichedTopic)/") {
                        seen.insert(p)
                    }
                }
            }
        }
        return seen
    }
}
