import InfraSightCore

/// The ordered list of steps a worker applies, chosen by name.
public struct EnrichmentPipeline: Sendable {
    public let steps: [EnrichmentStep]

    /// Every step this build knows, in the default order.
    public static func available() -> [EnrichmentStep] {
        [TimeISO8601Step(), LatencyMillisecondsStep(), ErrnoNameStep(), EnrichedByStep()]
    }

    public static var defaultNames: [String] { available().map(\.name) }

    public init(steps: [EnrichmentStep]) { self.steps = steps }

    /// Picks steps by name; throws for an unknown name, listing the known ones.
    public init(names: [String]) throws {
        let known = Dictionary(uniqueKeysWithValues: Self.available().map { ($0.name, $0) })
        self.steps = try names.map { name in
            guard let step = known[name] else {
                throw EnrichError("unknown enrichment step \"\(name)\"; known: \(known.keys.sorted().joined(separator: ", "))")
            }
            return step
        }
    }

    public func apply(to event: inout Event) {
        for step in steps { step.apply(to: &event) }
    }
}

/// An enrichment-worker failure with an actionable message.
public struct EnrichError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
