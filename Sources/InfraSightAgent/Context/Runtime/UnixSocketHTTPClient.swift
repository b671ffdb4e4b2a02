import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 client for a local daemon's unix socket (the Docker Engine API, podman's
/// Docker-compatible API, CRI-O's inspect endpoint): one `GET` per connection, answered through a
/// callback on a NIO event loop, so the caller never blocks. Each request is bounded in time
/// (`timeout`, connect included) and in size (`maxBodyBytes`); chunked answers are decoded.
public final class UnixSocketHTTPClient: Sendable {
    /// One HTTP answer.
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    /// Why a request got no answer.
    public enum Failure: Error, CustomStringConvertible, Sendable {
        case timedOut
        case bodyTooLarge(Int)
        case closedEarly

        public var description: String {
            switch self {
            case .timedOut: return "no answer in time"
            case .bodyTooLarge(let n): return "answer larger than \(n) bytes"
            case .closedEarly: return "connection closed before the answer was complete"
            }
        }
    }

    public let socketPath: String
    public let timeout: TimeAmount
    public let maxBodyBytes: Int
    private let group: EventLoopGroup

    public init(socketPath: String, timeout: TimeAmount = .seconds(2), maxBodyBytes: Int = 4 << 20,
                group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.socketPath = socketPath
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
        self.group = group
    }

    /// Sends `GET path` and calls `completion` once, on an event loop, with the answer or the error.
    public func get(_ path: String, completion: @escaping @Sendable (Result<Response, Error>) -> Void) {
        let loop = group.next()
        let promise = loop.makePromise(of: Response.self)
        promise.futureResult.whenComplete(completion)
        let collector = ResponseCollector(promise: promise, maxBodyBytes: maxBodyBytes)
        let timeoutTask = loop.scheduleTask(in: timeout) { collector.fail(Failure.timedOut) }
        promise.futureResult.whenComplete { _ in timeoutTask.cancel() }
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.pipeline.addHTTPClientHandlers().flatMap { channel.pipeline.addHandler(collector) }
            }
            .connect(unixDomainSocketPath: socketPath)
            .whenComplete { result in
                switch result {
                case .failure(let error):
                    collector.fail(error)
                case .success(let channel):
                    guard !collector.isDone else { channel.close(promise: nil); return }
                    var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
                    head.headers.add(name: "Host", value: "localhost")
                    head.headers.add(name: "Accept", value: "application/json")
                    head.headers.add(name: "Connection", value: "close")
                    channel.write(HTTPClientRequestPart.head(head), promise: nil)
                    channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure { collector.fail($0) }
                }
            }
    }
}

/// Collects one response; completes its promise exactly once and then closes the channel.
private final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<UnixSocketHTTPClient.Response>
    private let maxBodyBytes: Int
    private var status = 0
    private var body: [UInt8] = []
    private var done = false
    private var context: ChannelHandlerContext?

    init(promise: EventLoopPromise<UnixSocketHTTPClient.Response>, maxBodyBytes: Int) {
        self.promise = promise
        self.maxBodyBytes = maxBodyBytes
    }

    /// Whether the request completed (read on the event loop).
    var isDone: Bool { done }

    /// Fails the request (from any thread) unless it already completed.
    func fail(_ error: Error) {
        let loop = promise.futureResult.eventLoop
        if loop.inEventLoop { failOnLoop(error) } else { loop.execute { self.failOnLoop(error) } }
    }

    private func failOnLoop(_ error: Error) {
        guard !done else { return }
        done = true
        promise.fail(error)
        context?.close(promise: nil)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(var buffer):
            guard body.count + buffer.readableBytes <= maxBodyBytes else {
                failOnLoop(UnixSocketHTTPClient.Failure.bodyTooLarge(maxBodyBytes))
                return
            }
            body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
        case .end:
            done = true
            promise.succeed(.init(status: status, body: body))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { failOnLoop(error) }

    func channelInactive(context: ChannelHandlerContext) {
        failOnLoop(UnixSocketHTTPClient.Failure.closedEarly)
        context.fireChannelInactive()
    }
}
