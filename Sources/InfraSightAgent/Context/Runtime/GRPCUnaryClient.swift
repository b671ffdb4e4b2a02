import Foundation
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix

/// A minimal gRPC client for one unary call at a time to a local daemon's unix socket (containerd's API):
/// HTTP/2 with prior knowledge (swift-nio-http2), one connection and one stream per call, the request
/// as one length-prefixed message (`GRPCMessageFrame`), the answer's `grpc-status` and `grpc-message`
/// read from the trailers (or from the headers of a "trailers-only" answer). The answer arrives through
/// a callback on a NIO event loop, so the caller never blocks. Each call is bounded in time (`timeout`,
/// connect included; also sent as `grpc-timeout`) and in size (`maxMessageBytes`).
public final class GRPCUnaryClient: Sendable {
    /// The outcome of a call that completed at the gRPC level, successful or not.
    public struct Response: Sendable, Equatable {
        /// `grpc-status`: 0 OK, 5 NOT_FOUND, … (gRPC status codes).
        public var status: Int
        /// `grpc-message`, percent-decoded (empty when absent).
        public var message: String
        /// The response message, when the server sent one.
        public var payload: [UInt8]?

        public static let ok = 0
        public static let notFound = 5
    }

    /// Why a call got no gRPC answer.
    public enum Failure: Error, CustomStringConvertible, Sendable {
        case timedOut
        case messageTooLarge(Int)
        case closedEarly
        case httpStatus(Int)
        case noGRPCStatus

        public var description: String {
            switch self {
            case .timedOut: return "no answer in time"
            case .messageTooLarge(let n): return "answer larger than \(n) bytes"
            case .closedEarly: return "connection closed before the answer was complete"
            case .httpStatus(let s): return "HTTP/2 status \(s) instead of 200"
            case .noGRPCStatus: return "answer without grpc-status"
            }
        }
    }

    public let socketPath: String
    public let timeout: TimeAmount
    public let maxMessageBytes: Int
    private let group: EventLoopGroup

    public init(socketPath: String, timeout: TimeAmount = .seconds(2), maxMessageBytes: Int = 4 << 20,
                group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.socketPath = socketPath
        self.timeout = timeout
        self.maxMessageBytes = maxMessageBytes
        self.group = group
    }

    /// Calls `path` (`/<package>.<Service>/<Method>`) with the serialized `request` and the extra
    /// `metadata` headers; `completion` runs once, on an event loop, with the gRPC answer or the error.
    public func call(path: String, metadata: [(String, String)], request: [UInt8],
                     completion: @escaping @Sendable (Result<Response, Error>) -> Void) {
        let loop = group.next()
        let promise = loop.makePromise(of: Response.self)
        promise.futureResult.whenComplete(completion)
        let collector = GRPCResponseCollector(promise: promise, maxMessageBytes: maxMessageBytes)
        let timeoutTask = loop.scheduleTask(in: timeout) { collector.fail(Failure.timedOut) }
        promise.futureResult.whenComplete { _ in timeoutTask.cancel() }

        var headers: HPACKHeaders = [":method": "POST", ":scheme": "http", ":path": path, ":authority": "localhost",
                                     "content-type": "application/grpc", "te": "trailers",
                                     "grpc-timeout": "\(max(1, timeout.nanoseconds / 1_000_000))m"]
        for (name, value) in metadata { headers.add(name: name.lowercased(), value: value) }
        let body = GRPCMessageFrame.encode(request)

        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .connect(unixDomainSocketPath: socketPath)
            .flatMap { connection -> EventLoopFuture<Channel> in
                guard !collector.isDone else {
                    connection.close(promise: nil)
                    return connection.eventLoop.makeFailedFuture(GRPCUnaryClient.Failure.timedOut)
                }
                collector.connection = connection
                return connection.configureHTTP2Pipeline(mode: .client, inboundStreamInitializer: nil).flatMap { multiplexer in
                    multiplexer.createStreamChannel { stream in stream.pipeline.addHandler(collector) }
                }
            }
            .whenComplete { result in
                switch result {
                case .failure(let error):
                    collector.fail(error)
                case .success(let stream):
                    guard !collector.isDone else { stream.parent?.close(promise: nil); return }
                    stream.write(HTTP2Frame.FramePayload.headers(.init(headers: headers)), promise: nil)
                    var buffer = stream.allocator.buffer(capacity: body.count)
                    buffer.writeBytes(body)
                    stream.writeAndFlush(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(buffer), endStream: true)))
                        .whenFailure { collector.fail($0) }
                }
            }
    }
}

/// Collects one gRPC response on its HTTP/2 stream; completes its promise exactly once and then closes
/// the connection.
private final class GRPCResponseCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTP2Frame.FramePayload

    private let promise: EventLoopPromise<GRPCUnaryClient.Response>
    private let maxMessageBytes: Int
    private var sawHeaders = false
    private var body: [UInt8] = []
    private var done = false
    /// The connection the stream runs on (set on the event loop once connected).
    var connection: Channel?

    init(promise: EventLoopPromise<GRPCUnaryClient.Response>, maxMessageBytes: Int) {
        self.promise = promise
        self.maxMessageBytes = maxMessageBytes
    }

    /// Whether the call completed (read on the event loop).
    var isDone: Bool { done }

    /// Fails the call (from any thread) unless it already completed.
    func fail(_ error: Error) {
        let loop = promise.futureResult.eventLoop
        if loop.inEventLoop { complete(.failure(error)) } else { loop.execute { self.complete(.failure(error)) } }
    }

    private func complete(_ result: Result<GRPCUnaryClient.Response, Error>) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
        connection?.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            if !sawHeaders {
                sawHeaders = true
                let status = frame.headers.first(name: ":status").flatMap(Int.init) ?? 0
                guard status == 200 else { complete(.failure(GRPCUnaryClient.Failure.httpStatus(status))); return }
                // A "trailers-only" answer (an error, typically) carries grpc-status in its only headers.
                if frame.endStream || frame.headers.first(name: "grpc-status") != nil { finish(frame.headers) }
            } else {
                finish(frame.headers)
            }
        case .data(let frame):
            guard case .byteBuffer(var buffer) = frame.data else { return }
            body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
            let limit = maxMessageBytes + GRPCMessageFrame.prefixLength
            if body.count > limit || (GRPCMessageFrame.announcedLength(body) ?? 0) > maxMessageBytes {
                complete(.failure(GRPCUnaryClient.Failure.messageTooLarge(maxMessageBytes)))
                return
            }
            if frame.endStream { complete(.failure(GRPCUnaryClient.Failure.noGRPCStatus)) }
        case .rstStream:
            complete(.failure(GRPCUnaryClient.Failure.closedEarly))
        default:
            break
        }
    }

    /// Completes the call from the headers that carry `grpc-status`.
    private func finish(_ trailers: HPACKHeaders) {
        guard let status = trailers.first(name: "grpc-status").flatMap(Int.init) else {
            complete(.failure(GRPCUnaryClient.Failure.noGRPCStatus))
            return
        }
        let raw = trailers.first(name: "grpc-message") ?? ""
        let message = raw.removingPercentEncoding ?? raw
        do {
            let payload = try GRPCMessageFrame.decodeSingle(body, maxMessageBytes: maxMessageBytes)
            complete(.success(.init(status: status, message: message, payload: payload)))
        } catch {
            complete(.failure(error))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { complete(.failure(error)) }

    func channelInactive(context: ChannelHandlerContext) {
        complete(.failure(GRPCUnaryClient.Failure.closedEarly))
        context.fireChannelInactive()
    }
}
