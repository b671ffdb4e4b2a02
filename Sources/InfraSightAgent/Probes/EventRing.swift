import CLibbpf
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The BPF ring buffer the probes write their records into, and its one consumer.
///
/// Why one ring for every probe: a ring buffer's pages are all mapped into the agent at once, so
/// eight probes with a ring each cost 8 × 8 MiB of resident memory before the first event. The agent
/// creates one ring (`init(bytes:)`) and every probe's object reuses it for its `events` map
/// (`bpf_map__reuse_fd`); records carry their kind, so one decoder serves them all. A probe loaded
/// on its own (tests, tools) wraps its object's map instead (`init(mapFd:)`).
///
/// The data area is mapped once and read in place (`RingBufferReader`), not through libbpf's
/// consumer, which maps it twice. The kernel batches wake-ups, so the caller polls `consume(_:)`
/// every few ms from one thread.
/// Not thread-safe: `BPFProbe` or the agent's event thread serialise access.
public final class EventRing {
    /// The ring's map fd (owned when this instance created the map).
    public let fd: Int32
    /// Data area size in bytes (a power of two, at least a page).
    public let bytes: Int
    private let ownsMap: Bool
    private var reader: RingBufferReader?
    /// Records user space could not decode, and impossible headers (counted as `lost{decode}`).
    public private(set) var decodeErrors: UInt64 = 0

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
        do {
            reader = try RingBufferReader(fd: fd)
        } catch {
            if ownsMap { Glibc.close(fd) }
            throw error
        }
    }

    deinit { close() }

    /// Consumes what is in the ring now, non-blocking; calls `handler` per decoded record; returns
    /// how many were delivered. Undecodable records are counted (`decodeErrors`).
    @discardableResult
    public func consume(_ handler: (KernelRecord) -> Void) -> Int {
        guard reader != nil else { return 0 }
        var delivered = 0
        var undecodable: UInt64 = 0
        var corrupt: UInt64 = 0
        reader!.consume(corrupt: &corrupt) { bytes in
            do {
                handler(try KernelRecordDecoder.decode(bytes))
                delivered += 1
            } catch {
                undecodable += 1
            }
        }
        decodeErrors += undecodable + corrupt
        return delivered
    }

    /// Records that ran past the end of the data area and were joined from two pieces.
    var wrappedRecords: UInt64 { reader?.wrappedRecords ?? 0 }

    /// Stops consuming and frees the consumer (and the map, when owned). Idempotent.
    public func close() {
        guard reader != nil else { return }
        reader!.unmap()
        reader = nil
        if ownsMap { Glibc.close(fd) }
    }

    /// The page size: the unit of a ring's data area and of its mappings.
    static let pageSize = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)

    /// `bytes` rounded up to a power of two, at least one page (what the kernel requires).
    public static func roundedSize(_ bytes: Int) -> Int {
        var size = pageSize
        while size < bytes && size < (1 << 30) { size <<= 1 }
        return size
    }
}
