import InfraSightCore

/// What the sink makes of a consumed topic's records: events go to their probe's table, stats records to
/// `pipeline_stats`, alerts to `alerts`.
///
/// Why a type: the sink classifies a topic once per run of records from one partition (`SinkStage`'s
/// `noteConsumed`), not once per record, so the event path pays no topic comparison for the stats and
/// alerts topics it shares a consumer with.
enum SinkInput {
    case events, stats, alerts

    init(topic: String) {
        switch topic {
        case TopicNames.stats: self = .stats
        case TopicNames.alerts: self = .alerts
        default: self = .events
        }
    }
}
