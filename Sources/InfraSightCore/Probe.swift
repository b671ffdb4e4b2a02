/// A probe family the agent can attach: one kernel program set, one raw and one enriched topic.
public enum Probe: String, CaseIterable, Sendable, Codable {
    case execve

    /// Topic the agent publishes this probe's raw events to.
    public var rawTopic: String { TopicNames.raw(self) }
    /// Topic enrichment workers publish this probe's enriched events to.
    public var enrichedTopic: String { TopicNames.enriched(self) }
}
