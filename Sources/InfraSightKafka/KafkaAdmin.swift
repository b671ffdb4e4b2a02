import CRdKafka
import Logging

/// Admin operations through librdkafka's admin API (a short-lived producer handle per call).
public enum KafkaAdmin {
    /// Creates the topics. Idempotent: topics that exist already are reported as `.alreadyExists`
    /// (their partition count is not checked or changed). Throws the first real failure.
    public static func createTopics(_ specs: [KafkaTopicSpec], config: KafkaClientConfig,
                                    timeoutMs: Int32 = 30_000) throws -> [String: TopicCreateOutcome] {
        if specs.isEmpty { return [:] }
        let context = RdKafkaContext(brokers: config.brokers, role: "admin client")
        let rk = try makeHandle(config, context: context)
        defer { rd_kafka_destroy(rk) }
        let queue = rd_kafka_queue_new(rk)!
        defer { rd_kafka_queue_destroy(queue) }

        var newTopics: [OpaquePointer?] = []
        defer { for t in newTopics { rd_kafka_NewTopic_destroy(t) } }
        var errstr = [CChar](repeating: 0, count: 512)
        for spec in specs {
            guard let nt = rd_kafka_NewTopic_new(spec.name, spec.partitions, Int32(spec.replicationFactor),
                                                 &errstr, errstr.count) else {
                throw KafkaError.wrapper("invalid topic spec \(spec.name): \(String(cString: errstr))")
            }
            newTopics.append(nt)
            for (k, v) in spec.config.sorted(by: { $0.key < $1.key }) {
                let err = rd_kafka_NewTopic_set_config(nt, k, v)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaError(err, context: "invalid config \(k)=\(v) for topic \(spec.name)")
                }
            }
        }
        let options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS)!
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, &errstr, errstr.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, &errstr, errstr.count)
        newTopics.withUnsafeMutableBufferPointer { buf in
            rd_kafka_CreateTopics(rk, buf.baseAddress, buf.count, options, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, timeoutMs + 5_000) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT,
                             context: "creating topics \(specs.map(\.name)) on \(config.brokers): no answer in \(timeoutMs) ms; "
                                 + "check that the broker is running and reachable")
        }
        defer { rd_kafka_event_destroy(event) }
        let eventErr = rd_kafka_event_error(event)
        if eventErr != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(eventErr, context: "creating topics \(specs.map(\.name)) on \(config.brokers) failed; "
                                 + "check that the broker is running and reachable",
                             detail: String(cString: rd_kafka_event_error_string(event)))
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError.wrapper("creating topics on \(config.brokers): unexpected admin event type")
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return [:] }
        var outcome: [String: TopicCreateOutcome] = [:]
        for i in 0..<count {
            let r = results[i]
            let name = String(cString: rd_kafka_topic_result_name(r))
            let err = rd_kafka_topic_result_error(r)
            switch err {
            case RD_KAFKA_RESP_ERR_NO_ERROR:
                outcome[name] = .created
            case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
                outcome[name] = .alreadyExists
            default:
                let detail = rd_kafka_topic_result_error_string(r).map { String(cString: $0) }
                throw KafkaError(err, context: "creating topic \(name) on \(config.brokers) failed", detail: detail)
            }
        }
        let created = outcome.filter { $0.value == .created }.keys.sorted()
        let existing = outcome.filter { $0.value == .alreadyExists }.keys.sorted()
        kafkaLogger.info("Kafka topics ensured", metadata: ["brokers": "\(config.brokers)",
                                                            "created": "\(created.joined(separator: ","))",
                                                            "existing": "\(existing.joined(separator: ","))"])
        return outcome
    }

    /// Every topic the broker reports (internal ones included, if the broker lists them), name → partition count.
    public static func listTopics(config: KafkaClientConfig, timeoutMs: Int32 = 10_000) throws -> [String: Int32] {
        let context = RdKafkaContext(brokers: config.brokers, role: "admin client")
        let rk = try makeHandle(config, context: context)
        defer { rd_kafka_destroy(rk) }
        var md: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(rk, 1, nil, &md, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let md else {
            throw KafkaError(err, context: "listing topics on \(config.brokers) failed; check that the broker is "
                                 + "running and reachable")
        }
        defer { rd_kafka_metadata_destroy(md) }
        var topics: [String: Int32] = [:]
        for i in 0..<Int(md.pointee.topic_cnt) {
            let t = md.pointee.topics[i]
            guard t.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            topics[String(cString: t.topic)] = t.partition_cnt
        }
        return topics
    }

    private static func makeHandle(_ config: KafkaClientConfig, context: RdKafkaContext) throws -> OpaquePointer {
        let conf = try RdKafkaHandle.makeConf(config, role: "admin client", defaults: [:], extra: [:], context: context)
        return try RdKafkaHandle.create(RD_KAFKA_PRODUCER, conf: conf, role: "admin client", brokers: config.brokers)
    }
}
