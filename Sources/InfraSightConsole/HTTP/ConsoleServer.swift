import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// `infrasight console`'s HTTP server, a swift-service-lifecycle `Service`: binds `host:port`
/// (127.0.0.1:9470 by default; port 0 picks a free one, see `start()`), serves the `ConsoleRouter`
/// until graceful shutdown or cancellation, then closes the listener and every connection.
/// Needs no privileges.
public final class ConsoleServer: Service, @unchecked Sendable {
    public let host: String
    public let port: Int
    let router: ConsoleRouter
    let logger: Logger
    let group: EventLoopGroup
    let pool: NIOThreadPool

    private let lock = NSLock()
    private var channel: Channel?
    private var connections: [ObjectIdentifier: Channel] = [:]
    private var closed = false

    public init(host: String, port: Int, router: ConsoleRouter, logger: Logger,
                group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                pool: NIOThreadPool = .singleton) {
        self.host = host
        self.port = port
        self.router = router
        self.logger = logger
        self.group = group
        self.pool = pool
    }

    /// Binds the listener if it is not bound yet; returns the bound address.
    @discardableResult
    public func start() async throws -> SocketAddress {
        if let local = lock.withLock({ channel?.localAddress }) { return local }
        let router = self.router
        let pool = self.pool
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [weak self] channel in
                guard let self, self.track(channel) else { return channel.close() }
                return channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(ConsoleHTTPHandler(router: router, pool: pool))
                }
            }
        let bound = try await bootstrap.bind(host: host, port: port).get()
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

    public func run() async throws {
        try await start()
        guard let listener = lock.withLock({ channel }) else { return }
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
        let (listener, open): (Channel?, [Channel]) = lock.withLock {
            closed = true
            let open = Array(connections.values)
            connections.removeAll()
            return (channel, open)
        }
        listener?.close(promise: nil)
        for connection in open { connection.close(promise: nil) }
    }

    private func track(_ connection: Channel) -> Bool {
        lock.withLock {
            guard !closed else { return false }
            let id = ObjectIdentifier(connection)
            connections[id] = connection
            connection.closeFuture.whenComplete { [weak self] _ in
                guard let self else { return }
                self.lock.withLock { self.connections[id] = nil }
            }
            return true
        }
    }
}
