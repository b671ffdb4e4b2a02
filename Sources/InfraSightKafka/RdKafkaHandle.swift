import CRdKafka
import Logging

/// Internal plumbing shared by producer, consumer and admin: building an `rd_kafka_conf_t` from
/// layered options, bridging librdkafka's log/error callbacks to swift-log, creating the handle.

/// Logger for this module's own lines.
let kafkaLogger = Logger(label: "infrasight.kafka")
/// Logger for lines librdkafka emits (from its internal threads).
let rdkafkaLogger = Logger(label: "infrasight.kafka.librdkafka")

/// Per-handle state reachable from C callbacks through the conf opaque.
/// Subclasses add the producer's delivery closure / the consumer's rebalance closures.
class RdKafkaContext {
    let brokers: String
    let role: String
    /// The first fatal error reported by librdkafka (the instance is unusable after it).
    var fatalError: KafkaError?

    init(brokers: String, role: String) {
        self.brokers = brokers
        self.role = role
    }

    /// Turns an error-callback report into a log line (and records fatal errors).
    func handleError(_ rk: OpaquePointer?, _ err: rd_kafka_resp_err_t, _ reason: String) {
        if err == RD_KAFKA_RESP_ERR__FATAL, let rk {
            var buf = [CChar](repeating: 0, count: 512)
            let orig = rd_kafka_fatal_error(rk, &buf, buf.count)
            let error = KafkaError(orig, context: "\(role) on \(brokers) hit a fatal error; recreate the client",
                                   detail: String(cString: buf), isFatal: true)
            if fatalError == nil { fatalError = error }
            kafkaLogger.critical("\(error)")
            return
        }
        let advice: String
        switch err {
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__RESOLVE:
            advice = "cannot reach Kafka broker(s) \(brokers); check that they are running and reachable "
                + "(and TLS/SASL options); librdkafka keeps retrying"
        case RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR__SSL:
            advice = "authentication/TLS with Kafka broker(s) \(brokers) failed; check the security options"
        default:
            advice = "Kafka \(role) on \(brokers)"
        }
        let name = String(cString: rd_kafka_err2name(err))
        kafkaLogger.warning("\(advice): \(name): \(reason)")
    }

    /// The context behind a handle's opaque pointer.
    static func from(_ opaque: UnsafeMutableRawPointer?) -> RdKafkaContext? {
        guard let opaque else { return nil }
        return Unmanaged<RdKafkaContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

enum RdKafkaHandle {
    /// Builds a conf: bootstrap/client id, then `defaults`, then `config.options`, then `extra` (later wins).
    /// Installs the log and error callbacks and `context` as opaque (the caller keeps `context` alive).
    static func makeConf(_ config: KafkaClientConfig, role: String, defaults: [String: String],
                         extra: [String: String], context: RdKafkaContext) throws -> OpaquePointer {
        guard !config.brokers.isEmpty else {
            throw KafkaError.wrapper("\(role): no Kafka brokers configured; set the bootstrap broker list (host:port,...)")
        }
        guard let conf = rd_kafka_conf_new() else { throw KafkaError.wrapper("\(role): rd_kafka_conf_new failed") }
        var layers: [(String, String)] = [("bootstrap.servers", config.brokers), ("client.id", config.clientId)]
        layers += defaults.sorted { $0.key < $1.key }
        layers += config.options.sorted { $0.key < $1.key }
        layers += extra.sorted { $0.key < $1.key }
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in layers {
            if rd_kafka_conf_set(conf, key, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                // The value is never echoed (it may be a secret given to the wrong option), not even
                // inside librdkafka's own explanation.
                var why = String(cString: errstr)
                if !value.isEmpty { why = why.replacingOccurrences(of: value, with: "<value withheld>") }
                throw KafkaError.wrapper("\(role) for \(config.brokers): invalid librdkafka option \(key) "
                                         + "(value withheld, \(value.count) characters): \(why); fix the Kafka client options")
            }
        }
        rd_kafka_conf_set_log_cb(conf) { rk, level, fac, buf in
            let name = rk.map { String(cString: rd_kafka_name($0)) } ?? "rdkafka"
            let facility = fac.map { String(cString: $0) } ?? ""
            let text = buf.map { String(cString: $0) } ?? ""
            let lvl: Logger.Level
            switch level {
            case ...2: lvl = .critical
            case 3: lvl = .error
            case 4: lvl = .warning
            case 5: lvl = .notice
            case 6: lvl = .info
            default: lvl = .debug
            }
            rdkafkaLogger.log(level: lvl, "\(facility): \(text)", metadata: ["client": "\(name)"])
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, opaque in
            RdKafkaContext.from(opaque)?.handleError(rk, rd_kafka_resp_err_t(rawValue: err),
                                                     reason.map { String(cString: $0) } ?? "")
        }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        return conf
    }

    /// Creates the handle; takes ownership of `conf` (destroyed on failure too).
    static func create(_ type: rd_kafka_type_t, conf: OpaquePointer, role: String, brokers: String) throws -> OpaquePointer {
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.wrapper("could not create Kafka \(role) for \(brokers): \(String(cString: errstr)); "
                                     + "check the client options")
        }
        return rk
    }

    /// Leaves the consumer group (`rd_kafka_consumer_close`) and destroys the handle; `beforeDestroy` runs
    /// in between. One way for every consumer.
    ///
    /// The close is synchronous. An asynchronous close with a deadline (`rd_kafka_consumer_close_queue`,
    /// callbacks served by `rd_kafka_queue_poll_callback`) was tried and aborted the process in librdkafka
    /// (`rd_kafka_q_serve: assert: res != RD_KAFKA_OP_RES_PASS`, `infrasight top` in CI) on an event that
    /// poll cannot serve by callback. A group member leaves its group before this (`KafkaConsumer.close`
    /// unsubscribes first), so no rebalance callback runs inside the close, where its `rd_kafka_assign`
    /// can wait for ever (librdkafka issues 4884, 4527).
    static func closeConsumer(_ rk: OpaquePointer, role: String, brokers: String, beforeDestroy: () -> Void = {}) {
        let err = rd_kafka_consumer_close(rk)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            kafkaLogger.warning("closing \(role) on \(brokers): \(String(cString: rd_kafka_err2str(err)))")
        }
        beforeDestroy()
        rd_kafka_destroy(rk)
    }
}

/// Conversions between `rd_kafka_topic_partition_list_t` and Swift values.
enum PartitionList {
    static func make(_ partitions: [TopicPartition], offsets: [TopicPartition: Int64] = [:])
        -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(max(partitions.count, 1)))!
        for tp in partitions {
            let elem = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)!
            if let off = offsets[tp] { elem.pointee.offset = off }
        }
        return list
    }

    static func partitions(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [TopicPartition] {
        entries(list).map { $0.0 }
    }

    /// (partition, offset, error) per element.
    static func entries(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?)
        -> [(TopicPartition, Int64, rd_kafka_resp_err_t)] {
        guard let list, let elems = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { i in
            let e = elems[i]
            return (TopicPartition(topic: String(cString: e.topic), partition: e.partition), e.offset, e.err)
        }
    }
}
