import Foundation
import InfraSightCore
import Logging

/// Names the processes the per-process rate limit throttles: one warning per process and probe when
/// it starts being throttled and whenever its dropped count grows, with the running total, so an
/// operator sees who floods (the totals are also in the `throttled{<probe>}` counters).
final class ThrottleReporter {
    private let logger: Logger
    private var reported: [Probe: [UInt32: UInt64]] = [:]

    init(logger: Logger) { self.logger = logger }

    /// Logs the processes whose throttled count grew since the last call; returns their tgids.
    @discardableResult
    func report(probe: Probe, _ byProcess: [UInt32: UInt64]) -> [UInt32] {
        var grown: [UInt32] = []
        for (tgid, dropped) in byProcess.sorted(by: { $0.key < $1.key }) where dropped > reported[probe]?[tgid] ?? 0 {
            let before = reported[probe]?[tgid] ?? 0
            reported[probe, default: [:]][tgid] = dropped
            grown.append(tgid)
            logger.warning("rate limit: pid \(tgid) (\(Self.comm(of: tgid))) throttled on \(probe.rawValue): \(dropped - before) more events dropped, \(dropped) in total (counted as throttled)")
        }
        return grown
    }

    /// Forgets dead processes.
    func forget(probe: Probe, _ tgids: [UInt32]) {
        for t in tgids { reported[probe]?[t] = nil }
    }

    static func comm(of tgid: UInt32) -> String {
        let raw = (try? String(contentsOfFile: "/proc/\(tgid)/comm", encoding: .utf8)) ?? "exited"
        return raw.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
