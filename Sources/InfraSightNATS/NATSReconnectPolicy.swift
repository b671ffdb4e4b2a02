/// How a NATS connection gets (back) to a server: the first connect is retried with backoff for
/// `initialConnectWait`, so a stage started just before its server still comes up; after that nats.c reconnects
/// on its own, forever by default, waiting `delay(afterAttempts:)` between rounds over the server list,
/// while publishes are buffered (up to `reconnectBufferBytes`).
public struct NATSReconnectPolicy: Sendable, Equatable {
    /// How long the first connect keeps trying before it gives up with a clear error.
    public var initialConnectWait: Duration
    /// Timeout of one connection attempt to one server (TCP + TLS + CONNECT).
    public var attemptTimeout: Duration
    /// Wait before the first reconnect round; doubled per round up to `maxDelay`, plus up to 20% jitter.
    public var initialDelay: Duration
    public var maxDelay: Duration
    /// Reconnect rounds after a lost connection; nil: forever (a pipeline stage should outlive server restarts).
    public var maxReconnects: Int?
    /// Bytes of outgoing data nats.c buffers while reconnecting (publishes beyond fail and are counted).
    public var reconnectBufferBytes: Int
    /// How often the client pings the server; `maxPingsOut` unanswered pings mark the connection stale.
    public var pingInterval: Duration
    public var maxPingsOut: Int

    public init(initialConnectWait: Duration = .seconds(10), attemptTimeout: Duration = .seconds(2),
                initialDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(5),
                maxReconnects: Int? = nil, reconnectBufferBytes: Int = 32 << 20,
                pingInterval: Duration = .seconds(5), maxPingsOut: Int = 3) {
        self.initialConnectWait = initialConnectWait
        self.attemptTimeout = attemptTimeout
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxReconnects = maxReconnects
        self.reconnectBufferBytes = reconnectBufferBytes
        self.pingInterval = pingInterval
        self.maxPingsOut = maxPingsOut
    }

    /// The wait before reconnect round `attempts` (1-based), without jitter: initialDelay · 2^(attempts-1), capped.
    public func delay(afterAttempts attempts: Int) -> Duration {
        let shift = max(0, min(attempts - 1, 20))
        let d = initialDelay * (1 << shift)
        return d > maxDelay ? maxDelay : d
    }
}

extension Duration {
    /// Whole milliseconds (nats.c's unit for most timeouts).
    var milliseconds: Int64 {
        let (s, atto) = components
        return s * 1000 + atto / 1_000_000_000_000_000
    }

    /// Whole nanoseconds (JetStream's unit in stream and consumer configs).
    var nanoseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
}
