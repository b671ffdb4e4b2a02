/// How much the agent says about each ancestor in an event's `ProcessContext`.
///
/// Why: the chain is repeated in every event of every descendant, so its bytes are paid on every hop
/// (agent, broker, enrich, sink). With every ancestor's exe and exec_id, the chain was ~40 % of an open
/// event (~950 B), and cutting it to names took ~15 % off the whole co-located pipeline's CPU
/// (BENCHMARKS.md, row 6). The tables store only `ancestors_pid` and `ancestors_comm`; an ancestor's
/// exe and exec_id are in its own exec and process rows, one `parent_exec_id` step at a time.
public enum AncestryDetail: String, Sendable, CaseIterable {
    /// The parent (first ancestor) with pid, comm, exe and exec_id; the rest with pid and comm. The
    /// default: what rules over the parent (`proc.pexe`) and the name chain (`proc.aname[n]`) need.
    case parent
    /// Every ancestor with pid, comm, exe and exec_id.
    case all

    /// Whether the ancestor at `depth` (0 = the parent) carries its exe and exec_id.
    func identifies(depth: Int) -> Bool {
        self == .all || depth == 0
    }
}
