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
    /// Probes this build can attach (each has a BPF object and a load plan, `ProbeSpec`).
    public static let supportedProbes: [Probe] = [.execve, .open, .chmod, .connect, .accept, .exit, .ptrace, .mount, .setid, .dup, .socket, .link, .bind, .sendto, .kernel]

    /// Delivery-report token of a probe's events (0 is the stats records).
    static func token(for probe: Probe) -> UInt64 {
        eventToken + UInt64(index(of: probe))
    }

    /// The probe's position in `Probe.allCases` (tallies and tokens), without a search.
    @inline(__always)
    static func index(of probe: Probe) -> Int {
        switch probe {
        case .execve: return 0
        case .open: return 1
        case .chmod: return 2
        case .connect: return 3
        case .accept: return 4
        case .exit: return 5
        case .ptrace: return 6
        case .mount: return 7
        case .setid: return 8
        case .dup: return 9
        case .socket: return 10
        case .link: return 11
        case .bind: return 12
        case .sendto: return 13
        case .kernel: return 14
        }
    }

    static func probe(forToken token: UInt64) -> Probe? {
        guard token >= eventToken else { return nil }
        let i = Int(token - eventToken)
        return i < Probe.allCases.count ? Probe.allCases[i] : nil
    }

    /// `name{probe}`, or `name{reason,probe}` when the name already has a label:
    /// lost{ringbuf_reserve} → lost{ringbuf_reserve,open}; kernel_emitted → kernel_emitted{open}.
    static func labelled(_ name: String, probe: Probe) -> String {
        if name.hasSuffix("}") { return String(name.dropLast()) + ",\(probe.rawValue)}" }
        return "\(name){\(probe.rawValue)}"
    }

    public init(config: AgentConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    public func runLoop(stop: StopFlag) throws {
        let host = config.nodeName ?? NodeName.current()
        let containers = ContainerResolver.forCurrentHost(procRoot: config.procRoot)
        if containers == nil { logger.warning("no cgroup hierarchy found: events will carry no container id") }
        if let c = containers, c.paths == nil { logger.info("no cgroup v2 hierarchy: container ids come from /proc/<pid>/cgroup (cgroup v1)") }
        let metadata = config.runtimeSockets.isEmpty ? nil : ContainerMetadataCache(sockets: config.runtimeSockets, logger: logger)
        logger.info("container metadata from runtime sockets: \(config.runtimeSockets.isEmpty ? "off" : config.runtimeSockets.map { "\($0.runtime) \($0.path)\(FileManager.default.fileExists(atPath: $0.path) ? "" : " (absent)")" }.joined(separator: ", "))")
        let identity = EventIdentity(bootID: EventIdentity.currentBootID(), nodeName: host)
        let encoder = EventEncoder(
            host: host, identity: identity, users: UserNameCache(passwdPath: config.passwdPath),
            containers: containers, clock: BootClock(),
            processes: ProcessCache(identity: identity, procRoot: config.procRoot, ancestryDetail: config.ancestryDetail), metadata: metadata)

        let counters = self.counters
        let logger = self.logger
        // Per-probe tallies of the event thread, added to `counters` once per loop (not per event).
        let probeCount = Probe.allCases.count
        var receivedByProbe = [UInt64](repeating: 0, count: probeCount)
        var producedByProbe = [UInt64](repeating: 0, count: probeCount)
        let topics = Probe.allCases.map(\.rawTopic)
        func flushTallies() {
            for (i, probe) in Probe.allCases.enumerated() {
                if receivedByProbe[i] > 0 { counters.add(.received, receivedByProbe[i], reason: probe.rawValue); receivedByProbe[i] = 0 }
                if producedByProbe[i] > 0 { counters.add(.produced, producedByProbe[i], reason: probe.rawValue); producedByProbe[i] = 0 }
            }
        }
        // The producer's own queue is bounded (the ring buffer is the buffer); its memory counts against
        // the agent's RSS. lz4 is every producer's default; --kafka-option overrides these.
        // Batches of up to 4 MB, filled for up to 50 ms: the broker's cost is mostly per request, and
        // with 1 MB / 5 ms batches a co-located broker acknowledged too slowly for a 150k/s storm: the
        // event thread waited on a full queue for 7-16 s of a 20-25 s storm while the ring buffer
        // filled (losses of 12k-110k). With these it waits 1-6 s, tansu's CPU per event falls by
        // about a third, and the agent stays under 64 MB (issue 11, rows 6 and 8). message.max.bytes
        // must admit a whole batch. The queue holds 4 MiB: with records of ~530 B (the ancestor chain
        // beyond the parent is names only) that is more records than 6 MiB held at ~950 B, and it kept
        // the agent's peak ~2 MB lower (co-located replicas: 60.3-61.2 MiB against 62.8).
        let producer = try KafkaProducer(config: config.kafka, idempotent: true,
                                         stageDefaults: ["linger.ms": "50",
                                                        "batch.size": "4000000",
                                                        "message.max.bytes": "4200000",
                                                        "queue.buffering.max.kbytes": "4096",
                                                        "queue.buffering.max.messages": "20000"]) { report in
            guard report.token >= Self.eventToken else { return }
            if let error = report.error {
                counters.add(.dropped, reason: "delivery")
                logger.error("event not delivered to \(report.topic): \(error)")
            } else {
                producedByProbe[Int(report.token - Self.eventToken)] &+= 1
            }
        }
        let ownPid = UInt32(getpid())
        let excluded = [ownPid] + config.excludedPids
        let fixed = Set(excluded)
        // The pipeline's own processes (comm `infrasight`) are in the excluded map before anything attaches.
        var pipelinePids = config.includeSelf ? Set<UInt32>() : PipelineProcesses.scan().subtracting(fixed)
        // SIGHUP reloads the filters; listening starts before anything attaches.
        let reloadSignal = config.reloadFilter == nil ? nil : ReloadSignal()
        let filters = FilterController(filter: config.filter, logger: logger)
        // One ring buffer for every probe (EventRing): one consumer, one mapping's worth of memory.
        let ring = try EventRing(bytes: config.ringBufferBytes)
        var probes: [BPFProbe] = []
        defer {
            for p in probes { p.close() }
            ring.close()
        }
        for wanted in config.probes where !probes.contains(where: { $0.probe == wanted }) {
            let probe = try BPFProbe(wanted, bpfDirectory: config.bpfDirectory, sharedRing: ring,
                                     excludedPids: excluded + pipelinePids.sorted(), filter: filters.initialTables)
            probes.append(probe)
            try probe.setRateLimit(maxEvents: config.rateLimitEvents, windowNs: config.rateLimitWindowNs)
            var line = "\(wanted.rawValue) probe attached via \(probe.hookDescription) (\(probe.objectPath), variant \(probe.variant))"
            if !probe.missingHooks.isEmpty { line += "; not on this kernel: \(probe.missingHooks.joined(separator: ", "))" }
            if !probe.fallbacks.isEmpty { line += "; fell back from: \(probe.fallbacks.joined(separator: "; "))" }
            logger.info("\(line)")
        }
        logger.info("ring buffer \(ring.bytes) bytes, shared by every probe; excluding pids \(excluded.map(String.init).joined(separator: ","))")
        if config.rateLimitEvents > 0 {
            logger.info("rate limit: \(config.rateLimitEvents) events per process per \(config.rateLimitWindowNs / 1_000_000) ms on each probe; the rest are dropped in the kernel and counted as throttled")
        }
        logger.info("filters: \(filters.filter.summary)\(config.reloadFilter == nil ? "" : " (SIGHUP reloads them from the configuration)")")
        let throttleLog = ThrottleReporter(logger: logger)

        // The pipeline's own processes (comm `infrasight`), excluded in every probe unless --include-self.
        if !pipelinePids.isEmpty {
            logger.info("excluding pipeline processes (comm \(PipelineProcesses.comm)): \(pipelinePids.sorted().map(String.init).joined(separator: ","))")
        }
        var nextScan = Date.distantPast
        func rescanPipeline() {
            nextScan = Date().addingTimeInterval(config.selfScanSeconds)
            if !config.includeSelf {
                let now = PipelineProcesses.scan().subtracting(fixed)
                for pid in now.subtracting(pipelinePids) {
                    for probe in probes {
                        do { try probe.addExcludedPid(pid) } catch { logger.warning("could not exclude pipeline pid \(pid): \(error)") }
                    }
                }
                let gone = pipelinePids.subtracting(now)
                for pid in gone { for probe in probes { probe.removeExcludedPid(pid) } }
                if now != pipelinePids {
                    logger.info("excluding pipeline processes (comm \(PipelineProcesses.comm)): \(now.sorted().map(String.init).joined(separator: ","))")
                }
                pipelinePids = now
            }
            counters.set("excluded_pids{pipeline}", UInt64(pipelinePids.count))
            counters.set("excluded_pids", UInt64(pipelinePids.count + fixed.count))
            filters.refresh(probes: probes)
            // Per-process loss entries of dead processes are forgotten so the kernel map never fills.
            for probe in probes where probe.countsLossPerProcess {
                let dead = probe.lostRecordsByProcess().keys.filter { !PipelineProcesses.alive($0) }
                if !dead.isEmpty { probe.forgetLostRecords(tgids: Array(dead)) }
            }
            // Processes over the rate limit are named in the log; dead ones are forgotten.
            for probe in probes {
                let byProcess = probe.throttledRecordsByProcess()
                throttleLog.report(probe: probe.probe, byProcess)
                let dead = byProcess.keys.filter { !PipelineProcesses.alive($0) }
                if !dead.isEmpty {
                    probe.forgetThrottledRecords(tgids: Array(dead))
                    throttleLog.forget(probe: probe.probe, dead)
                }
            }
        }
        rescanPipeline()
        // Loading the objects parsed the kernel's BTF (megabytes, freed again); hand the freed pages
        // back, or they stay in this thread's malloc arena and count against the agent's RSS.
        MallocControl.trim()
        // Start-up touched code of every command and of the runtime; unmap it (StartupCodePages).
        StartupCodePages.release()
        logger.info("publishing to \(probes.map(\.probe.rawTopic).joined(separator: ",")) on \(config.kafka.brokers) as host \(host)")

        let stats = StatsReporter(counters: counters, intervalSeconds: config.statsIntervalSeconds, logger: logger) { key, value in
            try? producer.send(topic: TopicNames.stats, key: key, value: value, token: 0)
        }
        var sendError: Error?
        let discard = config.output == .null
        if discard { logger.warning("--output null: events are built, counted and discarded (benchmark mode)") }
        func drain() -> Int {
            let n = ring.consume { record in
                let index = Self.index(of: record.probe)
                receivedByProbe[index] &+= 1
                encoder.encode(record) { value, key in
                    if discard { return }
                    do {
                        try producer.send(topic: topics[index], key: key, value: value, token: Self.eventToken + UInt64(index))
                    } catch {
                        counters.add(.dropped, reason: "enqueue")
                        sendError = error
                    }
                }
            }
            if discard, n > 0 { counters.add(.filtered, UInt64(n), reason: "output_null") }
            return n
        }
        func recordKernelCounters() {
            var total = ProbeCounters()
            let names: [(String, KeyPath<ProbeCounters, UInt64>)] = [
                ("kernel_emitted", \.emitted), ("lost{ringbuf_reserve}", \.reserveFailures),
                ("lost{enter_miss}", \.enterMisses), ("lost{stash}", \.stashFailures), ("lost{decode}", \.decodeErrors),
                ("filtered{excluded_pid}", \.excluded), ("truncated", \.truncated), ("read_failed", \.readFailures),
                ("no_socket", \.noSocket), ("throttled", \.throttled),
                (FilterKind.pid.statsKey, \.filteredPid), (FilterKind.comm.statsKey, \.filteredComm),
                (FilterKind.uid.statsKey, \.filteredUid), (FilterKind.cgroup.statsKey, \.filteredCgroup),
                (FilterKind.path.statsKey, \.filteredPath),
            ]
            for probe in probes {
                let k = probe.counters()
                for (name, path) in names {
                    counters.set(Self.labelled(name, probe: probe.probe), k[keyPath: path])
                }
                total.emitted &+= k.emitted
                total.reserveFailures &+= k.reserveFailures
                total.enterMisses &+= k.enterMisses
                total.stashFailures &+= k.stashFailures
                total.decodeErrors &+= k.decodeErrors
                total.excluded &+= k.excluded
                total.truncated &+= k.truncated
                total.readFailures &+= k.readFailures
                total.noSocket &+= k.noSocket
                total.throttled &+= k.throttled
                total.filteredPid &+= k.filteredPid
                total.filteredComm &+= k.filteredComm
                total.filteredUid &+= k.filteredUid
                total.filteredCgroup &+= k.filteredCgroup
                total.filteredPath &+= k.filteredPath
                if probe.probe == .execve { counters.set("argv_truncated", k.truncated) }
            }
            // Records of the shared ring that could not be decoded belong to no probe.
            total.decodeErrors &+= ring.decodeErrors
            // Totals over all probes keep the historical names (lost{ringbuf_reserve}, ...).
            for (name, path) in names { counters.set(name, total[keyPath: path]) }
            counters.set("filter_reloads", UInt64(filters.reloads))
            counters.set("filter_reload_failures", UInt64(filters.reloadFailures))
            // Runtime-metadata lookups that ended without metadata: runtime_metadata_miss{<runtime>,<reason>}.
            if let metadata { for (key, value) in metadata.misses.snapshot() { counters.set(key, value) } }
        }

        while !stop.isSet {
            if let reloadSignal, let load = config.reloadFilter, reloadSignal.takePending() {
                logger.info("SIGHUP: reloading the filters from the configuration")
                filters.reload(probes: probes, load: load)
                recordKernelCounters()
            }
            if Date() >= nextScan { rescanPipeline() }
            let n = drain()
            if let error = sendError {
                logger.error("could not enqueue event: \(error)")
                sendError = nil
            }
            producer.poll(timeoutMs: 0)
            flushTallies()
            if stats.dueSoon {
                recordKernelCounters()
                // Time the event thread waited on a full producer queue: while it waits, the ring fills.
                counters.set("producer_blocked_ms", UInt64(producer.blockedDuration / .milliseconds(1)))
            }
            stats.tick()
            if n == 0 { usleep(config.pollIntervalMicros) }
        }
        logger.info("agent stopping: draining the ring buffer and flushing \(producer.outstanding) queued events")
        _ = drain()
        recordKernelCounters()
        for p in probes { p.close() }
        ring.close()
        let flushed = producer.flush(timeoutMs: Int32(config.shutdownFlushSeconds * 1000))
        flushTallies()
        if !flushed {
            counters.add(.dropped, UInt64(producer.outstanding), reason: "shutdown")
            logger.error("\(producer.outstanding) events not acknowledged by the broker at shutdown (counted as dropped)")
        }
        stats.tick(force: true)
        _ = producer.flush(timeoutMs: 2000)
        producer.close()
        flushTallies()
    }
}
