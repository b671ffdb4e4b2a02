import CRdKafka
import InfraSightNATS
import XCTest

/// The subject partition of a key equals the partition librdkafka's default partitioner gives it on Kafka.
final class KeyPartitionerTests: XCTestCase {
    func testCRC32KnownVectors() {
        func crc(_ s: String) -> UInt32 { Array(s.utf8).withUnsafeBytes { KeyPartitioner.crc32($0) } }
        XCTAssertEqual(crc("123456789"), 0xCBF4_3926)  // the CRC-32/ISO-HDLC check value
        XCTAssertEqual(crc(""), 0)
        XCTAssertEqual(crc("The quick brown fox jumps over the lazy dog"), 0x414F_A339)
    }

    func testSameAsLibrdkafkasDefaultPartitioner() throws {
        for partitions in [1, 2, 3, 6, 12, 64] {
            let p = try KeyPartitioner(partitions: partitions)
            for i in 0..<500 {
                let key = Array("host-\(i % 7)/\(i * 7919)".utf8)
                let expected = key.withUnsafeBytes {
                    rd_kafka_msg_partitioner_consistent(nil, $0.baseAddress, $0.count, Int32(partitions), nil, nil)
                }
                XCTAssertEqual(p.partition(of: key), Int(expected), "key \(String(decoding: key, as: UTF8.self)) / \(partitions)")
            }
        }
    }

    func testSubjectsAndKeylessMessages() throws {
        let p = try KeyPartitioner(partitions: 4)
        let key = Array("node-1/4242".utf8)
        XCTAssertEqual(p.subject(topic: "infrasight.raw.exec", key: key), "infrasight.raw.exec.\(p.partition(of: key))")
        XCTAssertEqual(p.partition(of: nil as [UInt8]?), 0)
        XCTAssertEqual(p.partition(of: [UInt8]()), 0)
        XCTAssertThrowsError(try KeyPartitioner(partitions: 0))
    }

    func testFamiliesSubjectsAndFilters() {
        XCTAssertEqual(JetStreamFamily.allCases.map(\.streamName),
                       ["INFRASIGHT_RAW", "INFRASIGHT_EVENTS", "INFRASIGHT_DLQ", "INFRASIGHT_STATS", "INFRASIGHT_ALERTS"])
        XCTAssertEqual(JetStreamFamily.raw.subjects, ["infrasight.raw.>"])
        XCTAssertEqual(JetStreamFamily.dlq.subjects, ["infrasight.dlq", "infrasight.dlq.>"])
        XCTAssertEqual(JetStreamFamily.raw.filter(partition: 3), "infrasight.raw.*.3")
        XCTAssertEqual(JetStreamFamily.stats.filter(partition: 0), "infrasight.stats.0")
        XCTAssertEqual(JetStreamFamily.of(topic: "infrasight.events.exec.2"), .events)
        XCTAssertEqual(JetStreamFamily.of(topic: "infrasight.dlq"), .dlq)
        XCTAssertNil(JetStreamFamily.of(topic: "infrasight.dlqx"))
    }
}
