import CNats
import NIOConcurrencyHelpers

/// Publishes to JetStream asynchronously with at most `maxInFlight` unacknowledged messages, each with
/// `Nats-Msg-Id` set to the event id so the stream's duplicate window drops resends (after a lost ack, a
/// reconnect or a producer restart).
///
/// `publish` blocks (never drops) while the window is full: that is the server's back-pressure. Every accepted
/// message ends in exactly one of the `counts` (acked, duplicate, failed); a failed one also goes to `onFailure`
/// (from a nats.c thread) with its payload, so nothing is lost without a count. `close` takes back what is
/// still pending after its deadline and reports it failed the same way.
///
/// Use one instance from one thread (like `KafkaProducer`); the counts may be read from any thread.
public final class JetStreamProducer: @unchecked Sendable {
    public let connection: NATSConnection
    public let maxInFlight: Int
    /// How long a message may wait for its ack before it is reported failed (nats.c `jsPubOptions.MaxWait`).
    public let ackTimeout: Duration
    /// How long `publish` waits for room in a full window before it throws; nil: as long as it takes.
    public let maxBlock: Duration?
    private var js: OpaquePointer?
    private let context: PublishContext
    /// How long `publish` has waited in all for room in the window.
    public private(set) var blockedDuration: Duration = .zero

    public init(connection: NATSConnection, maxInFlight: Int = 4096, ackTimeout: Duration = .seconds(30),
                maxBlock: Duration? = nil, onFailure: (@Sendable (JetStreamPublishFailure) -> Void)? = nil) throws {
        guard maxInFlight >= 1 else { throw NATSError.configuration("maxInFlight must be at least 1") }
        self.connection = connection
        self.maxInFlight = maxInFlight
        self.ackTimeout = ackTimeout
        self.maxBlock = maxBlock
        let context = PublishContext(url: connection.url, onFailure: onFailure)
        self.context = context
        // Retained for good: a late ack may still arrive on nats.c's thread after close (a few bytes per producer).
        let closure = Unmanaged.passRetained(context).toOpaque()
        js = try connection.makeJetStream { o in
            o.PublishAsync.MaxPending = Int64(maxInFlight)
            o.PublishAsync.StallWait = 100
            o.PublishAsync.AckHandler = { _, msg, pa, pae, closure in
                if let closure { Unmanaged<PublishContext>.fromOpaque(closure).takeUnretainedValue().result(msg, pa, pae) }
                natsMsg_Destroy(msg)
            }
            o.PublishAsync.AckHandlerClosure = closure
        }
    }

    deinit { close(timeout: .seconds(10)) }

    /// The counts so far (any thread).
    public var counts: JetStreamPublishCounts { context.counts.withLockedValue { $0 } }

    /// Publishes `payload` to `subject` with `Nats-Msg-Id: messageId` (nil: no de-duplication). Blocks while
    /// `maxInFlight` messages await their ack; throws when the connection is closed, the subject is invalid, or
    /// `maxBlock` passed.
    public func publish(subject: String, messageId: String?, payload: UnsafeRawBufferPointer) throws {
        guard let js else { throw NATSError.configuration("publish to \(subject) after the producer for \(connection.url) was closed") }
        var opts = jsPubOptions()
        jsPubOptions_Init(&opts)
        opts.MaxWait = ackTimeout.milliseconds
        var blockedSince: ContinuousClock.Instant?
        var warnedAt: ContinuousClock.Instant?
        try withOptionalCString(messageId) { id in
            opts.MsgId = id
            while true {
                let s = js_PublishAsync(js, subject, payload.baseAddress, Int32(payload.count), &opts)
                if s == NATS_OK {
                    if let since = blockedSince { blockedDuration += since.duration(to: .now) }
                    context.counts.withLockedValue { $0.published += 1 }
                    return
                }
                // NATS_TIMEOUT here means: the window stayed full for StallWait. Wait on, never drop.
                guard s == NATS_TIMEOUT else {
                    throw NATSError(s, context: "publish to \(subject) on \(connection.url)")
                }
                let now = ContinuousClock.now
                if blockedSince == nil { blockedSince = now; warnedAt = now }
                if let maxBlock, blockedSince!.duration(to: now) > maxBlock {
                    blockedDuration += blockedSince!.duration(to: now)
                    throw NATSError(kind: .timeout, status: s.rawValue,
                                    message: "publish to \(subject): \(maxInFlight) messages awaited their ack for more than "
                                        + "\(maxBlock) — is the JetStream server \(connection.url) up and keeping up?")
                }
                if let last = warnedAt, last.duration(to: now) > .seconds(10) {
                    natsLogger.warning("JetStream publish window full for >10 s: \(connection.url) not keeping up or unreachable; publish() is blocking",
                                       metadata: ["inFlight": "\(counts.inFlight)"])
                    warnedAt = now
                }
            }
        }
    }

