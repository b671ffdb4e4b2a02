/// One line of `infrasight top`: a stage as a whole (probe `all`) or one probe at a stage. nil cells are
/// values the stage does not have (shown as `-`).
public struct TopRow: Sendable, Equatable {
    public static let allProbes = "all"

    public var stage: String
    public var probe: String
    /// Events per second into the stage (agent: read from the ring buffer; enrich/sink: consumed).
    public var inPerSecond: Double?
    /// Events per second passed on (agent, enrich: produced; sink: inserted).
    public var outPerSecond: Double?
    /// Messages waiting in Kafka for the stage's consumer group.
    public var lag: UInt64?
    /// Kernel loss (ring buffer full, missing enter, stash, decode).
    public var lost: UInt64?
    public var dropped: UInt64?
    public var deadLettered: UInt64?
    /// Dropped in the kernel by the per-process rate limit.
    public var throttled: UInt64?
    public var instances: Int?

    public init(stage: String, probe: String, inPerSecond: Double? = nil, outPerSecond: Double? = nil, lag: UInt64? = nil,
                lost: UInt64? = nil, dropped: UInt64? = nil, deadLettered: UInt64? = nil, throttled: UInt64? = nil,
                instances: Int? = nil) {
        self.stage = stage; self.probe = probe; self.inPerSecond = inPerSecond; self.outPerSecond = outPerSecond
        self.lag = lag; self.lost = lost; self.dropped = dropped; self.deadLettered = deadLettered
        self.throttled = throttled; self.instances = instances
    }
}
