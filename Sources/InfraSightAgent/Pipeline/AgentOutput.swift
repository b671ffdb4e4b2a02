/// Where the agent sends the events it built. `.kafka` is the product; `.null` (hidden flag
/// `--output null`, for `make bench`) builds and encodes every event exactly as for Kafka, counts it
/// (`received`, `filtered{output_null}`, kernel loss counters as usual) and then discards it, so the
/// capture path can be measured without a broker's cost. Stats records still go to Kafka.
public enum AgentOutput: String, Sendable, CaseIterable {
    case kafka
    case null
}
