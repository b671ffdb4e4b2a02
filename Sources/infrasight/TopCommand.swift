import ArgumentParser
import Foundation
import InfraSightCore
import InfraSightKafka
#if canImport(Glibc)
import Glibc
#endif

/// `infrasight top`: a live view of events per second per stage and per probe, with consumer lag and loss,
/// from the `infrasight.stats` topic and the enrich and sink groups' committed offsets (needs only the broker).
struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Live events per second per stage (agent, enrich, detect, sink) and probe, with consumer lag and loss.",
        discussion: """
            Reads every stage's counters from infrasight.stats (the newest records first, so rates show at once) and \
            the committed offsets of the enrich and sink consumer groups (their per-probe throughput). Rates are the \
            difference between an instance's two newest stats records (published every --stats-interval of the \
            stage), summed over instances; per-probe enrich and sink rates are the committed offsets' growth between \
            two refreshes. The detect stage has one row (OUT/s: alerts raised) while an instance of it reports. LOST is \
            kernel loss, DLQ dead-lettered, THROTTLED dropped by the rate limit (totals). \
            On a terminal the screen is redrawn; otherwise each refresh is printed as plain text.
            """)

    @OptionGroup var kafka: KafkaOptions
    @Option(name: .long, help: "Seconds between refreshes.") var interval: Double = 5
    @Flag(name: .long, help: "Print one refresh and exit (same as --iterations 1).") var once = false
    @Option(name: .long, help: "Refreshes to print before exiting (default: until interrupted).") var iterations: Int?
    @Option(name: .long, help: "Consumer group of the enrich workers.") var enrichGroup = "infrasight-enrich"
    @Option(name: .long, help: "Consumer group of the sinks.") var sinkGroup = "infrasight-sink"
    @Option(name: .long, help: "Leave out stage instances whose newest stats record is older than this many seconds.")
    var staleAfter: Double = 60

    func validate() throws {
        guard interval > 0 else { throw ValidationError("--interval must be positive") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        guard staleAfter > 0 else { throw ValidationError("--stale-after must be positive") }
    }

    func run() throws {
        let config = try kafka.clientConfig(clientId: "infrasight-top")
        let stats = try KafkaTopicTail(config: config, topic: TopicNames.stats, backlog: 200)
        defer { stats.close() }
        let enrich = try ConsumerGroupOffsets(config: config, group: enrichGroup)
        let sink = try ConsumerGroupOffsets(config: config, group: sinkGroup)
        defer { enrich.close(); sink.close() }
        let terminal = isatty(STDOUT_FILENO) != 0
        let decoder = JSONDecoder()
        var window = StatsWindow()
        var enrichSamples: (previous: OffsetSample?, latest: OffsetSample?) = (nil, try sample(enrich, config: config, topic: \.rawTopic))
        var sinkSamples: (previous: OffsetSample?, latest: OffsetSample?) = (nil, try sample(sink, config: config, topic: \.enrichedTopic))
        let total = once ? 1 : iterations
        var printed = 0
        while total.map({ printed < $0 }) ?? true {
            let deadline = Date().addingTimeInterval(interval)
            while Date() < deadline {
                let wait = Int32(max(1, min(200, deadline.timeIntervalSinceNow * 1000)))
                guard let message = try stats.poll(timeoutMs: wait) else { continue }
                if let record = try? decoder.decode(StatsRecord.self, from: Data(message.value)) { window.add(record) }
            }
            enrichSamples = (enrichSamples.latest, try sample(enrich, config: config, topic: \.rawTopic))
            sinkSamples = (sinkSamples.latest, try sample(sink, config: config, topic: \.enrichedTopic))
            let rows = TopRows(stats: window, enrich: enrichSamples, sink: sinkSamples, nowNanos: WallClock.nowNanos(),
                               staleAfterNanos: UInt64(staleAfter * 1e9)).rows()
            let stamp = ISO8601DateFormatter().string(from: Date())
            let title = "infrasight top — \(config.brokers) — \(stamp) — every \(interval.formatted()) s"
            FileHandle.standardOutput.write(Data(TopTable.frame(title: title, rows: rows, terminal: terminal).utf8))
            printed += 1
        }
    }

    /// The group's committed offsets summed per probe topic (topics that do not exist are left out).
    func sample(_ group: ConsumerGroupOffsets, config: KafkaClientConfig, topic: KeyPath<Probe, String>) throws -> OffsetSample {
        let topics = try KafkaAdmin.listTopics(config: config, timeoutMs: 5_000)
        var partitions: [TopicPartition] = []
        for p in Probe.allCases {
            let name = p[keyPath: topic]
            for i in 0..<(topics[name] ?? 0) { partitions.append(TopicPartition(topic: name, partition: i)) }
        }
        let now = WallClock.nowNanos()
        var committed: [Probe: UInt64] = [:]
        for (tp, offset) in try group.committed(partitions) {
            guard let p = TopicNames.probe(ofTopic: tp.topic) else { continue }
            committed[p, default: 0] += UInt64(offset)
        }
        return OffsetSample(timeNanos: now, committed: committed)
    }
}
