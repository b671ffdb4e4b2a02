import CRdKafka
import Foundation

/// Reads single records back by offset, without joining a consumer group (partitions assigned
/// directly, nothing committed).
///
/// Why: the sink keeps no copy of the messages it batched (that copy was twice the batch's own size
/// in memory). The one time it needs a source message again is when ClickHouse refused its row and
/// the message goes to the dead-letter queue; it reads it back from the broker then.
public enum KafkaRecordReader {
    /// The values at `offsets` (topic, partition, offset), read with one short-lived client. A record the
    /// broker no longer holds (retention, compaction), or that did not arrive within `timeoutMs`, is
    /// missing from the result; the caller says so rather than guessing its bytes.
    public static func read(config: KafkaClientConfig, _ offsets: [(topic: String, partition: Int32, offset: Int64)],
                            timeoutMs: Int32 = 10_000) throws -> [TopicPartition: [Int64: [UInt8]]] {
        guard !offsets.isEmpty else { return [:] }
        let role = "reader of \(offsets.count) record(s) by offset"
        let context = RdKafkaContext(brokers: config.brokers, role: role)
        let conf = try RdKafkaHandle.makeConf(config, role: role,
                                              // assign() needs a group id; it is never joined nor committed to.
                                              defaults: ["group.id": "infrasight-reader-\(ProcessInfo.processInfo.processIdentifier)",
                                                         "enable.auto.commit": "false", "enable.auto.offset.store": "false",
                                                         "enable.partition.eof": "true"],
                                              extra: [:], context: context)
        let rk = try RdKafkaHandle.create(RD_KAFKA_CONSUMER, conf: conf, role: role, brokers: config.brokers)
        defer {
            RdKafkaHandle.closeConsumer(rk, role: role, brokers: config.brokers)
            withExtendedLifetime(context) {}   // librdkafka's callbacks point at it until the handle is gone
        }
        rd_kafka_poll_set_consumer(rk)
        var found: [TopicPartition: [Int64: [UInt8]]] = [:]
        for wanted in offsets {
            let tp = TopicPartition(topic: wanted.topic, partition: wanted.partition)
            if found[tp]?[wanted.offset] != nil { continue }
            let list = PartitionList.make([tp], offsets: [tp: wanted.offset])
            let err = rd_kafka_assign(rk, list)
            rd_kafka_topic_partition_list_destroy(list)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(err, context: "cannot read \(tp)@\(wanted.offset) on \(config.brokers)")
            }
            let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
            reading: while Date() < deadline {
                guard let msgPtr = rd_kafka_consumer_poll(rk, 100) else { continue }
                defer { rd_kafka_message_destroy(msgPtr) }
                let msg = msgPtr.pointee
                switch msg.err {
                case RD_KAFKA_RESP_ERR_NO_ERROR:
                    guard msg.partition == wanted.partition, msg.offset >= wanted.offset else { continue }
                    // Past the wanted offset: the record is gone (an offset the broker skipped or removed).
                    if msg.offset == wanted.offset {
                        found[tp, default: [:]][msg.offset] = msg.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: msg.len)) } ?? []
                    }
                    break reading
                case RD_KAFKA_RESP_ERR__PARTITION_EOF:
                    break reading
                default:
                    let error = KafkaError(msg.err, context: "reading \(tp)@\(wanted.offset) on \(config.brokers)",
                                           detail: String(cString: rd_kafka_message_errstr(msgPtr)))
                    if error.isFatal { throw error }
                    kafkaLogger.warning("\(error)")
                }
            }
        }
        return found
    }
}
