/// How far a durable consumer is behind, from the server: what `/metrics`, `infrasight top` and
/// `infrasight status` will show as the group's lag on JetStream.
public struct JetStreamConsumerLag: Sendable, Equatable {
    /// Messages in the consumer's part of the stream not yet delivered to anyone.
    public var pending: UInt64
    /// Delivered, not yet acked (at most max-ack-pending).
    public var ackPending: Int64
    /// Messages delivered more than once so far (unacked, nak'd or timed out).
    public var redelivered: Int64
    /// Pull requests waiting at the server.
    public var waiting: Int64
    /// Highest stream sequence delivered, and the one below which everything is acked.
    public var deliveredStreamSequence: UInt64
    public var ackFloorStreamSequence: UInt64

    /// Not yet processed: never delivered plus delivered and unacked.
    public var total: UInt64 { pending + UInt64(max(0, ackPending)) }
}
