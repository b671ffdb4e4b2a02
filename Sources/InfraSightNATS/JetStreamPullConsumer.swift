import CNats
import NIOConcurrencyHelpers

/// A worker's handle on a durable pull consumer (`JetStreamConsumerSpec`): it creates the consumer or updates
/// its settings (idempotent), binds to it, and fetches batches that the worker settles one message at a time.
///
/// The consumer lives on the server: closing this handle (or the process dying) keeps it and its position;
/// unacked messages are delivered again after `ackWait`. `lag()` reads the pending counts from the server.
///
/// Use one instance from one thread; `lag()` may be called from any thread.
public final class JetStreamPullConsumer: @unchecked Sendable {
    public let connection: NATSConnection
    public let spec: JetStreamConsumerSpec
    /// `natsSubscription*`, freed on deinit (messages keep this object, and so their subscription, alive).
    private let subscription: OpaquePointer
    private let isClosed = NIOLockedValueBox(false)

    /// Creates or updates the durable consumer, then binds to it. Throws `NATSError` when the stream is missing
    /// (create the streams first), the settings are refused, or the server is unreachable.
    public init(connection: NATSConnection, spec: JetStreamConsumerSpec) throws {
        try spec.validate()
        self.connection = connection
        self.spec = spec
        try Self.ensureConsumer(connection, spec)
        var sub: OpaquePointer?
        var jerr = jsErrCode(rawValue: 0)
        var so = jsSubOptions()
        jsSubOptions_Init(&so)
        let s = spec.stream.withCString { stream in
            spec.durable.withCString { durable in
                so.Stream = stream
                so.Consumer = durable
                so.ManualAck = true
                return js_PullSubscribe(&sub, connection.jetStream, spec.filterSubject ?? "", spec.durable, nil, &so, &jerr)
            }
        }
        guard s == NATS_OK, let sub else { throw Self.error(s, jerr, "bind to", connection, spec) }
        subscription = sub
    }

    // Destroy without Unsubscribe: the consumer was bound, not created by the subscription, so it stays.
    deinit { natsSubscription_Destroy(subscription) }

    /// Up to `max` messages, waiting at most `timeout` for the first ones; [] when none came in time.
    /// At most `spec.maxAckPending` messages are out unacked at once: past that, fetches come back empty.
    ///
    /// nats.c returns as soon as messages are there (it asks without waiting first), so a long `timeout` costs
    /// nothing when the stream is busy. Keep it at a second or more: messages the server sends just as a fetch
    /// gives up are dropped by nats.c (they belong to the expired request) and come again only after `ackWait`
    /// (seen right after a server restart, when the server answers slowly).
    public func fetch(max: Int, timeout: Duration) throws -> [JetStreamMessage] {
        guard !isClosed.withLockedValue({ $0 }) else {
            throw NATSError.configuration("fetch from consumer \(spec.durable) after it was closed")
        }
        let sub = subscription
        var list = natsMsgList()
        var jerr = jsErrCode(rawValue: 0)
        let s = natsSubscription_Fetch(&list, sub, Int32(clamping: Swift.max(1, max)), Swift.max(1, timeout.milliseconds), &jerr)
        defer { natsMsgList_Destroy(&list) }
        if s == NATS_TIMEOUT && list.Count == 0 { return [] }
        guard s == NATS_OK || list.Count > 0 else { throw error(s, jerr, "fetch from") }
        var messages: [JetStreamMessage] = []
        messages.reserveCapacity(Int(list.Count))
        for i in 0..<Int(list.Count) {
            guard let m = list.Msgs[i] else { continue }
            list.Msgs[i] = nil  // now owned by JetStreamMessage
            messages.append(try JetStreamMessage(m, consumer: self))
        }
        return messages
    }

    /// The consumer's lag and unacked count, from the server.
    public func lag() throws -> JetStreamConsumerLag {
        var ci: UnsafeMutablePointer<jsConsumerInfo>?
        var jerr = jsErrCode(rawValue: 0)
        let s = js_GetConsumerInfo(&ci, connection.jetStream, spec.stream, spec.durable, nil, &jerr)
        guard s == NATS_OK, let ci else { throw error(s, jerr, "read the lag of") }
        defer { jsConsumerInfo_Destroy(ci) }
        let c = ci.pointee
        return JetStreamConsumerLag(pending: c.NumPending, ackPending: c.NumAckPending, redelivered: c.NumRedelivered,
                                    waiting: c.NumWaiting, deliveredStreamSequence: c.Delivered.Stream,
                                    ackFloorStreamSequence: c.AckFloor.Stream)
    }

