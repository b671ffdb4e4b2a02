import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// glibc's heap knobs, looked up at run time (the Glibc module exports neither `malloc_trim` nor
/// `mallopt`; on another C library both are no-ops).
///
/// Why: the stages' memory is mostly librdkafka's queues and our message buffers, allocated on one
/// thread and freed on another. glibc gives every contending thread its own arena (up to 8 per core)
/// and keeps each arena's freed pages, so the resident size grows with the thread count rather than
/// with what is live. `limitArenas` caps that; `trim` hands freed pages back after a one-off peak
/// (the agent's BTF parsing at load). `mapLargeAllocations` keeps big buffers out of the heap: glibc
/// raises its mmap threshold to the size of every large block freed (up to 32 MiB), after which
/// librdkafka's batch and lz4 buffers (up to 1 MB each, allocated per request) come from the heap,
/// which fragments and does not shrink: an enrich worker starved of CPU grew from 78 to 188 MB.
public enum MallocControl {
    private typealias Trim = @convention(c) (Int) -> Int32
    private typealias Option = @convention(c) (Int32, Int32) -> Int32
    /// `M_ARENA_MAX` in glibc's malloc.h.
    private static let arenaMaxParameter: Int32 = -8
    /// `M_MMAP_THRESHOLD` in glibc's malloc.h (setting it also turns the dynamic threshold off).
    private static let mmapThresholdParameter: Int32 = -3
    /// `M_TRIM_THRESHOLD` in glibc's malloc.h.
    private static let trimThresholdParameter: Int32 = -1

    private static let trimFunction: Trim? = symbol("malloc_trim").map { unsafeBitCast($0, to: Trim.self) }
    private static let optionFunction: Option? = symbol("mallopt").map { unsafeBitCast($0, to: Option.self) }

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)
    }

    /// Trims every arena.
    public static func trim() { _ = trimFunction?(0) }

    /// At most `count` malloc arenas from now on (call before the stage's threads start).
    public static func limitArenas(_ count: Int32) { _ = optionFunction?(arenaMaxParameter, count) }

    /// Blocks of at least `bytes` are mapped on their own and unmapped when freed, from now on.
    /// The heap's top is then given back only beyond 8 MiB free (setting the threshold turned glibc's
    /// adaptive trim off too; at its 128 KiB default the heap shrank and regrew on every burst).
    public static func mapLargeAllocations(atLeast bytes: Int32) {
        _ = optionFunction?(mmapThresholdParameter, bytes)
        _ = optionFunction?(trimThresholdParameter, 8 << 20)
    }
}
