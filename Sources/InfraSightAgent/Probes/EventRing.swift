import CLibbpf
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The BPF ring buffer the probes write their records into, and its one consumer.
///
/// Why one ring for every probe: a ring buffer's pages are mapped into the agent (twice, for
/// wrap-around reads), so eight probes with a ring each cost 8 × 2 × 8 MiB of resident memory before
/// the first event. The agent creates one ring (`init(bytes:)`) and every probe's object reuses it
/// for its `events` map (`bpf_map__reuse_fd`); records carry their kind, so one decoder serves them
/// all. A probe loaded on its own (tests, tools) wraps its object's map instead (`init(mapFd:)`).
///
/// The kernel batches wake-ups, so the caller polls `consume(_:)` every few ms from one thread.
/// Not thread-safe: `BPFProbe` or the agent's event thread serialise access.
public final class EventRing {
    /// The ring's map fd (owned when this instance created the map).
    public let fd: Int32
    /// Data area size in bytes (a power of two, at least a page).
    public let bytes: Int
    private let ownsMap: Bool
    private var ring: OpaquePointer?
    private let sink = RecordSink()

    /// A new ring of `bytes` (rounded up to a power of two pages) for probes to share.
    public init(bytes requested: Int) throws {
        let size = Self.roundedSize(requested)
        let fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "events", 0, 0, UInt32(size), nil)
        guard fd >= 0 else {
            throw BPFError.libbpf("bpf_map_create(ringbuf, \(size) bytes)", code: fd,
                                  hint: "needs root (CAP_BPF) and a kernel with BPF ring buffers (5.8+)")
        }
        self.fd = fd
        self.bytes = size
        ownsMap = true
        try start()
    }

    /// The consumer of an existing ring-buffer map (a probe object's own `events` map).
    public init(mapFd: Int32, bytes: Int) throws {
        fd = mapFd
        self.bytes = bytes
        ownsMap = false
        try start()
    }

    private func start() throws {
        let ctx = Unmanaged.passUnretained(sink).toOpaque()
        guard let rb = ring_buffer__new(fd, recordSampleCallback, ctx, nil) else {
            let error = BPFError.libbpf("ring_buffer__new(events)")
            if ownsMap { Glibc.close(fd) }
            throw error
        }
        ring = rb
    }

    deinit { close() }

    /// Records user space could not decode (counted as `lost{decode}`).
    public var decodeErrors: UInt64 { sink.decodeErrors }

    /// Consumes what is in the ring now, non-blocking; calls `handler` per decoded record; returns
    /// how many were delivered. Undecodable records are counted (`decodeErrors`).
    @discardableResult
    public func consume(_ handler: (KernelRecord) -> Void) -> Int {
        guard let ring else { return 0 }
        return withoutActuallyEscaping(handler) { handler in
            sink.handler = handler
            sink.delivered = 0
            defer { sink.handler = nil }
            _ = ring_buffer__consume(ring)
            return sink.delivered
        }
    }

    /// Stops consuming and frees the consumer (and the map, when owned). Idempotent.
    public func close() {
        if let ring { ring_buffer__free(ring) }
        if ring != nil, ownsMap { Glibc.close(fd) }
        ring = nil
    }

    /// `bytes` rounded up to a power of two, at least one page (what the kernel requires).
    public static func roundedSize(_ bytes: Int) -> Int {
        let page = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
        var size = page
        while size < bytes && size < (1 << 30) { size <<= 1 }
        return size
    }
}

/// State the C ring-buffer callback reaches through its context pointer.
private final class RecordSink {
    var handler: ((KernelRecord) -> Void)?
    var delivered = 0
    var decodeErrors: UInt64 = 0
}

private let recordSampleCallback: ring_buffer_sample_fn = { ctx, data, size in
    guard let ctx else { return 0 }
    let sink = Unmanaged<RecordSink>.fromOpaque(ctx).takeUnretainedValue()
    guard let data else { sink.decodeErrors += 1; return 0 }
    do {
        let record = try KernelRecordDecoder.decode(UnsafeRawBufferPointer(start: data, count: size))
        sink.delivered += 1
        sink.handler?(record)
    } catch {
        sink.decodeErrors += 1
    }
    return 0
}
