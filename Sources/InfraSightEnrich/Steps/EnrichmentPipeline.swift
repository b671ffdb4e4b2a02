import InfraSightCore

/// The ordered list of steps a worker applies, chosen by name.
public struct EnrichmentPipeline: Sendable {
    public let steps: [EnrichmentStep]

    /// Every step this build knows, in canonical order, with whether it runs by default.
    static let registry: [(name: String, isDefault: Bool, make: @Sendable (EnrichmentOptions) throws -> EnrichmentStep)] = [
        ("time-iso8601", true, { _ in TimeISO8601Step() }),
        ("latency-ms", true, { _ in LatencyMillisecondsStep() }),
        ("errno-name", true, { _ in ErrnoNameStep() }),
        ("open-flags", true, { _ in OpenFlagsStep() }),
        ("mode-text", true, { _ in ModeTextStep() }),
        ("socket-names", true, { _ in SocketNamesStep() }),
        ("service", true, { ServiceNameStep(servicesFile: $0.servicesFile) }),
        ("reverse-dns", false, { ReverseDNSStep(resolver: ReverseDNSResolver(options: $0.reverseDNS)) }),
        ("sensitive", true, { options in
            SensitivePathStep(matcher: try options.sensitivePathsFile.map { try SensitivePathMatcher(contentsOfFile: $0) } ?? .defaults)
        }),
        ("enriched-by", true, { _ in EnrichedByStep() }),
    ]

    /// Every step this build knows (including those off by default, such as `reverse-dns`), in
    /// canonical order, built with default options.
    public static func available() -> [EnrichmentStep] {
        registry.map { try! $0.make(EnrichmentOptions()) }
    }

    /// Names of every known step, in canonical order.
    public static var knownNames: [String] { registry.map { $0.name } }

    /// The steps a worker runs unless `--steps` says otherwise: all known but `reverse-dns`.
    public static var defaultNames: [String] { registry.filter { $0.isDefault }.map { $0.name } }

    /// `names` with `name` added at its canonical position (before the first later step), unless present.
    public static func adding(_ name: String, to names: [String]) -> [String] {
        guard !names.contains(name), let rank = knownNames.firstIndex(of: name) else { return names }
        var result = names
        let at = names.firstIndex { (knownNames.firstIndex(of: $0) ?? Int.max) > rank } ?? names.count
        result.insert(name, at: at)
        return result
    }

    public init(steps: [EnrichmentStep]) { self.steps = steps }

    /// Picks steps by name and builds them with `options`; throws for an unknown name (listing the
    /// known ones) or unusable configuration (for example a bad sensitive-paths file).
    public init(names: [String], options: EnrichmentOptions = EnrichmentOptions()) throws {
        self.steps = try names.map { name in
            guard let entry = Self.registry.first(where: { $0.name == name }) else {
                throw EnrichError("unknown enrichment step \"\(name)\"; known: \(Self.knownNames.sorted().joined(separator: ", "))")
            }
            return try entry.make(options)
        }
    }

    /// Runs every step over one event read in place, setting `enrichment`'s fields.
    public func apply(_ event: EventView, to enrichment: inout EnrichmentFields) {
        steps.withUnsafeBufferPointer { steps in
            for i in steps.indices { steps[i].apply(event, to: &enrichment) }
        }
    }

    /// Enriches a decoded event exactly as the worker does (serialize, read as a view, run the steps,
    /// append the enrichment, decode the result). For tests and tools; not the per-event path.
    public func apply(to event: inout Event) {
        guard let input = try? EventCodec.encode(event) else { return }
        var fields = EnrichmentFields()
        var writer = EnrichedMessageWriter()
        let output: [UInt8]? = input.withUnsafeBytes { raw in
            // A serialized message always reads back.
            guard let view = try? EventView(parsing: raw) else { return nil }
            apply(view, to: &fields)
            return writer.withMessage(for: view, enrichment: fields) { Array($0) }
        }
        if let output, let enriched = try? Event(serializedBytes: output) { event = enriched }
    }
}

/// An enrichment-worker failure with an actionable message.
public struct EnrichError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
