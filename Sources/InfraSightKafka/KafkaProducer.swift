import CRdKafka
import Logging

/// A Kafka producer (librdkafka `rd_kafka_t` of type producer) that never drops: `send` blocks while
/// the local queue is full, and every message ends in exactly one `DeliveryReport` passed to `onDelivery`
/// from `poll()`/`flush()`/`close()` on the calling thread.
///
/// Not thread-safe: use one instance from one thread (librdkafka's own threads do the I/O).
///
/// Defaults (a stage's `stageDefaults` replace them; `config.options`, the user's `--kafka-option`, override
/// both; `extraOptions` override everything):
/// - `idempotent == true`: `enable.idempotence=true` (implies `acks=all`, unlimited retries, ordering kept with
///   up to 5 in-flight requests). Verified to work against tansu 0.6.0 (it answers InitProducerId).
/// - `idempotent == false`: `acks=all`, `enable.idempotence=false`, `max.in.flight.requests.per.connection=1`
///   (ordering kept across retries), `retries` unlimited — for brokers without InitProducerId.
/// - `linger.ms=5`, `message.timeout.ms=300000` (after that an undeliverable message is reported failed).
/// - `allow.auto.create.topics=false` (librdkafka's producer default is true, and tansu honours it by creating
///   any topic named in a metadata request): sending to a missing topic fails instead — the first message via
///   its delivery report (`UNKNOWN_TOPIC_OR_PART` after `topic.metadata.propagation.max.ms`, 30 s), later
///   ones by `send` throwing `_UNKNOWN_TOPIC`. Create topics with `KafkaAdmin.createTopics`.
public final class KafkaProducer {
    private var rk: OpaquePointer?
    private let context: ProducerContext
    /// The bootstrap brokers, for messages.
    public let brokers: String
    /// How long `send` has waited in all for room in librdkafka's full local queue: the broker's
    /// back-pressure, as the sender felt it.
    public private(set) var blockedDuration: Duration = .zero

    public init(config: KafkaClientConfig, idempotent: Bool = true, stageDefaults: [String: String] = [:],
                extraOptions: [String: String] = [:], onDelivery: @escaping (DeliveryReport) -> Void) throws {
        brokers = config.brokers
        context = ProducerContext(brokers: config.brokers, role: "producer", onDelivery: onDelivery)
        // lz4 batches: the broker stores and serves a fraction of the bytes (tansu spent ~10x the CPU per
        // event on the uncompressed enriched topics than on the agent's lz4 raw ones, issue 11).
        var defaults = ["linger.ms": "5", "compression.codec": "lz4", "message.timeout.ms": "300000", "acks": "all",
                        // Topics are created explicitly (KafkaAdmin.createTopics); a typo must not create one.
                        "allow.auto.create.topics": "false"]
        if idempotent {
            defaults["enable.idempotence"] = "true"
        } else {
            defaults["enable.idempotence"] = "false"
            defaults["max.in.flight.requests.per.connection"] = "1"
            defaults["retries"] = "2147483647"
        }
        defaults.merge(stageDefaults) { $1 }
        let conf = try RdKafkaHandle.makeConf(config, role: "producer", defaults: defaults,
                                              extra: extraOptions, context: context)
        rd_kafka_conf_set_dr_msg_cb(conf) { _, msg, opaque in
            guard let msg, let ctx = RdKafkaContext.from(opaque) as? ProducerContext else { return }
            ctx.deliver(msg.pointee)
        }
        rk = try RdKafkaHandle.create(RD_KAFKA_PRODUCER, conf: conf, role: "producer", brokers: config.brokers)
        kafkaLogger.debug("Kafka producer created", metadata: ["brokers": "\(brokers)", "idempotent": "\(idempotent)"])
    }

    deinit { close() }

    /// Enqueues one message (key and value are copied). While librdkafka's local queue is full this serves
    /// delivery reports (poll) and retries: it blocks, never drops. Throws only non-retriable errors
    /// (unknown topic/partition, message too large, fatal producer state, closed producer).
    public func send(topic: String, key: [UInt8]?, value: [UInt8], token: UInt64) throws {
        try value.withUnsafeBytes { v in
            if let key {
                try key.withUnsafeBytes { k in try send(topic: topic, key: k, value: v, token: token) }
            } else {
                try send(topic: topic, key: nil, value: v, token: token)
            }
        }
    }