    /// No more fetches through this handle; the durable consumer and its position stay on the server, and
    /// messages already fetched can still be settled. Idempotent.
    public func close() { isClosed.withLockedValue { $0 = true } }

    /// Create the durable consumer, or update the settings that may change in place.
    private static func ensureConsumer(_ connection: NATSConnection, _ spec: JetStreamConsumerSpec) throws {
        let js = connection.jetStream
        var ci: UnsafeMutablePointer<jsConsumerInfo>?
        var jerr = jsErrCode(rawValue: 0)
        let s = js_GetConsumerInfo(&ci, js, spec.stream, spec.durable, nil, &jerr)
        if s == NATS_OK, let ci {
            defer { jsConsumerInfo_Destroy(ci) }
            let cur = ci.pointee.Config.pointee
            let curFilter = cur.FilterSubject.map { String(cString: $0) } ?? ""
            let same = cur.AckWait == spec.ackWait.nanoseconds && cur.MaxDeliver == Int64(spec.maxDeliver ?? -1)
                && cur.MaxAckPending == Int64(spec.maxAckPending) && curFilter == (spec.filterSubject ?? "")
                && cur.AckPolicy == js_AckExplicit
            if same { return }
            try withConfig(spec, deliverPolicy: cur.DeliverPolicy) { cfg in
                var updated: UnsafeMutablePointer<jsConsumerInfo>?
                var e = jsErrCode(rawValue: 0)
                let s = js_UpdateConsumer(&updated, js, spec.stream, cfg, nil, &e)
                jsConsumerInfo_Destroy(updated)
                guard s == NATS_OK else { throw error(s, e, "update", connection, spec) }
            }
            natsLogger.info("JetStream consumer updated", metadata: ["stream": "\(spec.stream)", "durable": "\(spec.durable)"])
            return
        }
        guard s == NATS_NOT_FOUND || jerr == JSConsumerNotFoundErr else { throw error(s, jerr, "look up", connection, spec) }
        try withConfig(spec, deliverPolicy: spec.fromStart ? js_DeliverAll : js_DeliverNew) { cfg in
            var created: UnsafeMutablePointer<jsConsumerInfo>?
            var e = jsErrCode(rawValue: 0)
            let s = js_AddConsumer(&created, js, spec.stream, cfg, nil, &e)
            jsConsumerInfo_Destroy(created)
            guard s == NATS_OK else { throw error(s, e, "create", connection, spec) }
        }
        natsLogger.info("JetStream consumer created", metadata: ["stream": "\(spec.stream)", "durable": "\(spec.durable)",
                                                                   "filter": "\(spec.filterSubject ?? "")"])
    }

    private static func withConfig(_ spec: JetStreamConsumerSpec, deliverPolicy: jsDeliverPolicy, _ body: (UnsafeMutablePointer<jsConsumerConfig>) throws -> Void) throws {
        try spec.durable.withCString { durable in
            try withOptionalCString(spec.filterSubject) { filter in
                var cfg = jsConsumerConfig()
                jsConsumerConfig_Init(&cfg)
                cfg.Durable = durable
                cfg.FilterSubject = filter
                cfg.AckPolicy = js_AckExplicit
                cfg.AckWait = spec.ackWait.nanoseconds
                cfg.MaxDeliver = Int64(spec.maxDeliver ?? -1)
                cfg.MaxAckPending = Int64(spec.maxAckPending)
                cfg.DeliverPolicy = deliverPolicy
                try body(&cfg)
            }
        }
    }

    private func error(_ s: natsStatus, _ jerr: jsErrCode, _ what: String) -> NATSError {
        Self.error(s, jerr, what, connection, spec)
    }

    private static func error(_ s: natsStatus, _ jerr: jsErrCode, _ what: String, _ connection: NATSConnection,
                              _ spec: JetStreamConsumerSpec) -> NATSError {
        let advice: String?
        switch (s, jerr) {
        case (_, JSStreamNotFoundErr):
            advice = "stream \(spec.stream) does not exist: create the streams first (infrasight topics create)"
        case (NATS_NO_RESPONDERS, _), (_, JSNotEnabledErr), (_, JSNotEnabledForAccountErr):
            advice = "JetStream is not enabled on \(connection.url): start nats-server with -js"
        default: advice = nil
        }
        return NATSError(s, context: "\(what) consumer \(spec.durable) on stream \(spec.stream) (\(connection.url))",
                         jetStreamCode: jerr, advice: advice)
    }
}
