/// The stages of the pipeline in the order records flow through them: the agent captures, enrich decodes,
/// detect (alongside the sink, on the same enriched events) raises alerts, the sink stores events and alerts.
///
/// Why: `infrasight status` and `infrasight top` list stages from their stats records, and should list
/// them in this order whatever order the records came in; a stage not named here (a newer one) follows,
/// by name.
public enum PipelineStages {
    public static let known = ["agent", "enrich", "detect", "sink"]

    /// `names` in pipeline order, unknown names last (sorted), each once.
    public static func ordered(_ names: some Sequence<String>) -> [String] {
        let unique = Set(names)
        return known.filter(unique.contains) + unique.subtracting(known).sorted()
    }
}
