import Foundation
import InfraSightKafka
import InfraSightTestSupport
import XCTest

/// Reading records back by offset (the sink's dead-letter path for rows ClickHouse refused) and
/// consuming records in place, against a real broker.
final class KafkaRecordReaderTests: KafkaBrokerTestCase {
    /// The values at the asked offsets come back exactly; an offset past the end is missing, not invented.
    func testReadsRecordsBackByOffset() throws {
        try broker.createTopic("readback", partitions: 1)
        try produce("readback", (0..<20).map { "value-\($0)" })
        let got = try KafkaRecordReader.read(config: clientConfig, [("readback", 0, 3), ("readback", 0, 17), ("readback", 0, 3),
                                                                      ("readback", 0, 500)], timeoutMs: 5_000)
        let partition = got[TopicPartition(topic: "readback", partition: 0)] ?? [:]
        XCTAssertEqual(partition.mapValues { text($0) }, [3: "value-3", 17: "value-17"])
    }

    /// `poll(timeoutMs:_:)` hands each record to the closure with its place and bytes, and says when none came.
    func testPollInPlaceSeesEveryRecord() throws {
        try broker.createTopic("inplace", partitions: 2)
        try produce("inplace", (0..<50).map { "v\($0)" })
        let consumer = try KafkaConsumer(config: clientConfig, groupId: "inplace-group", topics: ["inplace"])
        defer { consumer.close() }
        var seen: [String: String] = [:]
        let deadline = Date().addingTimeInterval(30)
        while seen.count < 50, Date() < deadline {
            _ = try consumer.poll(timeoutMs: 200) { record in
                XCTAssertEqual(record.topic, "inplace")
                seen["\(record.partition)/\(record.offset)"] = String(decoding: record.value, as: UTF8.self)
            }
        }
        XCTAssertEqual(Set(seen.values), Set((0..<50).map { "v\($0)" }))
        XCTAssertFalse(try consumer.poll(timeoutMs: 300) { _ in XCTFail("no record is left") })
    }
}
