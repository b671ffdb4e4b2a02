/// A durable pull consumer: one consumer group's cursor over (part of) a stream, kept by the server.
///
/// Acks are explicit: a message not acked within `ackWait` is delivered again (at-least-once). At most
/// `maxAckPending` messages may be unacked at once; past that the server sends no more, which is the
/// back-pressure a slow worker puts on its stream. After `maxDeliver` deliveries the server gives up on a
/// message: a worker sees `JetStreamMessage.isLastDelivery` and writes it to the DLQ before terminating it.
///
/// `filterSubject` selects a part of the stream, e.g. one partition of every probe (`infrasight.raw.*.3`,
/// `JetStreamFamily.filter(partition:)`): a worker that owns a partition owns that consumer, which keeps
/// each key's order.
public struct JetStreamConsumerSpec: Sendable, Equatable {
    public var stream: String
    /// The durable name (letters, digits, `-`, `_`), e.g. `enrich-p3`.
    public var durable: String
    public var filterSubject: String?
    public var ackWait: Duration
    /// Deliveries before the server stops redelivering (>= 1); nil: unlimited.
    public var maxDeliver: Int?
    public var maxAckPending: Int
    /// Where a new consumer starts: the stream's first message (true) or the next one stored (false).
    public var fromStart: Bool

    public init(stream: String, durable: String, filterSubject: String? = nil, ackWait: Duration = .seconds(30),
                maxDeliver: Int? = 5, maxAckPending: Int = 10_000, fromStart: Bool = true) {
        self.stream = stream
        self.durable = durable
        self.filterSubject = filterSubject
        self.ackWait = ackWait
        self.maxDeliver = maxDeliver
        self.maxAckPending = maxAckPending
        self.fromStart = fromStart
    }

    /// Checks what the server would refuse less clearly.
    public func validate() throws {
        guard !durable.isEmpty, durable.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw NATSError.configuration("durable consumer name \"\(durable)\" must be letters, digits, - or _")
        }
        if let maxDeliver, maxDeliver < 1 { throw NATSError.configuration("maxDeliver must be at least 1 (nil: unlimited)") }
        guard maxAckPending >= 1 else { throw NATSError.configuration("maxAckPending must be at least 1") }
        guard ackWait >= .milliseconds(1) else { throw NATSError.configuration("ackWait must be positive") }
    }
}
