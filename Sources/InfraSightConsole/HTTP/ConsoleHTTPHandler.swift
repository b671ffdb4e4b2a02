import NIOCore
import NIOHTTP1
import NIOPosix

/// The per-connection NIO handler of `ConsoleServer`: gathers one request (body capped at
/// `maxBody` bytes), runs the router on the blocking thread pool (queries use blocking libcurl) and
/// writes the answer back on the event loop, honouring keep-alive. `configureHTTPServerPipeline`
/// in front of it orders pipelined requests and answers malformed ones with 400.
final class ConsoleHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let maxBody = 16 * 1024

    private let router: ConsoleRouter
    private let pool: NIOThreadPool
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(router: ConsoleRouter, pool: NIOThreadPool) {
        self.router = router
        self.pool = pool
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
            tooLarge = false
        case .body(var chunk):
            if body.count + chunk.readableBytes > Self.maxBody {
                tooLarge = true
            } else if let bytes = chunk.readBytes(length: chunk.readableBytes) {
                body += bytes
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if tooLarge {
                var response = ConsoleResponse(status: 413, contentType: "text/plain; charset=utf-8", text: "request body too large\n")
                ConsoleSecurityHeaders.apply(to: &response)
                write(response, for: head, context: context)
                return
            }
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            var peer: ConsolePeer?
            if let remote = context.channel.remoteAddress, let ip = remote.ipAddress, let port = remote.port,
               let serverPort = context.channel.localAddress?.port {
                peer = ConsolePeer(ip: ip, port: port, serverPort: serverPort)
            }
            let request = ConsoleRequest(method: head.method.rawValue, uri: head.uri, headers: headers, body: body, peer: peer)
            body = []
            let router = self.router
            let future = pool.runIfActive(eventLoop: context.eventLoop) { router.respond(request) }
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            future.whenComplete { result in
                let (handler, context) = bound.value
                switch result {
                case .success(let response): handler.write(response, for: head, context: context)
                case .failure:
                    var response = ConsoleResponse(status: 503, contentType: "text/plain; charset=utf-8", text: "stopping\n")
                    ConsoleSecurityHeaders.apply(to: &response)
                    handler.write(response, for: head, context: context)
                }
            }
        }
    }

    private func write(_ response: ConsoleResponse, for request: HTTPRequestHead, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        let keepAlive = request.isKeepAlive
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if request.version.major == 1 && request.version.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
                      promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
