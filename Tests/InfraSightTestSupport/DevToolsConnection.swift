import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// One Chrome DevTools Protocol connection (a WebSocket to `ws://127.0.0.1:PORT/devtools/…`) with a
/// blocking `send`: tests that press real keys in headless Chromium need a live browser they can talk
/// to, and `--dump-dom` only gives a page's final markup. Built on swift-nio's WebSocket client (already
/// in the package graph) so no other language or package is needed. Events from the browser are kept
/// (`events(named:)`) for tests that wait on them.
public final class DevToolsConnection: @unchecked Sendable {
    private let channel: Channel
    private let state = NIOLockedValueBox(State())
    private let arrived = NSCondition()
    private var nextID = 0

    struct State {
        var replies: [Int: [String: Any]] = [:]
        var events: [[String: Any]] = []
        var closed: String?
    }

    /// Connects to `path` (`/devtools/page/<id>` or `/devtools/browser/<id>`) on 127.0.0.1:`port`.
    public init(port: Int, path: String, timeout: TimeInterval = 10) throws {
        let box = NIOLockedValueBox<DevToolsConnection?>(nil)
        let upgraded = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(Int64(timeout)))
            .channelInitializer { channel in
                let upgrader = NIOWebSocketClientUpgrader(
                    maxFrameSize: 1 << 26, automaticErrorHandling: true,
                    upgradePipelineHandler: { channel, _ in
                        // The request sender reads HTTP parts: out of the way before frames arrive.
                        channel.pipeline.removeHandler(name: "devtools-upgrade-request").flatMap {
                            channel.pipeline.addHandler(FrameHandler(owner: box))
                        }.map { upgraded.succeed(()) }
                    })
                let config: NIOHTTPClientUpgradeConfiguration = (upgraders: [upgrader], completionHandler: { _ in })
                return channel.pipeline.addHTTPClientHandlers(withClientUpgrade: config).flatMap {
                    channel.pipeline.addHandler(UpgradeRequester(host: "127.0.0.1:\(port)", path: path, failed: upgraded),
                                                name: "devtools-upgrade-request")
                }
            }
        do {
            channel = try bootstrap.connect(host: "127.0.0.1", port: port).wait()
        } catch {
            upgraded.fail(error)  // a promise left pending is a crash in debug builds
            throw TestSupportError("DevTools on 127.0.0.1:\(port): \(error)")
        }
        box.withLockedValue { $0 = self }
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(Int64(timeout))) {
            upgraded.fail(TestSupportError("DevTools WebSocket upgrade on \(port)\(path) timed out"))
        }
        defer { deadline.cancel() }
        do { try upgraded.futureResult.wait() } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    /// Sends `method` with `params` and waits for its answer's `result`; a protocol error, a closed
    /// connection or `timeout` throws.
    @discardableResult
    public func send(_ method: String, _ params: [String: Any] = [:], timeout: TimeInterval = 30) throws -> [String: Any] {
        arrived.lock()
        nextID += 1
        let id = nextID
        arrived.unlock()
        let body = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": params])
        var buffer = channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        // Client frames are masked (RFC 6455 5.3).
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer)
        try channel.writeAndFlush(frame).wait()
        let reply = try waitFor(timeout, what: "an answer to \(method)") { state in
            state.replies.removeValue(forKey: id)
        }
        if let error = reply["error"] as? [String: Any] {
            throw TestSupportError("DevTools \(method) failed: \(error)")
        }
        return reply["result"] as? [String: Any] ?? [:]
    }

    /// The events named `method` (e.g. `Page.loadEventFired`) received so far, oldest first.
    public func events(named method: String) -> [[String: Any]] {
        state.withLockedValue { $0.events.filter { $0["method"] as? String == method } }
    }

    public func close() { channel.close(promise: nil) }

    deinit { channel.close(promise: nil) }

    private func waitFor<T>(_ timeout: TimeInterval, what: String, _ take: (inout State) -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        arrived.lock()
        defer { arrived.unlock() }
        while true {
            let (value, closed) = state.withLockedValue { s in (take(&s), s.closed) }
            if let value { return value }
            if let closed { throw TestSupportError("DevTools connection closed while waiting for \(what): \(closed)") }
            guard arrived.wait(until: deadline) else { throw TestSupportError("no \(what) within \(Int(timeout)) s") }
        }
    }

    fileprivate func received(_ text: ByteBuffer) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.readableBytesView)) as? [String: Any] else { return }
        state.withLockedValue { s in
            if let id = object["id"] as? Int { s.replies[id] = object } else { s.events.append(object) }
        }
        arrived.lock(); arrived.broadcast(); arrived.unlock()
    }

    fileprivate func ended(_ why: String) {
        state.withLockedValue { if $0.closed == nil { $0.closed = why } }
        arrived.lock(); arrived.broadcast(); arrived.unlock()
    }

    /// Sends the HTTP upgrade request once the connection is up (the upgrader adds the WebSocket headers).
    private final class UpgradeRequester: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart
        let host: String, path: String, failed: EventLoopPromise<Void>

        init(host: String, path: String, failed: EventLoopPromise<Void>) {
            self.host = host; self.path = path; self.failed = failed
        }

        func channelActive(context: ChannelHandlerContext) {
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: host)
            headers.add(name: "Content-Length", value: "0")
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            context.fireChannelActive()
        }

        // Any HTTP answer that reaches here means the upgrade was refused.
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head(let head) = unwrapInboundIn(data) {
                failed.fail(TestSupportError("DevTools refused the WebSocket upgrade of \(path): \(head.status)"))
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            failed.fail(error)
            context.close(promise: nil)
        }
    }

    /// Text frames (joined across continuations) to the owner; answers pings; reports the end.
    private final class FrameHandler: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame
        let owner: NIOLockedValueBox<DevToolsConnection?>
        var partial: ByteBuffer?

        init(owner: NIOLockedValueBox<DevToolsConnection?>) { self.owner = owner }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            switch frame.opcode {
            case .text, .continuation:
                var data = frame.unmaskedData
                if frame.opcode == .continuation, var head = partial {
                    head.writeBuffer(&data)
                    partial = head
                } else {
                    partial = data
                }
                if frame.fin, let whole = partial {
                    partial = nil
                    owner.withLockedValue { $0 }?.received(whole)
                }
            case .ping:
                let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.data)
                context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
            case .connectionClose:
                owner.withLockedValue { $0 }?.ended("the browser closed it")
                context.close(promise: nil)
            default:
                break
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            owner.withLockedValue { $0 }?.ended("connection lost")
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            owner.withLockedValue { $0 }?.ended("\(error)")
            context.close(promise: nil)
        }
    }
}
