import Atomics
import CLibbpf
#if canImport(Glibc)
import Glibc
#endif

/// The consumer side of a BPF ring buffer (`BPF_MAP_TYPE_RINGBUF`), with its data area mapped ONCE.
///
/// Why not libbpf's `ring_buffer__consume`: libbpf maps the data area twice, back to back, so that a
/// record running past the end reads on contiguously; the kernel maps every page of both copies at
/// mmap time, so a 4 MiB ring cost the agent 8 MiB of resident memory against its 64 MB budget (bench
/// row 8). Mapped once, a record that wraps (rare: at most one per lap of the ring) is copied into a
/// scratch buffer instead.
///
/// The kernel's layout (kernel/bpf/ringbuf.c): page 0 holds `consumer_pos` (the only page user space
/// may map writable), page 1 `producer_pos`, then the data area of `size` bytes (a power of two).
/// Each record is an 8-byte header (a 32-bit length with BUSY and DISCARD bits, then the page offset)
/// followed by the sample, padded to 8 bytes; positions grow for ever and are masked into the area.
/// Invariant: `consumer_pos` is stored (release) only after the record before it was handed over, so
/// the kernel never reuses bytes still being read; the producer's position and each header are
/// loaded with acquire, pairing with the kernel's release when it commits a record.
///
/// Not thread-safe: one thread consumes (`EventRing` serialises).
struct RingBufferReader {
    private static let busyBit: UInt32 = 1 << 31
    private static let discardBit: UInt32 = 1 << 30
    private static let headerBytes = 8

    private let consumerPage: UnsafeMutableRawPointer
    private let producerArea: UnsafeMutableRawPointer
    private let pageSize: Int
    private let size: Int
    private var scratch: UnsafeMutableRawPointer?
    private var scratchCapacity = 0
    /// Records joined from two pieces so far (tests check that wrapping really happened).
    private(set) var wrappedRecords: UInt64 = 0

    /// Maps the ring `fd`; its data area's size is the map's `max_entries`, asked of the kernel.
    init(fd: Int32) throws {
        var info = bpf_map_info()
        var infoLength = UInt32(MemoryLayout<bpf_map_info>.size)
        let got = bpf_obj_get_info_by_fd(fd, &info, &infoLength)
        guard got == 0 else { throw BPFError.libbpf("bpf_obj_get_info_by_fd(ring buffer)", code: got) }
        let size = Int(info.max_entries)
        let page = EventRing.pageSize
        guard size >= page, size & (size - 1) == 0 else {
            throw BPFError.libbpf("ring buffer of \(size) bytes (must be a power of two of at least a page)")
        }
        guard let consumer = mmap(nil, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), consumer != MAP_FAILED else {
            throw BPFError.libbpf("mmap(ring buffer consumer page)", code: -errno)
        }
        guard let producer = mmap(nil, page + size, PROT_READ, MAP_SHARED, fd, off_t(page)), producer != MAP_FAILED else {
            let code = -errno
            munmap(consumer, page)
            throw BPFError.libbpf("mmap(ring buffer data, \(size) bytes)", code: code)
        }
        consumerPage = consumer
        producerArea = producer
        pageSize = page
        self.size = size
    }

    /// Hands every committed record to `deliver`, in ring order, until none is left (a record still
    /// being written stops the pass). A record whose header is impossible (longer than the ring) stops
    /// the pass and counts in `corrupt`.
    mutating func consume(corrupt: inout UInt64, _ deliver: (UnsafeRawBufferPointer) -> Void) {
        let consumer = UnsafeAtomic<UInt64>(at: consumerPage.assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
        let producer = UnsafeAtomic<UInt64>(at: producerArea.assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
        let data = producerArea + pageSize
        let mask = UInt64(size - 1)
        var position = consumer.load(ordering: .acquiring)
        while true {
            let end = producer.load(ordering: .acquiring)
            guard position < end else { return }
            while position < end {
                let offset = Int(position & mask)
                let header = UnsafeAtomic<UInt32>(at: (data + offset).assumingMemoryBound(to: UInt32.AtomicRepresentation.self))
                let word = header.load(ordering: .acquiring)
                if word & Self.busyBit != 0 { return }
                let length = Int(word & ~(Self.busyBit | Self.discardBit))
                let total = (length + Self.headerBytes + 7) & ~7
                guard total <= size else { corrupt += 1; return }
                if word & Self.discardBit == 0 {
                    let start = (offset + Self.headerBytes) & (size - 1)
                    if start + length <= size {
                        deliver(UnsafeRawBufferPointer(start: data + start, count: length))
                    } else {
                        deliver(wrapped(data: data, start: start, length: length))
                    }
                }
                position += UInt64(total)
                consumer.store(position, ordering: .releasing)
            }
        }
    }

    /// A record that runs past the end of the data area, joined in the scratch buffer.
    private mutating func wrapped(data: UnsafeMutableRawPointer, start: Int, length: Int) -> UnsafeRawBufferPointer {
        if scratchCapacity < length {
            scratch?.deallocate()
            scratchCapacity = max(length, 4096)
            scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchCapacity, alignment: 8)
        }
        wrappedRecords &+= 1
        let buffer = scratch.unsafelyUnwrapped
        let head = size - start
        buffer.copyMemory(from: data + start, byteCount: head)
        (buffer + head).copyMemory(from: data, byteCount: length - head)
        return UnsafeRawBufferPointer(start: buffer, count: length)
    }

    /// Unmaps the ring and frees the scratch buffer. Call once.
    mutating func unmap() {
        munmap(consumerPage, pageSize)
        munmap(producerArea, pageSize + size)
        scratch?.deallocate()
        scratch = nil
        scratchCapacity = 0
    }
}
