import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Converts `CLOCK_BOOTTIME` nanoseconds (what BPF programs stamp with
/// `bpf_ktime_get_boot_ns()`) to Unix-epoch wall-clock nanoseconds.
///
/// wall = boot + (CLOCK_REALTIME − CLOCK_BOOTTIME). The offset is measured by reading
/// REALTIME, BOOTTIME, REALTIME back to back several times and keeping the sample with the
/// smallest gap between the two REALTIME reads (least disturbed by preemption), taking the
/// midpoint. It is re-measured every `refreshInterval`, so NTP steps and slewing and
/// `settimeofday` are followed; between refreshes the conversion is one addition.
public final class BootClock: @unchecked Sendable {
    /// Time between two offset measurements.
    public let refreshInterval: TimeInterval
    /// Read triples taken per measurement.
    public static let samplesPerMeasurement = 7

    private let lock = NSLock()
    private var offsetNanos: Int64
    private var measuredAtNanos: UInt64

    /// A clock whose offset is measured now and then every `refreshInterval` seconds.
    public init(refreshInterval: TimeInterval = 10) {
        self.refreshInterval = refreshInterval
        self.offsetNanos = Self.measureOffset()
        self.measuredAtNanos = MonotonicTime.nanos()
    }

    /// Unix-epoch nanoseconds of the instant `bootNanos` on `CLOCK_BOOTTIME`, saturated to
    /// 0…`Int64.max` (garbage input can't trap).
    public func wallClockNanos(fromBootNanos bootNanos: UInt64) -> UInt64 {
        Self.wallClockNanos(fromBootNanos: bootNanos, offset: currentOffset())
    }

    /// `bootNanos` + `offset` (a `realtimeMinusBootNanos` read earlier), saturated like
    /// `wallClockNanos(fromBootNanos:)`; for a hot loop that re-reads the offset only now and then.
    @inline(__always)
    public static func wallClockNanos(fromBootNanos bootNanos: UInt64, offset: Int64) -> UInt64 {
        let (wall, overflow) = Int64(clamping: bootNanos).addingReportingOverflow(offset)
        if overflow { return offset > 0 ? UInt64(Int64.max) : 0 }
        return wall > 0 ? UInt64(wall) : 0
    }

    /// CLOCK_REALTIME − CLOCK_BOOTTIME in nanoseconds, as currently applied.
    public var realtimeMinusBootNanos: Int64 { currentOffset() }

    /// `CLOCK_BOOTTIME` now, in nanoseconds: the clock `bpf_ktime_get_boot_ns()` reads.
    public static func bootNanosNow() -> UInt64 {
        nanos(CLOCK_BOOTTIME)
    }

    private func currentOffset() -> Int64 {
        let now = MonotonicTime.nanos()
        lock.lock()
        defer { lock.unlock() }
        if now &- measuredAtNanos >= MonotonicTime.nanos(of: refreshInterval) {
            offsetNanos = Self.measureOffset()
            measuredAtNanos = now
        }
        return offsetNanos
    }

    /// REALTIME − BOOTTIME from the tightest of `samplesPerMeasurement` sandwiched reads.
    static func measureOffset() -> Int64 {
        var bestGap = UInt64.max
        var bestOffset: Int64 = 0
        for _ in 0..<samplesPerMeasurement {
            let before = nanos(CLOCK_REALTIME)
            let boot = nanos(CLOCK_BOOTTIME)
            let after = nanos(CLOCK_REALTIME)
            guard after >= before else { continue } // the wall clock was stepped back mid-sample
            let gap = after - before
            if gap < bestGap {
                bestGap = gap
                bestOffset = Int64(truncatingIfNeeded: before + gap / 2) &- Int64(truncatingIfNeeded: boot)
            }
        }
        if bestGap == .max { // every sample straddled a step: take a plain one
            bestOffset = Int64(truncatingIfNeeded: nanos(CLOCK_REALTIME)) &- Int64(truncatingIfNeeded: nanos(CLOCK_BOOTTIME))
        }
        return bestOffset
    }

    private static func nanos(_ clock: clockid_t) -> UInt64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
