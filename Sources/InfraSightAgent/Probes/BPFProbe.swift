import CEventLayout
import CLibbpf
import Foundation
import InfraSightCore
#if canImport(Glibc)
import Glibc
#endif

/// Loads one probe's BPF object (`ProbeSpec`), sets its ring buffer, excluded tgids and filters, and
/// attaches it through the best hook the running kernel supports (falling back variant by variant).
///
/// The ring: given a shared `EventRing` (the agent: one ring for every probe), the object's `events`
/// map reuses it and the owner of the ring consumes it; otherwise the probe has its own ring of
/// `ringBufferBytes`, consumed by `consume(_:)` (tests, tools). The kernel batches ring-buffer
/// wake-ups, so the caller polls every ~2 ms from one thread. Methods are serialised by an internal
/// lock; `close()` (or deinit) detaches everything.
public final class BPFProbe: @unchecked Sendable {
    public let probe: Probe
    /// What is attached, e.g. "tracepoint syscalls:sys_enter_connect/sys_exit_connect + fd table …".
    public let hookDescription: String
    /// The variant that loaded (e.g. "tracepoints+fexit", "tracepoints").
    public let variant: String
    /// Variants that were tried first and refused, with the reason (empty when the first worked).
    public let fallbacks: [String]
    /// Optional groups that could not attach (e.g. a tracepoint this kernel lacks).
    public let missingHooks: [String]
    public let ringBufferBytes: Int
    public let objectPath: String

    private let lock = NSLock()
    private var object: OpaquePointer?
    private var links: [OpaquePointer] = []
    /// The probe's own ring (nil when it writes into a shared one).
    private var ownRing: EventRing?
    private let excludedFd: Int32
    private let countersFd: Int32
    /// `lost_tgids` (tgid → records lost to a full ring buffer).
    private let lost: TgidCounterMap
    /// `throttled_tgids` (tgid → records dropped by the per-process rate limit).
    private let throttled: TgidCounterMap
    /// `rate_limit` (the per-process limit, one `infrasight_rate_limit`); -1 in objects without it.
    private let rateLimitFd: Int32
    /// The allow/deny filter maps (`filter_*`), rewritten in place by `setFilter`.
    private var filterWriter: FilterMapWriter
    private let cpuCount: Int

    /// Loads `spec` from `objectPath` (default: `BPFObjectLocator`, or `<bpfDirectory>/<object>.bpf.o`).
    /// `filter` is in force before anything attaches.
    public convenience init(_ probe: Probe, bpfDirectory: String? = nil, ringBufferBytes: Int = 8 << 20,
                            sharedRing: EventRing? = nil, excludedPids: [UInt32], filter: KernelFilterTables = .empty) throws {
        let spec = ProbeSpec.spec(for: probe)
        let path = try bpfDirectory.map { "\($0)/\(spec.object).bpf.o" } ?? BPFObjectLocator.path(for: spec.object)
        try self.init(spec: spec, objectPath: path, ringBufferBytes: ringBufferBytes, sharedRing: sharedRing,
                      excludedPids: excludedPids, filter: filter)
    }

