import Foundation

/// Notices a consumer-group member that has been waiting too long for the broker to finish a rebalance.
///
/// The wait starts at subscribe and at every revoke, and ends when an assignment arrives (an empty one
/// counts: more members than partitions is normal). A member stuck in between consumes nothing, so the
/// stage says so loudly instead of idling in silence. Seen with tansu 0.6.0, which can keep a departed
/// member as group leader; on Kafka it points at a coordinator or network problem.
public struct GroupJoinWatch: Sendable {
    /// How long a rebalance may take before the first warning, and the interval between warnings.
    public let threshold: TimeInterval
    private var waitingSince: Date?
    private var lastWarning: Date?

    public init(threshold: TimeInterval = 60, now: Date = Date()) {
        self.threshold = threshold
        waitingSince = now
    }

    /// A rebalance started (subscribe or revoke).
    public mutating func waiting(now: Date = Date()) {
        if waitingSince == nil { waitingSince = now }
    }

    /// The broker completed a rebalance for this member.
    public mutating func assigned() {
        waitingSince = nil
        lastWarning = nil
    }

    /// Seconds this member has been waiting, or nil when it holds an assignment.
    public func waitedSeconds(now: Date = Date()) -> TimeInterval? {
        waitingSince.map { now.timeIntervalSince($0) }
    }

    /// A warning to log now, at most once per `threshold`, while the wait exceeds `threshold`.
    public mutating func warning(group: String, brokers: String, now: Date = Date()) -> String? {
        guard let since = waitingSince, now.timeIntervalSince(since) >= threshold else { return nil }
        if let last = lastWarning, now.timeIntervalSince(last) < threshold { return nil }
        lastWarning = now
        return "consumer group \(group) on \(brokers): no partition assignment after \(Int(now.timeIntervalSince(since))) s; "
            + "the group coordinator has not completed the rebalance, so this member consumes nothing. "
            + "Check the broker's logs and `kafka-consumer-groups --describe --group \(group)`; "
            + "on tansu 0.6.0 a leader that left mid-rebalance blocks the group until the broker restarts"
    }
}
