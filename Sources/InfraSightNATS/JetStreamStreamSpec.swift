/// The settings of one family's stream, as `infrasight topics create` will apply them: file storage (it survives
/// a server restart), limits retention, replicas, and the limits that keep a stalled consumer from filling the
/// disk. `maxAge` and `maxBytes` are the Kafka topic's retention.ms and retention.bytes; `duplicateWindow` is how
/// long a `Nats-Msg-Id` is remembered, so a producer's resend within it is dropped.
public struct JetStreamStreamSpec: Sendable, Equatable {
    public var family: JetStreamFamily
    /// Copies of each message in a cluster (1, 3 or 5; a single server takes only 1).
    public var replicas: Int
    /// Messages older than this are removed; nil: no age limit.
    public var maxAge: Duration?
    /// Oldest messages are removed past this many bytes; nil: no size limit.
    public var maxBytes: Int64?
    /// How long message ids are remembered for de-duplication (JetStream's default is 2 minutes).
    public var duplicateWindow: Duration
    /// The largest message accepted; nil: the server's max_payload.
    public var maxMessageSize: Int32?

    public init(family: JetStreamFamily, replicas: Int = 1, maxAge: Duration? = .seconds(7 * 24 * 3600),
                maxBytes: Int64? = nil, duplicateWindow: Duration = .seconds(120), maxMessageSize: Int32? = nil) {
        self.family = family
        self.replicas = replicas
        self.maxAge = maxAge
        self.maxBytes = maxBytes
        self.duplicateWindow = duplicateWindow
        self.maxMessageSize = maxMessageSize
    }

    public var name: String { family.streamName }
    public var subjects: [String] { family.subjects }

    /// One spec per family, all with the same limits.
    public static func all(replicas: Int = 1, maxAge: Duration? = .seconds(7 * 24 * 3600), maxBytes: Int64? = nil,
                           duplicateWindow: Duration = .seconds(120)) -> [JetStreamStreamSpec] {
        JetStreamFamily.allCases.map {
            JetStreamStreamSpec(family: $0, replicas: replicas, maxAge: maxAge, maxBytes: maxBytes,
                                duplicateWindow: duplicateWindow)
        }
    }
}
