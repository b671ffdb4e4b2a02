#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads of `CLOCK_MONOTONIC`, for rate limits and refresh intervals that must not jump when the
/// wall clock is stepped.
enum MonotonicTime {
    /// Nanoseconds on the monotonic clock (arbitrary origin).
    static func nanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// `interval` seconds as nanoseconds, clamped to zero for negative or NaN intervals.
    static func nanos(of interval: Double) -> UInt64 {
        guard interval > 0 else { return 0 }
        return interval >= 1e9 ? UInt64(1e18) : UInt64(interval * 1e9)
    }
}
