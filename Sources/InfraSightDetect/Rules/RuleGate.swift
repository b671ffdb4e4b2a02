import InfraSightCore

/// What a rule's condition demands of every event it can match, on facts that cost one load each: the
/// syscall failed or not, an open may write or not. Taken from the top-level `and` of the condition
/// after macros are expanded (`open_write and ...` demands write = true and failed = false).
///
/// Why: the engine checks the gate before it runs any of the rule's closures. A read-only open, the
/// commonest event there is, then skips every `open_write` rule for the price of two compares instead
/// of a chain of closure calls and their reference counting.
struct RuleGate: Equatable {
    /// The syscall must have failed (true) or succeeded (false); nil: either.
    var failed: Bool?
    /// The event must be an open that may write (true) or not one (false); nil: either.
    var write: Bool?

    /// Whether the event can match at all (`evt.failed` and `open.write` read as their fields read them).
    @inline(__always)
    func admits(_ event: EventView, probe: Probe) -> Bool {
        if let failed, (event.ret < 0) != failed { return false }
        if let write, (probe == .open && event.open.flags & EventFields.writeFlags != 0) != write { return false }
        return true
    }

    /// The gate of an expanded condition: only conjuncts that every match must meet are used, so the
    /// gate never turns away an event the condition would accept.
    static func of(_ s: ConditionSyntax) -> RuleGate {
        var gate = RuleGate()
        gate.take(s, probe: nil)
        return gate
    }

    /// The gate for one probe's events: an `or` with only one branch that can match this probe (the
    /// others need `evt.probe` to be another) demands what that branch demands.
    static func of(_ s: ConditionSyntax, for probe: Probe) -> RuleGate {
        var gate = RuleGate()
        gate.take(s, probe: probe)
        return gate
    }

    private mutating func take(_ s: ConditionSyntax, probe: Probe?) {
        switch s {
        case .and(let parts):
            for p in parts { take(p, probe: probe) }
        case .or(let parts):
            guard let probe else { return }
            let live = parts.filter { RuleCompiler.probes(of: $0)?.contains(probe) ?? true }
            if live.count == 1 { take(live[0], probe: probe) }
        case .comparison(let field, let op, let values, _):
            guard let value = Self.truth(op: op, values: values) else { return }
            set(field, value)
        case .not(.comparison(let field, let op, let values, _)):
            guard let value = Self.truth(op: op, values: values) else { return }
            set(field, !value)
        default:
            return
        }
    }

    private mutating func set(_ field: String, _ value: Bool) {
        switch field {
        case "evt.failed": failed = value
        case "open.write": write = value
        default: return
        }
    }

    /// `= true` / `= false` / `!= ...` as the value the field must have; nil for other comparisons.
    private static func truth(op: ComparisonOperator, values: [ConditionValue]) -> Bool? {
        guard values.count == 1, op == .equal || op == .notEqual else { return nil }
        switch values[0].text.lowercased() {
        case "true": return op == .equal
        case "false": return op != .equal
        default: return nil
        }
    }
}