    /// Hot-path variant of `send` over borrowed bytes (librdkafka copies them before returning).
    public func send(topic: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer, token: UInt64) throws {
        guard let rk else {
            throw KafkaError.wrapper("send to \(topic) after the producer for \(brokers) was closed")
        }
        var blockedSince: ContinuousClock.Instant?
        var warnedAt: ContinuousClock.Instant?
        try topic.withCString { topicC in
            try withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 5) { vus in
                var n = 0
                func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                    var vu = rd_kafka_vu_t()
                    vu.vtype = type
                    fill(&vu)
                    vus.initializeElement(at: n, to: vu)
                    n += 1
                }
                add(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = topicC }
                add(RD_KAFKA_VTYPE_VALUE) {
                    $0.u.mem.ptr = value.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) }
                    $0.u.mem.size = value.count
                }
                if let key {
                    add(RD_KAFKA_VTYPE_KEY) {
                        $0.u.mem.ptr = key.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) }
                        $0.u.mem.size = key.count
                    }
                }
                add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: UInt(token)) }
                defer { vus.baseAddress!.deinitialize(count: n) }
                while true {
                    guard let error = rd_kafka_produceva(rk, vus.baseAddress, n) else {
                        if let since = blockedSince { blockedDuration += since.duration(to: .now) }
                        return
                    }
                    let code = rd_kafka_error_code(error)
                    if code == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                        rd_kafka_error_destroy(error)
                        let now = ContinuousClock.now
                        if blockedSince == nil { blockedSince = now; warnedAt = now }
                        if let last = warnedAt, last.duration(to: now) > .seconds(10) {
                            kafkaLogger.warning("Kafka producer queue full for >10 s: broker(s) \(brokers) not keeping up or unreachable; send() is blocking", metadata: ["outstanding": "\(outstanding)"])
                            warnedAt = now
                        }
                        rd_kafka_poll(rk, 100)
                        continue
                    }
                    let unknown = code == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
                    let err = KafkaError(error, context: "cannot enqueue message for topic \(topic) on \(brokers)"
                                         + (unknown ? " (topic does not exist; create it with KafkaAdmin.createTopics)" : ""))
                    rd_kafka_error_destroy(error)
                    throw err
                }
            }
        }
    }

    /// Serves delivery reports (and error/log events); returns how many events were served.
    @discardableResult
    public func poll(timeoutMs: Int32) -> Int {
        guard let rk else { return 0 }
        return Int(rd_kafka_poll(rk, timeoutMs))
    }

    /// Waits until all outstanding messages are delivered or failed (their reports go to `onDelivery`);
    /// returns false on timeout.
    @discardableResult
    public func flush(timeoutMs: Int32) -> Bool {
        guard let rk else { return true }
        return rd_kafka_flush(rk, timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR && rd_kafka_outq_len(rk) == 0
    }

    /// Messages (and requests) not yet delivered or failed: `rd_kafka_outq_len`.
    public var outstanding: Int {
        guard let rk else { return 0 }
        return Int(rd_kafka_outq_len(rk))
    }

    /// The fatal error the producer hit, if any (e.g. idempotence state lost); the producer is then unusable.
    public var fatalError: KafkaError? { context.fatalError }

    /// Flushes for up to `timeoutMs`, then purges whatever is left (those messages get failed delivery reports
    /// with `_PURGE_QUEUE`/`_PURGE_INFLIGHT`, so nothing disappears silently) and destroys the handle. Idempotent.
    public func close(timeoutMs: Int32 = 10_000) {
        guard let handle = rk else { return }
        if !flush(timeoutMs: timeoutMs) {
            let left = rd_kafka_outq_len(handle)
            kafkaLogger.error("Kafka producer closing with \(left) undelivered message(s): broker(s) \(brokers) did not acknowledge within \(timeoutMs) ms; they are reported as failed")
            rd_kafka_purge(handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
            rd_kafka_poll(handle, 0)
            _ = rd_kafka_flush(handle, 1_000)
        }
        rk = nil
        rd_kafka_destroy(handle)
    }
}

/// Producer state reachable from the delivery-report callback.
final class ProducerContext: RdKafkaContext {
    let onDelivery: (DeliveryReport) -> Void

    init(brokers: String, role: String, onDelivery: @escaping (DeliveryReport) -> Void) {
        self.onDelivery = onDelivery
        super.init(brokers: brokers, role: role)
    }

    private var topicNames = TopicNameCache()

    func deliver(_ msg: rd_kafka_message_t) {
        let topic = msg.rkt.map { topicNames.name(of: $0) } ?? ""
        var error: KafkaError?
        if msg.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            var m = msg
            let detail = String(cString: rd_kafka_message_errstr(&m))
            let advice: String
            switch msg.err {
            case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
                advice = " (topic does not exist; create it with KafkaAdmin.createTopics)"
            case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
                advice = " (not acknowledged within message.timeout.ms; is the broker up and reachable?)"
            default:
                advice = ""
            }
            error = KafkaError(msg.err, context: "delivery to \(topic) via \(brokers) failed\(advice)", detail: detail)
        }
        var failedKey: [UInt8]?
        var failedValue: [UInt8]?
        if error != nil {
            failedKey = msg.key.map { Array(UnsafeRawBufferPointer(start: $0, count: msg.key_len)) }
            failedValue = msg.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: msg.len)) } ?? []
        }
        onDelivery(DeliveryReport(topic: topic, partition: msg.partition, offset: msg.offset, error: error,
                                  token: UInt64(UInt(bitPattern: msg._private)),
                                  failedKey: failedKey, failedValue: failedValue))
    }
}
