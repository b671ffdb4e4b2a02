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
/// (the agent's BTF parsing at load). `placeLargeBlocks` fixes where big blocks come from, per
/// stage (`LargeBlocks`), instead of glibc's adaptive threshold.
public enum MallocControl {
    /// Where a stage's large blocks (librdkafka's produce batches, fetch answers and lz4 buffers,
    /// ~1-4 MB each, allocated per request) come from.
    public enum LargeBlocks: Int32, Sendable {
        /// Blocks of 256 KiB and more are mapped on their own and unmapped when freed: the resident
        /// size follows what is live. Every block costs fresh zeroed pages. For the agent, whose
        /// memory has a hard budget (64 MB on a node) and whose large blocks are few.
        case mapped = 262_144
        /// Blocks under 32 MiB come from the heap and are reused. For enrich and the sink: with
        /// `.mapped`, page faults zeroing fresh pages were ~40 % of a worker's librdkafka thread and
        /// ~4 % of all CPU in the co-located end-to-end row; pooled, the row's CPU per event fell from
        /// ~23 to ~20 us, and the workers' peaks stayed under 128 MB (issue 11, rows 6 and 8). (glibc's
        /// adaptive threshold, the old default, let a CPU-starved worker with a 4 MiB prefetch queue
        /// fragment its heap to 188 MB; the prefetch queue is 1 MiB now.)
        case pooled = 33_554_432
    }

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

    /// Large blocks come from where `policy` says, from now on. The heap's top is then given back only
    /// beyond 8 MiB free (setting the threshold turned glibc's adaptive trim off too; at its 128 KiB
    /// default the heap shrank and regrew on every burst).
    public static func placeLargeBlocks(_ policy: LargeBlocks) {
        _ = optionFunction?(mmapThresholdParameter, policy.rawValue)
        _ = optionFunction?(trimThresholdParameter, 8 << 20)
    }
}
