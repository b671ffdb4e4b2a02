import CEventLayout
import CLibbpf
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Loads execve.bpf.o, attaches its tracepoints and reads its ring buffer.
///
/// The kernel side batches ring-buffer wake-ups, so the caller polls: call `consume(_:)` every
/// ~2 ms from one thread. Methods are serialised by an internal lock; `close()` (or deinit)
/// detaches everything.
public final class ExecveProbe: @unchecked Sendable {
    /// Tracepoints attached, e.g. "tracepoint syscalls:sys_enter_execve/sys_exit_execve, ...".
    public let hookDescription: String
    /// The ring-buffer size actually used (rounded up to a power of two ≥ page size).
    public let ringBufferBytes: Int

    private let lock = NSLock()
    private var object: OpaquePointer?
    private var links: [OpaquePointer] = []
    private var ringBuffer: OpaquePointer?
    private let excludedFd: Int32
    private let countersFd: Int32
    private let sink = RingSink()
    private let cpuCount: Int

    /// Opens, configures (ring size), loads and attaches the object, then excludes `excludedPids`
    /// (tgids). Throws a `BPFError` naming the failed step, errno and libbpf's log.
    public init(objectPath: String, ringBufferBytes: Int = 8 << 20, excludedPids: [UInt32]) throws {
        LibbpfLog.shared.install()
        LibbpfLog.shared.reset()
        guard FileManager.default.isReadableFile(atPath: objectPath) else {
            throw BPFError(step: "open \(objectPath)", errno: ENOENT,
                           detail: "BPF object not found; build it with `make -C bpf`")
        }
        let ringBytes = Self.roundRingSize(ringBufferBytes)
        self.ringBufferBytes = ringBytes
        let cpus = libbpf_num_possible_cpus()
        guard cpus > 0 else { throw BPFError.libbpf("libbpf_num_possible_cpus", code: cpus) }
        cpuCount = Int(cpus)

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

        guard let events = bpf_object__find_map_by_name(obj, "events") else {
            throw BPFError.libbpf("find map 'events' in \(objectPath)", code: -ENOENT)
        }
        var rc = bpf_map__set_max_entries(events, UInt32(ringBytes))
        guard rc == 0 else { throw BPFError.libbpf("bpf_map__set_max_entries(events, \(ringBytes))", code: rc) }

        rc = bpf_object__load(obj)
        guard rc == 0 else {
            throw BPFError.libbpf("bpf_object__load(\(objectPath))", code: rc,
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
        excludedFd = try mapFd("excluded_tgids")
        countersFd = try mapFd("counters")
        let eventsFd = try mapFd("events")

        // Exclusions first, so nothing of ours is traced once attached.
        for pid in excludedPids { try Self.exclude(pid, fd: excludedFd) }

        // execve is required; execveat is attached too when the kernel has it.
        var hooks: [String] = []
        for (syscall, required) in [("execve", true), ("execveat", false)] {
            var pair: [OpaquePointer] = []
            var failure: BPFError?
            for prog in ["tp_enter_\(syscall)", "tp_exit_\(syscall)"] {
                guard let p = bpf_object__find_program_by_name(obj, prog) else {
                    failure = BPFError.libbpf("find program '\(prog)' in \(objectPath)", code: -ENOENT)
                    break
                }
                guard let link = bpf_program__attach(p) else {
                    failure = BPFError.libbpf("bpf_program__attach(\(prog))",
                                              hint: "tracefs must be mounted (mount -t tracefs nodev /sys/kernel/tracing)")
                    break
                }
                pair.append(link)
            }
            if let failure {
                for link in pair { bpf_link__destroy(link) }
                if required { throw failure }
                continue
            }
            attached += pair
            hooks.append("tracepoint syscalls:sys_enter_\(syscall)/sys_exit_\(syscall)")
        }

        let ctx = Unmanaged.passUnretained(sink).toOpaque()
        guard let rb = ring_buffer__new(eventsFd, ringSampleCallback, ctx, nil) else {
            throw BPFError.libbpf("ring_buffer__new(events)")
        }
        ok = true
        object = obj
        links = attached
        ringBuffer = rb
        hookDescription = hooks.joined(separator: ", ")
    }

    deinit { close() }

    /// Stops tracing `pid` (a tgid): its execs are skipped at sys_enter before any other work.
    public func addExcludedPid(_ pid: UInt32) throws {
        lock.lock(); defer { lock.unlock() }
        guard object != nil else { throw BPFError(step: "addExcludedPid(\(pid)): probe closed", errno: EBADF) }
        try Self.exclude(pid, fd: excludedFd)
    }

    /// Consumes what is in the ring buffer now, non-blocking; calls handler per event; returns count.
    @discardableResult
    public func consume(_ handler: (KernelExecEvent) -> Void) -> Int {
        lock.lock(); defer { lock.unlock() }
        guard let rb = ringBuffer else { return 0 }
        return withoutActuallyEscaping(handler) { handler in
            sink.handler = handler
            sink.delivered = 0
            defer { sink.handler = nil }
            _ = ring_buffer__consume(rb)
            return sink.delivered
        }
    }

    /// Kernel counters summed over CPUs, plus user-space decode errors.
    public func counters() -> ExecveProbeCounters {
        lock.lock(); defer { lock.unlock() }
        var c = ExecveProbeCounters()
        c.decodeErrors = sink.decodeErrors
        guard object != nil else { return c }
        var values = [UInt64](repeating: 0, count: cpuCount)
        func read(_ index: infrasight_counter) -> UInt64 {
            var key = UInt32(index.rawValue)
            let rc = values.withUnsafeMutableBytes { bpf_map_lookup_elem(countersFd, &key, $0.baseAddress) }
            return rc == 0 ? values.reduce(0, &+) : 0
        }
        c.emitted = read(INFRASIGHT_CTR_EMITTED)
        c.reserveFailures = read(INFRASIGHT_CTR_RESERVE_FAILED)
        c.enterMisses = read(INFRASIGHT_CTR_ENTER_MISS)
        c.excluded = read(INFRASIGHT_CTR_EXCLUDED)
        c.stashFailures = read(INFRASIGHT_CTR_STASH_FAILED)
        c.argvTruncated = read(INFRASIGHT_CTR_ARGV_TRUNCATED)
        c.readFailures = read(INFRASIGHT_CTR_READ_FAILED)
        return c
    }

    /// Detaches the tracepoints and frees the object (idempotent).
    public func close() {
        lock.lock(); defer { lock.unlock() }
        if let rb = ringBuffer { ring_buffer__free(rb) }
        ringBuffer = nil
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

    /// BPF ring buffers must be a power of two and a multiple of the page size.
    static func roundRingSize(_ bytes: Int) -> Int { EventRing.roundedSize(bytes) }
}

/// State the C ring-buffer callback reaches through its context pointer.
private final class RingSink {
    var handler: ((KernelExecEvent) -> Void)?
    var delivered = 0
    var decodeErrors: UInt64 = 0
}

private let ringSampleCallback: ring_buffer_sample_fn = { ctx, data, size in
    guard let ctx else { return 0 }
    let sink = Unmanaged<RingSink>.fromOpaque(ctx).takeUnretainedValue()
    guard let data else { sink.decodeErrors += 1; return 0 }
    do {
        let event = try ExecEventDecoder.decode(UnsafeRawBufferPointer(start: data, count: size))
        sink.delivered += 1
        sink.handler?(event)
    } catch {
        sink.decodeErrors += 1
    }
    return 0
}
