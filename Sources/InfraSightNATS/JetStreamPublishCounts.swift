/// What a `JetStreamProducer` has done so far: every accepted publish ends as exactly one of acked, duplicate
/// or failed, so `published - acked - duplicates - failed` is what is still in flight.
public struct JetStreamPublishCounts: Sendable, Equatable {
    /// Accepted by `publish` (handed to nats.c).
    public var published: UInt64 = 0
    /// Stored by the stream (positive ack).
    public var acked: UInt64 = 0
    /// Acked as a duplicate: the stream already had this `Nats-Msg-Id` within its duplicate window (not stored again).
    public var duplicates: UInt64 = 0
    /// Not acked: an error from the stream, no ack within the ack timeout, or still pending at close.
    public var failed: UInt64 = 0

    public init() {}

    public var inFlight: UInt64 { published &- acked &- duplicates &- failed }
}

/// A publish that was not acknowledged, with what is needed to send it again (the same message id, so a copy
/// that did reach the stream is dropped by its duplicate window) or to count it as lost.
public struct JetStreamPublishFailure: Sendable {
    public var subject: String
    public var messageId: String?
    public var payload: [UInt8]
    public var error: NATSError
}