    public init(spec: ProbeSpec, objectPath: String, ringBufferBytes: Int = 8 << 20, sharedRing: EventRing? = nil,
                excludedPids: [UInt32], filter: KernelFilterTables = .empty) throws {
        LibbpfLog.shared.install()
        guard FileManager.default.isReadableFile(atPath: objectPath) else {
            throw BPFError(step: "open \(objectPath)", errno: ENOENT,
                           detail: "BPF object not found; build it with `make -C bpf`")
        }
        probe = spec.probe
        self.objectPath = objectPath
        let ringBytes = sharedRing?.bytes ?? EventRing.roundedSize(ringBufferBytes)
        self.ringBufferBytes = ringBytes
        let cpus = libbpf_num_possible_cpus()
        guard cpus > 0 else { throw BPFError.libbpf("libbpf_num_possible_cpus", code: cpus) }
        cpuCount = Int(cpus)

        var refused: [String] = []
        var lastError: BPFError?
        var chosen: (ProbeSpec.Variant, Loaded)?
        for variant in spec.variants {
            LibbpfLog.shared.reset()
            do {
                chosen = (variant, try Self.load(variant: variant, objectPath: objectPath, ringBytes: ringBytes,
                                                 sharedRingFd: sharedRing?.fd, excludedPids: excludedPids, filter: filter))
                break
            } catch let error as BPFError {
                let why = error.detail.split(separator: "\n").filter { $0.contains("libbpf: prog") || $0.contains("invalid") || $0.contains("denied") }.suffix(2)
                refused.append("\(variant.name): \(error.step) failed: \(BPFError.message(for: error.errno)) (errno \(error.errno))"
                               + (why.isEmpty ? "" : " [\(why.joined(separator: " | "))]"))
                lastError = error
            }
        }
        guard let (variant, loaded) = chosen else {
            throw lastError.map {
                BPFError(step: "\(spec.probe.rawValue) probe: every hook refused (\(refused.joined(separator: "; ")))",
                         errno: $0.errno, detail: $0.detail)
            } ?? BPFError(step: "\(spec.probe.rawValue) probe: no variants", errno: EINVAL)
        }
        if sharedRing == nil {
            do {
                ownRing = try EventRing(mapFd: loaded.eventsFd, bytes: ringBytes)
            } catch {
                for link in loaded.links { bpf_link__destroy(link) }
                bpf_object__close(loaded.object)
                throw error
            }
        }
        object = loaded.object
        links = loaded.links
        excludedFd = loaded.excludedFd
        countersFd = loaded.countersFd
        lost = TgidCounterMap(fd: loaded.lostFd)
        throttled = TgidCounterMap(fd: loaded.throttledFd)
        rateLimitFd = loaded.rateLimitFd
        filterWriter = loaded.filterWriter
        self.variant = variant.name
        hookDescription = loaded.hooks.joined(separator: " + ")
        missingHooks = loaded.missing
        fallbacks = refused
    }

    private struct Loaded {
        var object: OpaquePointer
        var links: [OpaquePointer]
        var excludedFd: Int32
        var countersFd: Int32
        var lostFd: Int32
        var throttledFd: Int32
        var rateLimitFd: Int32
        var filterWriter: FilterMapWriter
        var eventsFd: Int32
        var hooks: [String]
        var missing: [String]
    }

