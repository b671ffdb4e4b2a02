/// Outcome of one produced message, delivered from `KafkaProducer.poll()`/`flush()` on the calling thread.
public struct DeliveryReport: Sendable {
    public var topic: String
    /// The partition the message went to (-1 if it failed before one was chosen).
    public var partition: Int32
    /// The offset the broker gave the message, or -1 when unknown/failed.
    public var offset: Int64
    /// nil when the message was written (acknowledged per `acks`); otherwise the final error after retries.
    public var error: KafkaError?
    /// The caller's opaque id passed to `send()`.
    public var token: UInt64
    /// The message's key and value as sent, copied only when it failed (nil otherwise), so a caller can
    /// send it again without keeping every message until its report comes.
    public var failedKey: [UInt8]?
    public var failedValue: [UInt8]?

    public init(topic: String, partition: Int32, offset: Int64, error: KafkaError?, token: UInt64,
                failedKey: [UInt8]? = nil, failedValue: [UInt8]? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.error = error
        self.token = token
        self.failedKey = failedKey
        self.failedValue = failedValue
    }

    /// True when the broker acknowledged the message.
    public var succeeded: Bool { error == nil }
}
