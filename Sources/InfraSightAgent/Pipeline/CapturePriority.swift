import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Raises the CPU priority (nice value) of the thread that drains the ring buffer, and so of the
/// threads it starts afterwards (librdkafka's). Why: on a node where the agent shares cores with
/// busy work — or, co-located, with the enrich workers, the sink and ClickHouse — a starved drain lets
/// the kernel's ring buffer fill and events are lost, while every later stage only falls behind in
/// Kafka and catches up. Measured (bench row 6, everything on 2 cores): 130k of 2.5M events lost at
/// the default priority. Linux nice values are per thread; lowering one needs CAP_SYS_NICE, which the
/// agent has as root; without it the agent says so and runs at the default.
enum CapturePriority {
    /// Sets the calling thread's nice value to `nice` (negative = more CPU); returns an error text
    /// when the kernel refused.
    static func apply(nice: Int32) -> String? {
        // `who` 0 is the calling thread on Linux (nice values are per thread there).
        guard setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) == 0 else {
            return String(cString: strerror(errno))
        }
        return nil
    }
}
