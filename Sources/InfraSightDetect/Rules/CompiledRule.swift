import InfraSightCore

/// A test of one event, built once from a condition: closures over the event's fields read in place.
typealias Predicate = (inout EventFacts) -> Bool

/// One rule ready to run: what it matches, how (one event, a sequence, a threshold) and what it says.
/// A class: the engine reads a rule for every event it meets, and a reference costs one retain where a
/// struct of strings, tags and closures cost one per member.
public final class CompiledRule {
    public let name: String
    public let version: UInt32
    public let priority: AlertSeverity
    public let tags: [String]
    public let description: String
    let output: OutputTemplate

    enum Kind {
        /// Every matching event raises an alert.
        case single(Predicate)
        /// One process matches every step, in event-time order, within the window; `same` fields agree.
        case sequence(steps: [Predicate], withinNs: UInt64, same: [EventField])
        /// `count` matching events of one process within the window raise one alert.
        case threshold(Predicate, count: Int, withinNs: UInt64)
    }
    let kind: Kind
    /// The probes whose events can match (nil: any probe), so a rule runs only on those.
    let probes: Set<Probe>?
    /// What every matching event must be, checked before the closures run.
    let gate: RuleGate
    /// The gate for one probe's events, where it demands more than `gate` (an `or` whose other branches
    /// need another probe: "link removal or open for truncation" gates opens on open.write).
    let probeGates: [Probe: RuleGate]

    /// The gate for `probe`'s events.
    func gate(for probe: Probe) -> RuleGate { probeGates[probe] ?? gate }

    init(name: String, version: UInt32, priority: AlertSeverity, tags: [String], description: String,
         output: OutputTemplate, kind: Kind, probes: Set<Probe>?, gate: RuleGate = RuleGate(),
         probeGates: [Probe: RuleGate] = [:]) {
        self.name = name
        self.version = version
        self.priority = priority
        self.tags = tags
        self.description = description
        self.output = output
        self.kind = kind
        self.probes = probes
        self.gate = gate
        self.probeGates = probeGates
    }

    /// How long this rule keeps one process's events (0 for single-event rules).
    var windowNs: UInt64 {
        switch kind {
        case .single: return 0
        case .sequence(_, let w, _): return w
        case .threshold(_, _, let w): return w
        }
    }

    public var isStateful: Bool { windowNs > 0 }
}
