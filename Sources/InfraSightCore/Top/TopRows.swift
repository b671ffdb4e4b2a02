/// Builds the rows of `infrasight top` from the stats window (every stage's counters) and the committed
/// offsets of the enrich and sink consumer groups (their per-probe throughput; the stats of those stages
/// are not per probe).
///
/// Per stage (`all`): agent received/produced per second, kernel loss (`lost{reason}` totals), drops,
/// dead letters and throttled; enrich, detect and sink received and produced (detect: alerts)/inserted per
/// second, dead letters, drops and consumer lag. Per probe: agent `received{p}`/`produced{p}` rates, `lost{reason,p}` and
/// `throttled{p}`; enrich and sink the committed-offset rate on the probe's topic and the lag of its
/// partitions (`lag{<topic>/<partition>}`).
public struct TopRows: Sendable {
    public var stats: StatsWindow
    public var enrich: (previous: OffsetSample?, latest: OffsetSample?)
    public var sink: (previous: OffsetSample?, latest: OffsetSample?)
    public var nowNanos: UInt64
    public var staleAfterNanos: UInt64

    public init(stats: StatsWindow, enrich: (previous: OffsetSample?, latest: OffsetSample?),
                sink: (previous: OffsetSample?, latest: OffsetSample?), nowNanos: UInt64, staleAfterNanos: UInt64) {
        self.stats = stats; self.enrich = enrich; self.sink = sink; self.nowNanos = nowNanos; self.staleAfterNanos = staleAfterNanos
    }

    /// Probes with any activity: named in stats or with committed offsets.
    public var probes: [Probe] {
        var seen = stats.probesSeen()
        for case let s? in [enrich.latest, sink.latest] { seen.formUnion(s.committed.keys) }
        return Probe.allCases.filter { seen.contains($0) }
    }

    /// Agent, enrich and sink always, each as a whole and per probe; detect as a whole, between enrich and
    /// the sink, while an instance of it reports (its stats are not per probe, and `top` does not know its
    /// consumer group).
    public func rows() -> [TopRow] {
        var rows: [TopRow] = []
        for stage in PipelineStages.known {
            if stage == "detect" {
                if stats.instanceCount(stage: stage, nowNanos: nowNanos, staleAfterNanos: staleAfterNanos) > 0 {
                    rows.append(stageRow(stage))
                }
                continue
            }
            rows.append(stageRow(stage))
            for p in probes { rows.append(probeRow(stage, p)) }
        }
        return rows
    }

    func rate(_ stage: String, _ counter: String) -> Double? {
        stats.rate(stage: stage, counter: counter, nowNanos: nowNanos, staleAfterNanos: staleAfterNanos)
    }

    func total(_ stage: String, _ include: (String) -> Bool) -> UInt64? {
        stats.total(stage: stage, nowNanos: nowNanos, staleAfterNanos: staleAfterNanos, where: include)
    }

    func stageRow(_ stage: String) -> TopRow {
        var row = TopRow(stage: stage, probe: TopRow.allProbes)
        row.instances = stats.instanceCount(stage: stage, nowNanos: nowNanos, staleAfterNanos: staleAfterNanos)
        row.inPerSecond = rate(stage, "received")
        row.outPerSecond = rate(stage, stage == "sink" ? "inserted" : "produced")
        row.dropped = total(stage) { $0 == "dropped" }
        row.deadLettered = total(stage) { $0 == "dead_lettered" }
        if stage == "agent" {
            row.lost = total(stage) { $0.hasPrefix("lost{") && !$0.contains(",") }
            row.throttled = total(stage) { $0 == "throttled" }
        } else {
            row.lag = total(stage) { $0 == "lag" }
        }
        return row
    }

    func probeRow(_ stage: String, _ p: Probe) -> TopRow {
        var row = TopRow(stage: stage, probe: p.rawValue)
        switch stage {
        case "agent":
            row.inPerSecond = rate(stage, "received{\(p.rawValue)}")
            row.outPerSecond = rate(stage, "produced{\(p.rawValue)}")
            row.lost = total(stage) { $0.hasPrefix("lost{") && $0.hasSuffix(",\(p.rawValue)}") }
            row.throttled = total(stage) { $0 == "throttled{\(p.rawValue)}" }
        default:
            let (samples, topic) = stage == "enrich" ? (enrich, p.rawTopic) : (sink, p.enrichedTopic)
            row.inPerSecond = samples.latest?.rate(since: samples.previous, probe: p)
            row.lag = total(stage) { $0.hasPrefix("lag{\(topic)/") }
        }
        return row
    }
}
