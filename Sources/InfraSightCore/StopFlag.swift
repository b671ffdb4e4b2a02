import Foundation

/// A thread-safe flag that a graceful-shutdown handler sets and a blocking stage loop reads.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    public init() {}

    public var isSet: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopped
    }

    public func set() {
        lock.lock(); stopped = true; lock.unlock()
    }

    /// Sleeps up to `ms` milliseconds in small steps, returning early when the flag is set.
    public func sleep(ms: Double) {
        let deadline = Date().addingTimeInterval(ms / 1000)
        while !isSet, Date() < deadline { usleep(20_000) }
    }
}