    /// Opens the object with only `variant`'s programs autoloaded, loads, excludes, attaches.
    private static func load(variant: ProbeSpec.Variant, objectPath: String, ringBytes: Int, sharedRingFd: Int32?,
                             excludedPids: [UInt32], filter: KernelFilterTables) throws -> Loaded {
        guard let obj = bpf_object__open_file(objectPath, nil) else {
            throw BPFError.libbpf("bpf_object__open_file(\(objectPath))")
        }
        var ok = false
        var attached: [OpaquePointer] = []
        defer {
            if !ok {
                for link in attached { bpf_link__destroy(link) }
                bpf_object__close(obj)
            }
        }
        let wanted = variant.programs
        var found = Set<String>()
        var prog = bpf_object__next_program(obj, nil)
        while let p = prog {
            let name = String(cString: bpf_program__name(p))
            found.insert(name)
            let rc = bpf_program__set_autoload(p, wanted.contains(name))
            guard rc == 0 else { throw BPFError.libbpf("bpf_program__set_autoload(\(name))", code: rc) }
            prog = bpf_object__next_program(obj, p)
        }
        if let missing = wanted.subtracting(found).sorted().first {
            throw BPFError(step: "find program '\(missing)' in \(objectPath)", errno: ENOENT,
                           detail: "the object does not match this build; rebuild with `make -C bpf`")
        }
        guard let events = bpf_object__find_map_by_name(obj, "events") else {
            throw BPFError.libbpf("find map 'events' in \(objectPath)", code: -ENOENT)
        }
        var rc: Int32
        if let sharedRingFd {
            rc = bpf_map__reuse_fd(events, sharedRingFd)
            guard rc == 0 else { throw BPFError.libbpf("bpf_map__reuse_fd(events, shared ring)", code: rc) }
        } else {
            rc = bpf_map__set_max_entries(events, UInt32(ringBytes))
            guard rc == 0 else { throw BPFError.libbpf("bpf_map__set_max_entries(events, \(ringBytes))", code: rc) }
        }
        rc = bpf_object__load(obj)
        guard rc == 0 else {
            throw BPFError.libbpf("bpf_object__load(\(objectPath), variant \(variant.name))", code: rc,
                                  hint: "needs root (CAP_BPF+CAP_PERFMON), kernel BTF and a matching vmlinux.h (`make -C bpf`)")
        }
        func mapFd(_ name: String) throws -> Int32 {
            guard let map = bpf_object__find_map_by_name(obj, name) else {
                throw BPFError.libbpf("find map '\(name)' in \(objectPath)", code: -ENOENT)
            }
            let fd = bpf_map__fd(map)
            guard fd >= 0 else { throw BPFError.libbpf("bpf_map__fd(\(name))", code: fd) }
            return fd
        }
        let excludedFd = try mapFd("excluded_tgids")
        let countersFd = try mapFd("counters")
        let eventsFd = try mapFd("events")
        func optionalMapFd(_ name: String) -> Int32 { bpf_object__find_map_by_name(obj, name).map { bpf_map__fd($0) } ?? -1 }
        let lostFd = optionalMapFd("lost_tgids")
        for pid in excludedPids { try exclude(pid, fd: excludedFd) }
        var filterWriter = FilterMapWriter(object: obj)
        try filterWriter.apply(filter)

        var hooks: [String] = []
        var missing: [String] = []
        for group in variant.groups {
            var pair: [OpaquePointer] = []
            var failure: BPFError?
            for name in group.programs {
                guard let p = bpf_object__find_program_by_name(obj, name) else {
                    failure = BPFError.libbpf("find program '\(name)' in \(objectPath)", code: -ENOENT)
                    break
                }
                guard let link = bpf_program__attach(p) else {
                    failure = BPFError.libbpf("bpf_program__attach(\(name))")
                    break
                }
                pair.append(link)
            }
            if let failure {
                for link in pair { bpf_link__destroy(link) }
                if group.required { throw failure }
                missing.append(group.description)
                continue
            }
            attached += pair
            hooks.append(group.description)
        }
        ok = true
        return Loaded(object: obj, links: attached, excludedFd: excludedFd, countersFd: countersFd,
                      lostFd: lostFd, throttledFd: optionalMapFd("throttled_tgids"), rateLimitFd: optionalMapFd("rate_limit"),
                      filterWriter: filterWriter, eventsFd: eventsFd, hooks: hooks, missing: missing)
    }

    deinit { close() }

    /// Stops tracing `pid` (a tgid) from now on.
    public func addExcludedPid(_ pid: UInt32) throws {
        lock.lock(); defer { lock.unlock() }
        guard object != nil else { throw BPFError(step: "addExcludedPid(\(pid)): probe closed", errno: EBADF) }
        try Self.exclude(pid, fd: excludedFd)
    }

    /// Traces `pid` again (no error when it was not excluded).
    public func removeExcludedPid(_ pid: UInt32) {
        lock.lock(); defer { lock.unlock() }
        guard object != nil else { return }
        var key = pid
        _ = bpf_map_delete_elem(excludedFd, &key)
    }

    /// Whether the object counts ring-buffer losses per process (`lost_tgids`).
    public var countsLossPerProcess: Bool { lost.exists }

    /// Records of process `tgid` lost because the ring buffer was full (0 when none or unknown).
    public func lostRecords(tgid: UInt32) -> UInt64 {
        lock.lock(); defer { lock.unlock() }
        return object == nil ? 0 : lost.value(tgid)
    }

    /// Every process with lost records: tgid → records lost.
    public func lostRecordsByProcess() -> [UInt32: UInt64] {
        lock.lock(); defer { lock.unlock() }
        return object == nil ? [:] : lost.all()
    }

