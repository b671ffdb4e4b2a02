import Foundation
import InfraSightCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// A small HTTP/1.1 server for a stage's `/metrics` and `/healthz`, run as a swift-service-lifecycle
/// `Service` beside the stage.
///
/// - `GET /metrics`: 200, `text/plain; version=0.0.4`, the `MetricsExposition` output (scrape hooks run first).
/// - `GET /healthz`: 200 `ok` while `health()` is `.healthy`, else 503 with the reason.
/// - any other path: 404; any other method on a known path: 405 (with `Allow: GET`).
///
/// Keep-alive and pipelining work; request bodies are read and ignored. `start()` binds (port 0 picks a
/// free port; see `boundPort`), `run()` serves until graceful shutdown or cancellation, then closes the
/// listener and every open connection.
public final class MetricsHTTPServer: Service, @unchecked Sendable {
    public typealias HealthCheck = @Sendable () -> HealthStatus

    public let address: MetricsAddress
    let exposition: MetricsExposition
    let health: HealthCheck
    let logger: Logger
    let group: EventLoopGroup

    private let lock = NSLock()
    private var channel: Channel?
    private var connections: [ObjectIdentifier: Channel] = [:]
    private var closed = false

    public init(address: MetricsAddress, exposition: MetricsExposition, logger: Logger,
                group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                health: @escaping HealthCheck = { .healthy }) {
        self.address = address
        self.exposition = exposition
        self.health = health
        self.logger = logger
        self.group = group
    }

    /// The address the listener is bound to, once `start()` has returned.
    public var boundAddress: SocketAddress? {
        lock.lock(); defer { lock.unlock() }
        return channel?.localAddress
    }

    /// The bound port (the real one when `address.port` was 0), once `start()` has returned.
    public var boundPort: Int? { boundAddress?.port }

    /// Binds the listener if it is not bound yet; returns the bound address. Call it before `run()` to
    /// fail fast on a taken port and to learn an ephemeral port.
    @discardableResult
    public func start() async throws -> SocketAddress {
        if let local = lock.withLock({ channel?.localAddress }) { return local }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [weak self] channel in
                guard let self else { return channel.close() }
                guard self.track(channel) else { return channel.close() }
                return channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(MetricsHTTPHandler(respond: { [weak self] method, uri in
                        self?.response(method: method, uri: uri) ?? MetricsHTTPResponse(status: .serviceUnavailable, body: "stopping\n")
                    }))
                }
            }
        let bound = try await bootstrap.bind(host: address.host, port: address.port).get()
        let adopted: Bool = lock.withLock {
            guard !closed, channel == nil else { return false }
            channel = bound
            return true
        }
        guard adopted else {
            try? await bound.close()
            throw ChannelError.ioOnClosedChannel
        }
        guard let local = bound.localAddress else { throw ChannelError.unknownLocalAddress }
        return local
    }

    /// Serves until graceful shutdown (or task cancellation), then closes every connection.
    public func run() async throws {
        try await start()
        let listener = lock.withLock { channel }
        guard let listener else { return }
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await listener.closeFuture.get()
            } onCancel: {
                self.close()
            }
        } onGracefulShutdown: {
            self.close()
        }
    }

    /// Stops accepting and closes the open connections (idempotent).
    public func close() {
        lock.lock()
        closed = true
        let listener = channel
        let open = Array(connections.values)
        connections.removeAll()
        lock.unlock()
        listener?.close(promise: nil)
        for connection in open { connection.close(promise: nil) }
    }

    private func track(_ connection: Channel) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard !closed else { return false }
        let id = ObjectIdentifier(connection)
        connections[id] = connection
        connection.closeFuture.whenComplete { [weak self] _ in
            guard let self else { return }
            self.lock.lock(); self.connections[id] = nil; self.lock.unlock()
        }
        return true
    }

    /// The response to one request (exposed for the handler; pure apart from rendering and health).
    func response(method: HTTPMethod, uri: String) -> MetricsHTTPResponse {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        switch path {
        case "/metrics", "/healthz":
            guard method == .GET else {
                return MetricsHTTPResponse(status: .methodNotAllowed, body: "method not allowed\n",
                                           extraHeaders: [("Allow", "GET")])
            }
            if path == "/metrics" {
                return MetricsHTTPResponse(status: .ok, contentType: MetricsExposition.contentType,
                                           body: exposition.render())
            }
            switch health() {
            case .healthy:
                return MetricsHTTPResponse(status: .ok, body: "ok\n")
            case .unhealthy(let reason):
                return MetricsHTTPResponse(status: .serviceUnavailable, body: "unhealthy: \(reason)\n")
            }
        default:
            return MetricsHTTPResponse(status: .notFound, body: "not found; try /metrics or /healthz\n")
        }
    }
}
