import Foundation
import InfraSightCore
import Logging
import NIOCore

/// Container name, image, labels and Kubernetes pod, fetched from the runtime's socket
/// (`RuntimeSocket`) and cached per container id, without ever blocking the event path.
///
/// `metadata(for:)` only looks at the cache. On a miss it starts one asynchronous request (at most
/// `maxInFlight` at a time, one per container) and returns nil: the events a container emits before
/// the runtime answered (normally its first few milliseconds) carry the container id and runtime but
/// no name, image, labels or pod; every later event carries them. Events are never held back.
///
/// Answers are cached: found metadata until evicted (a container's labels and image never change);
/// "no such container" and runtimes without a socket for `negativeTTL`, then asked again (a socket
/// may appear later); a failed request (no answer in time, connection refused: a runtime still
/// starting or briefly busy) only for `failureRetry`, so one slow answer does not cost 30 s of metadata.
/// The cache holds about `capacity` ids (`TwoGenerationCache`, an approximate LRU).
/// A runtime whose socket does not exist is logged once ("no socket is normal"); so is the first
/// failure per runtime, and every timeout is logged (the first at info, later ones at debug).
/// Every lookup that ends without metadata is counted per runtime and reason (`misses`).
/// docker, podman and cri-o are asked over HTTP (`UnixSocketHTTPClient`), containerd over gRPC
/// (`ContainerdContainersClient`, one client per socket, in a task off the event thread).
public final class ContainerMetadataCache: @unchecked Sendable {
    public let sockets: [RuntimeSocket]
    public let capacity: Int
    public let negativeTTLNanos: UInt64
    public let failureRetryNanos: UInt64
    public let maxInFlight: Int

    private enum Entry {
        case found(ContainerMetadata)
        case absent(untilNanos: UInt64)
    }

    private let logger: Logger
    private let clock: @Sendable () -> UInt64
    /// Lookups that ended without metadata, per runtime and reason.
    public let misses = RuntimeMetadataMisses()

    /// How one runtime's socket is asked.
    private enum Client {
        case http(UnixSocketHTTPClient)
        case containerd(ContainerdContainersClient)
    }

    private let clients: [String: (RuntimeSocket, Client)]
    private let lock = NSLock()
    private var entries: TwoGenerationCache<String, Entry>
    private var pending: Set<String> = []
    private var loggedKeys: Set<String> = []
    private var requests = 0

    /// A cache asking `sockets`; `clock` gives monotonic nanoseconds (tests pass their own).
    public init(sockets: [RuntimeSocket], logger: Logger, capacity: Int = 4096, negativeTTL: TimeInterval = 30,
                failureRetry: TimeInterval = 3, maxInFlight: Int = 8, requestTimeout: TimeAmount = .seconds(2),
                clock: (@Sendable () -> UInt64)? = nil) {
        self.sockets = sockets
        self.logger = logger
        self.capacity = max(2, capacity)
        entries = TwoGenerationCache(capacity: capacity)
        self.negativeTTLNanos = MonotonicTime.nanos(of: negativeTTL)
        self.failureRetryNanos = min(self.negativeTTLNanos, MonotonicTime.nanos(of: failureRetry))
        self.maxInFlight = max(1, maxInFlight)
        self.clock = clock ?? { MonotonicTime.nanos() }
        var clients: [String: (RuntimeSocket, Client)] = [:]
        for s in sockets {
            clients[s.runtime] = (s, s.api == .containerdGRPC
                ? .containerd(ContainerdContainersClient(socketPath: s.path, timeout: .nanoseconds(requestTimeout.nanoseconds)))
                : .http(UnixSocketHTTPClient(socketPath: s.path, timeout: requestTimeout)))
        }
        self.clients = clients
    }

    /// The cached metadata of `container`, or nil (then fetched in the background when not known to be absent).
    public func metadata(for container: ContainerIdentity) -> ContainerMetadata? {
        let now = clock()
        lock.lock()
        let entry = lookupLocked(container.id)
        switch entry {
        case .found(let metadata)?:
            lock.unlock()
            return metadata
        case .absent(let until)? where now < until:
            lock.unlock()
            return nil
        default:
            guard !pending.contains(container.id), pending.count < maxInFlight else {
                lock.unlock()
                return nil
            }
            pending.insert(container.id)
            lock.unlock()
        }
        fetch(container)
        return nil
    }

