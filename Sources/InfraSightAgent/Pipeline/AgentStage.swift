import Foundation
import InfraSightCore
import InfraSightKafka
import Logging

/// `infrasight agent`: loads and attaches the BPF programs, drains the ring buffer every few ms,
/// enriches each event at the source and publishes it to `infrasight.raw.<probe>` through an
/// idempotent librdkafka producer, keyed by `<host>/<pid>` so one process's events stay in order.
///
/// Loss is counted, never silent: ring-buffer reservation failures (kernel), undecodable records,
/// and deliveries the broker never acknowledged all show up in the stats.
public final class AgentStage: BlockingStage, @unchecked Sendable {
    public let name = "agent"
    public let config: AgentConfig
    public let counters = StageCounters(stage: "agent")
    let logger: Logger
    static let eventToken: UInt64 = 1
    /// Probes this build can attach.
    public static let supportedProbes: [Probe] = [.execve]

    public init(config: AgentConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    public func runLoop(stop: StopFlag) throws {
        let host = config.nodeName ?? NodeName.current()
        let paths = CgroupPathResolver()
        if paths.rootPath == nil { logger.warning("no cgroup v2 hierarchy found: events will carry no container id") }
        let builder = ExecEventBuilder(
            host: host, identity: EventIdentity(bootID: EventIdentity.currentBootID(), nodeName: host),
            users: UserNameCache(passwdPath: config.passwdPath),
            containers: paths.rootPath == nil ? nil : ContainerResolver(paths: paths), clock: BootClock())

        let counters = self.counters
        let logger = self.logger
        let producer = try KafkaProducer(config: config.kafka, idempotent: true,
                                         extraOptions: ["linger.ms": "5", "compression.codec": "lz4"]) { report in
            guard report.token == Self.eventToken else { return }
            if let error = report.error {
                counters.add(.dropped, reason: "delivery")
                logger.error("event not delivered to \(report.topic): \(error)")
            } else {
                counters.add(.produced)
            }
        }
        let objectPath = try config.bpfDirectory.map { "\($0)/execve.bpf.o" } ?? BPFObjectLocator.path(for: "execve.bpf.o")
        let ownPid = UInt32(getpid())
        let probe = try ExecveProbe(objectPath: objectPath, ringBufferBytes: config.ringBufferBytes,
                                    excludedPids: [ownPid] + config.excludedPids)
        logger.info("execve probe attached via \(probe.hookDescription) (\(objectPath)); ring buffer \(config.ringBufferBytes >> 20) MiB; excluding pids \(([ownPid] + config.excludedPids).map(String.init).joined(separator: ","))")
        logger.info("publishing to \(Probe.execve.rawTopic) on \(config.kafka.brokers) as host \(host)")

        let stats = StatsReporter(counters: counters, intervalSeconds: config.statsIntervalSeconds, logger: logger) { key, value in
            try? producer.send(topic: TopicNames.stats, key: key, value: value, token: 0)
        }
        let topic = Probe.execve.rawTopic
        var sendError: Error?
        func drain() -> Int {
            probe.consume { kernelEvent in
                counters.add(.received)
                let event = builder.build(kernelEvent)
                do {
                    let bytes = try EventCodec.encode(event)
                    try producer.send(topic: topic, key: EventCodec.key(host: host, pid: event.pid), value: bytes,
                                      token: Self.eventToken)
                } catch {
                    counters.add(.dropped, reason: "enqueue")
                    sendError = error
                }
            }
        }
        func recordKernelCounters() {
            let k = probe.counters()
            counters.set("kernel_emitted", k.emitted)
            counters.set("lost{ringbuf_reserve}", k.reserveFailures)
            counters.set("lost{enter_miss}", k.enterMisses)
            counters.set("lost{stash}", k.stashFailures)
            counters.set("lost{decode}", k.decodeErrors)
            counters.set("filtered{excluded_pid}", k.excluded)
            counters.set("argv_truncated", k.argvTruncated)
        }

        while !stop.isSet {
            let n = drain()
            if let error = sendError {
                logger.error("could not enqueue event: \(error)")
                sendError = nil
            }
            producer.poll(timeoutMs: 0)
            if stats.dueSoon { recordKernelCounters() }
            stats.tick()
            if n == 0 { usleep(config.pollIntervalMicros) }
        }
        logger.info("agent stopping: draining the ring buffer and flushing \(producer.outstanding) queued events")
        _ = drain()
        recordKernelCounters()
        probe.close()
        if !producer.flush(timeoutMs: Int32(config.shutdownFlushSeconds * 1000)) {
            counters.add(.dropped, UInt64(producer.outstanding), reason: "shutdown")
            logger.error("\(producer.outstanding) events not acknowledged by the broker at shutdown (counted as dropped)")
        }
        stats.tick(force: true)
        _ = producer.flush(timeoutMs: 2000)
        producer.close()
    }
}