    /// Forgets the per-process loss entries of `tgids` (dead processes), keeping the map from filling.
    public func forgetLostRecords(tgids: [UInt32]) {
        lock.lock(); defer { lock.unlock() }
        if object != nil { lost.forget(tgids) }
    }

    /// Limits every process to `maxEvents` records per `windowNs` on this probe, in the kernel; the
    /// rest are dropped and counted (`counters().throttled`, `throttledRecordsByProcess()`).
    /// 0 removes the limit. Takes effect at once, also while attached.
    public func setRateLimit(maxEvents: UInt64, windowNs: UInt64) throws {
        lock.lock(); defer { lock.unlock() }
        guard object != nil, rateLimitFd >= 0 else {
            throw BPFError(step: "set rate limit on \(objectPath)", errno: ENOENT,
                           detail: "the object has no rate_limit map; rebuild with `make -C bpf`")
        }
        var key: UInt32 = 0
        var value = infrasight_rate_limit(max_events: maxEvents, window_ns: max(windowNs, 1))
        let rc = bpf_map_update_elem(rateLimitFd, &key, &value, UInt64(BPF_ANY))
        guard rc == 0 else { throw BPFError.libbpf("bpf_map_update_elem(rate_limit)", code: rc) }
    }

    /// Puts `tables` in force, atomically per record (`FilterMapWriter`), while attached.
    public func setFilter(_ tables: KernelFilterTables) throws {
        lock.lock(); defer { lock.unlock() }
        guard object != nil else { throw BPFError(step: "set filter on \(objectPath): probe closed", errno: EBADF) }
        try filterWriter.apply(tables)
    }

    /// The filter generation in force (0 or 1; flips on every `setFilter`).
    public var filterGeneration: UInt32 {
        lock.lock(); defer { lock.unlock() }
        return filterWriter.generation
    }

    /// Every process with records dropped by the rate limit: tgid → records dropped.
    public func throttledRecordsByProcess() -> [UInt32: UInt64] {
        lock.lock(); defer { lock.unlock() }
        return object == nil ? [:] : throttled.all()
    }

    /// Forgets the rate-limit drop counts of `tgids` (dead processes).
    public func forgetThrottledRecords(tgids: [UInt32]) {
        lock.lock(); defer { lock.unlock() }
        if object != nil { throttled.forget(tgids) }
    }

    /// Consumes what is in the probe's own ring buffer now, non-blocking; calls `handler` per decoded
    /// record; returns how many were delivered (0 with a shared ring: its owner consumes it).
    /// Undecodable records are counted (`decodeErrors`).
    @discardableResult
    public func consume(_ handler: (KernelRecord) -> Void) -> Int {
        lock.lock(); defer { lock.unlock() }
        return ownRing?.consume(handler) ?? 0
    }

    /// Kernel counters summed over CPUs, plus user-space decode errors.
    public func counters() -> ProbeCounters {
        lock.lock(); defer { lock.unlock() }
        var c = ProbeCounters()
        c.decodeErrors = ownRing?.decodeErrors ?? 0
        guard object != nil else { return c }
        var values = [UInt64](repeating: 0, count: cpuCount)
        for (path, index) in ProbeCounters.kernelIndexes {
            var key = UInt32(index.rawValue)
            let rc = values.withUnsafeMutableBytes { bpf_map_lookup_elem(countersFd, &key, $0.baseAddress) }
            c[keyPath: path] = rc == 0 ? values.reduce(0, &+) : 0
        }
        return c
    }

    /// Detaches and frees everything (idempotent).
    public func close() {
        lock.lock(); defer { lock.unlock() }
        ownRing?.close()
        ownRing = nil
        for link in links { bpf_link__destroy(link) }
        links = []
        if let obj = object { bpf_object__close(obj) }
        object = nil
    }

    private static func exclude(_ pid: UInt32, fd: Int32) throws {
        var key = pid
        var one: UInt8 = 1
        let rc = bpf_map_update_elem(fd, &key, &one, UInt64(BPF_ANY))
        guard rc == 0 else { throw BPFError.libbpf("bpf_map_update_elem(excluded_tgids, \(pid))", code: rc) }
    }
}
