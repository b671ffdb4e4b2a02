import CNats
import Foundation

/// One message fetched by a `JetStreamPullConsumer`, to be settled exactly once: `ack` (done), `nak` (deliver
/// again, maybe after a delay), `term` (never again: poison, after it went to the DLQ) or `inProgress` (more
/// time). Its delivery count says whether this is the last try before the server gives up.
///
/// Owns the nats.c message (freed on deinit) and keeps its consumer alive; not thread-safe.
public final class JetStreamMessage {
    private let msg: OpaquePointer
    private let consumer: JetStreamPullConsumer
    public let subject: String
    /// `Nats-Msg-Id`, the event id the producer set (nil when none).
    public let messageId: String?
    /// The stream's sequence number of this message (its offset, in Kafka's words).
    public let streamSequence: UInt64
    public let consumerSequence: UInt64
    /// How many times the server has delivered this message, this time included (1 the first time).
    public let deliveries: UInt64
    /// Messages left for this consumer after this one (its lag at delivery).
    public let pending: UInt64
    /// When the stream stored it, nanoseconds since the epoch.
    public let timestampNanos: Int64

    init(_ msg: OpaquePointer, consumer: JetStreamPullConsumer) throws {
        self.msg = msg
        self.consumer = consumer
        subject = String(cString: natsMsg_GetSubject(msg))
        messageId = header(msg, "Nats-Msg-Id")
        var meta: UnsafeMutablePointer<jsMsgMetaData>?
        let s = natsMsg_GetMetaData(&meta, msg)
        guard s == NATS_OK, let meta else {
            natsMsg_Destroy(msg)
            throw NATSError(s, context: "metadata of a message on \(subject) from consumer \(consumer.spec.durable)")
        }
        defer { jsMsgMetaData_Destroy(meta) }
        streamSequence = meta.pointee.Sequence.Stream
        consumerSequence = meta.pointee.Sequence.Consumer
        deliveries = meta.pointee.NumDelivered
        pending = meta.pointee.NumPending
        timestampNanos = meta.pointee.Timestamp
    }

    deinit { natsMsg_Destroy(msg) }

    /// The payload, copied.
    public var payload: [UInt8] { withPayload { Array($0) } }

    /// The payload, borrowed for `body`.
    public func withPayload<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: natsMsg_GetData(msg), count: Int(natsMsg_GetDataLength(msg))))
    }

    /// True when the server will not deliver it again if this delivery is not acked (`maxDeliver` reached):
    /// the worker should write it to the DLQ with its reason, then `term()` it.
    public var isLastDelivery: Bool { consumer.spec.maxDeliver.map { deliveries >= UInt64($0) } ?? false }

    /// Done: the server will not deliver it again. `sync`: wait until the server confirms the ack (a crash right
    /// after cannot redeliver it); otherwise the ack is sent without waiting (redelivery stays possible).
    public func ack(sync: Bool = false) throws {
        if sync {
            var jerr = jsErrCode(rawValue: 0)
            try check(natsMsg_AckSync(msg, nil, &jerr), "ack", jerr)
        } else {
            try check(natsMsg_Ack(msg, nil), "ack")
        }
    }

    /// Not done: deliver again, after `delay` when given (else at once).
    public func nak(delay: Duration? = nil) throws {
        if let delay {
            try check(natsMsg_NakWithDelay(msg, delay.milliseconds, nil), "nak")
        } else {
            try check(natsMsg_Nak(msg, nil), "nak")
        }
    }

    /// Never deliver again (poison; write it to the DLQ first).
    public func term() throws { try check(natsMsg_Term(msg, nil), "term") }

    /// Still working on it: restarts the ack-wait timer.
    public func inProgress() throws { try check(natsMsg_InProgress(msg, nil), "in-progress") }

    private func check(_ s: natsStatus, _ what: String, _ jerr: jsErrCode = jsErrCode(rawValue: 0)) throws {
        guard s == NATS_OK else {
            throw NATSError(s, context: "\(what) of stream sequence \(streamSequence) (\(subject)) for consumer "
                                + "\(consumer.spec.durable)", jetStreamCode: jerr)
        }
    }
}