    public func publish(subject: String, messageId: String?, payload: [UInt8]) throws {
        try payload.withUnsafeBytes { try publish(subject: subject, messageId: messageId, payload: $0) }
    }

    /// Waits until every message published so far is acked or failed; false when `timeout` passed first.
    @discardableResult
    public func flush(timeout: Duration) -> Bool {
        guard let js else { return true }
        var opts = jsPubOptions()
        jsPubOptions_Init(&opts)
        opts.MaxWait = max(1, timeout.milliseconds)
        return js_PublishAsyncComplete(js, &opts) == NATS_OK
    }

    /// Flushes for up to `timeout`, then takes back whatever is still pending and reports it failed (counts and
    /// `onFailure`), and releases the JetStream context. Idempotent.
    public func close(timeout: Duration = .seconds(10)) {
        guard let handle = js else { return }
        if !flush(timeout: timeout) {
            var pending = natsMsgList()
            if js_PublishAsyncGetPendingList(&pending, handle) == NATS_OK {
                let error = NATSError(kind: .timeout, message: "not acknowledged by \(connection.url) within \(timeout) before close")
                for i in 0..<Int(pending.Count) { context.failed(pending.Msgs[i], error) }
                natsLogger.error("JetStream producer closing with \(pending.Count) unacknowledged message(s) on \(connection.url); reported as failed")
                natsMsgList_Destroy(&pending)
            }
        }
        js = nil
        jsCtx_Destroy(handle)
        context.close()
    }
}

/// Producer state reachable from nats.c's ack callback.
final class PublishContext: @unchecked Sendable {
    let url: NATSURL
    let counts = NIOLockedValueBox(JetStreamPublishCounts())
    private let onFailure: NIOLockedValueBox<(@Sendable (JetStreamPublishFailure) -> Void)?>

    init(url: NATSURL, onFailure: (@Sendable (JetStreamPublishFailure) -> Void)?) {
        self.url = url
        self.onFailure = NIOLockedValueBox(onFailure)
    }

    func result(_ msg: OpaquePointer?, _ pa: UnsafeMutablePointer<jsPubAck>?, _ pae: UnsafeMutablePointer<jsPubAckErr>?) {
        if let pa {
            let duplicate = pa.pointee.Duplicate
            counts.withLockedValue { if duplicate { $0.duplicates += 1 } else { $0.acked += 1 } }
            return
        }
        let status = pae?.pointee.Err ?? NATS_ERR
        let code = pae?.pointee.ErrCode ?? jsErrCode(rawValue: 0)
        var error = NATSError(status, context: "publish to \(msg.map { String(cString: natsMsg_GetSubject($0)) } ?? "?") on \(url)",
                              jetStreamCode: code)
        if let text = pae?.pointee.ErrText { error.message += " (\(String(cString: text)))" }
        if status == NATS_TIMEOUT { error.message += " — no ack in time: is the server up, does a stream store this subject?" }
        failed(msg, error)
    }

    func failed(_ msg: OpaquePointer?, _ error: NATSError) {
        counts.withLockedValue { $0.failed += 1 }
        guard let handler = onFailure.withLockedValue({ $0 }) else { return }
        var failure = JetStreamPublishFailure(subject: "", messageId: nil, payload: [], error: error)
        if let msg {
            failure.subject = String(cString: natsMsg_GetSubject(msg))
            failure.payload = Array(UnsafeRawBufferPointer(start: natsMsg_GetData(msg), count: Int(natsMsg_GetDataLength(msg))))
            failure.messageId = header(msg, "Nats-Msg-Id")
        }
        handler(failure)
    }

    func close() { onFailure.withLockedValue { $0 = nil } }
}

/// A header's value, nil when absent.
func header(_ msg: OpaquePointer, _ name: String) -> String? {
    var value: UnsafePointer<CChar>?
    guard natsMsgHeader_Get(msg, name, &value) == NATS_OK, let value else { return nil }
    return String(cString: value)
}

func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) throws -> R) rethrows -> R {
    guard let s else { return try body(nil) }
    return try s.withCString { try body($0) }
}
