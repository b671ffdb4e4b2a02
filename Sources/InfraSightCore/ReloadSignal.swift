import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP as a request to reload: while one exists, the signal no longer terminates the process but
/// is remembered until the stage loop takes it (`takePending()`), so the reload runs on the loop's
/// thread between two ring-buffer drains. Several signals before the loop looks count as one.
public final class ReloadSignal: @unchecked Sendable {
    public let signalNumber: Int32
    private let lock = NSLock()
    private var pending = false
    private var received = 0
    private let source: DispatchSourceSignal

    /// Starts listening for `signalNumber` (default SIGHUP).
    public init(signalNumber: Int32 = SIGHUP) {
        self.signalNumber = signalNumber
        signal(signalNumber, SIG_IGN) // the dispatch source still sees it; the default action (exit) is off
        source = DispatchSource.makeSignalSource(signal: signalNumber, queue: DispatchQueue(label: "infrasight.reload-signal"))
        source.setEventHandler { [weak self] in self?.mark() }
        source.resume()
    }

    /// Requests a reload as if the signal had arrived (an admin endpoint, tests).
    public func mark() {
        lock.lock(); defer { lock.unlock() }
        pending = true
        received += 1
    }

    /// True once per batch of requests since the last call.
    public func takePending() -> Bool {
        lock.lock(); defer { lock.unlock() }
        defer { pending = false }
        return pending
    }

    /// Requests seen so far.
    public var count: Int {
        lock.lock(); defer { lock.unlock() }
        return received
    }

    deinit { source.cancel() }
}