    /// Whether a request for `container` is outstanding (for tests and diagnostics).
    public func isPending(_ container: ContainerIdentity) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return pending.contains(container.id)
    }

    /// Requests sent to runtime sockets so far (for tests and diagnostics).
    public var requestCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return requests
    }

    private func fetch(_ container: ContainerIdentity) {
        guard let (socket, client) = clients[container.runtime] else {
            logOnce("\(container.runtime)/unconfigured", "no runtime socket configured for \(container.runtime): its containers get no name, image, labels or pod")
            misses.count(container.runtime, .noSocket)
            finish(container.id, nil)
            return
        }
        guard FileManager.default.fileExists(atPath: socket.path) else {
            logOnce("\(socket.runtime)/missing", "no \(socket.runtime) socket at \(socket.path): \(socket.runtime) containers get no name, image, labels or pod until it appears (set --runtime-socket \(socket.runtime)=PATH if it lives elsewhere)")
            misses.count(socket.runtime, .noSocket)
            finish(container.id, nil)
            return
        }
        lock.lock(); requests += 1; lock.unlock()
        switch client {
        case .http(let http): fetchOverHTTP(container, socket, http)
        case .containerd(let containerd): fetchFromContainerd(container, socket, containerd)
        }
    }

    /// Stops the clients' connections (containerd's gRPC client); lookups after it find nothing.
    public func close() {
        for (_, client) in clients.values { if case .containerd(let c) = client { c.close() } }
    }

    /// containerd: one lookup in a task of its own (never on the event thread), bounded by the client's deadline.
    private func fetchFromContainerd(_ container: ContainerIdentity, _ socket: RuntimeSocket, _ client: ContainerdContainersClient) {
        Task { [self] in
            switch await client.lookup(container.id) {
            case .found(let metadata, _):
                finish(container.id, metadata)
            case .notFound:
                misses.count(socket.runtime, .notFound)
                finish(container.id, nil)
            case .timedOut:
                misses.count(socket.runtime, .timeout)
                logOnce("\(socket.runtime)/timeout", "\(socket.runtime) socket \(socket.path) did not answer for container \(container.shortID) within \(client.timeout) (counted as runtime_metadata_miss{\(socket.runtime),timeout})")
                finish(container.id, nil, failed: true)
            case .unavailable(let why):
                misses.count(socket.runtime, .unavailable)
                logOnce("\(socket.runtime)/error", "\(socket.runtime) socket \(socket.path) unreachable for container \(container.shortID): \(why) (first failure; later ones are not logged)")
                finish(container.id, nil, failed: true)
            case .failed(let why):
                misses.count(socket.runtime, .error)
                logOnce("\(socket.runtime)/error", "\(socket.runtime) socket \(socket.path) failed for container \(container.shortID): \(why) (first failure; later ones are not logged)")
                finish(container.id, nil, failed: true)
            }
        }
    }

    private func fetchOverHTTP(_ container: ContainerIdentity, _ socket: RuntimeSocket, _ client: UnixSocketHTTPClient) {
        client.get(socket.inspectPath(containerID: container.id)) { [self] result in
            switch result {
            case .success(let response) where response.status == 200:
                let decoded = socket.api == .crio ? RuntimeInspectDecoder.crio(response.body) : RuntimeInspectDecoder.dockerAPI(response.body)
                if decoded == nil {
                    misses.count(socket.runtime, .error)
                    logOnce("\(socket.runtime)/undecodable", "\(socket.runtime) socket \(socket.path) answered with a document that is not a container (first such answer; later ones are not logged)")
                }
                finish(container.id, decoded)
            case .success(let response):
                misses.count(socket.runtime, response.status == 404 ? .notFound : .error)
                if response.status != 404 {
                    logOnce("\(socket.runtime)/status", "\(socket.runtime) socket \(socket.path) answered HTTP \(response.status) for container \(container.shortID) (first failure; later ones are not logged)")
                }
                finish(container.id, nil)
            case .failure(let error):
                let timedOut = (error as? UnixSocketHTTPClient.Failure).map { if case .timedOut = $0 { return true } else { return false } } ?? false
                misses.count(socket.runtime, timedOut ? .timeout : .unavailable)
                logOnce("\(socket.runtime)/error", "\(socket.runtime) socket \(socket.path) did not answer for container \(container.shortID): \(error) (first failure; later ones are not logged)")
                finish(container.id, nil, failed: true)
            }
        }
    }

    /// Caches the answer: metadata, or its absence for `negativeTTL` (`failureRetry` after a failed request).
    private func finish(_ id: String, _ metadata: ContainerMetadata?, failed: Bool = false) {
        let wait = failed ? failureRetryNanos : negativeTTLNanos
        let entry: Entry = metadata.map { .found($0) } ?? .absent(untilNanos: clock() &+ wait)
        lock.lock()
        defer { lock.unlock() }
        pending.remove(id)
        entries.set(entry, for: id)
    }

    /// Logs `message` at info the first time `key` (runtime/kind) comes up, at debug afterwards.
    private func logOnce(_ key: String, _ message: String) {
        lock.lock()
        let first = loggedKeys.insert(key).inserted
        lock.unlock()
        if first { logger.info("\(message)") } else { logger.debug("\(message)") }
    }

    private func lookupLocked(_ id: String) -> Entry? {
        entries.value(for: id)
    }
}
