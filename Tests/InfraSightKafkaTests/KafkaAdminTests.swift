import Foundation
import InfraSightKafka
import InfraSightTestSupport
import XCTest

final class KafkaAdminTests: KafkaBrokerTestCase {
    func testCreateTopicsIsIdempotentAndListShowsPartitions() throws {
        let specs = [KafkaTopicSpec(name: "admin.a", partitions: 3, replicationFactor: 1),
                     KafkaTopicSpec(name: "admin.b", partitions: 1, config: ["retention.ms": "3600000"])]
        XCTAssertEqual(try KafkaAdmin.createTopics(specs, config: clientConfig),
                       ["admin.a": .created, "admin.b": .created])
        XCTAssertEqual(try KafkaAdmin.createTopics(specs + [KafkaTopicSpec(name: "admin.c", partitions: 2)],
                                                   config: clientConfig),
                       ["admin.a": .alreadyExists, "admin.b": .alreadyExists, "admin.c": .created])
        let topics = try KafkaAdmin.listTopics(config: clientConfig)
        XCTAssertEqual(topics["admin.a"], 3)
        XCTAssertEqual(topics["admin.b"], 1)
        XCTAssertEqual(topics["admin.c"], 2)
    }
}

/// Failure paths that need no running broker.
final class KafkaErrorPathTests: XCTestCase {
    func testUnreachableBrokerErrorNamesTheBroker() throws {
        let port = try FreePort.next()   // nothing listens there
        let config = KafkaClientConfig(brokers: "127.0.0.1:\(port)", clientId: "t", options: [:])
        XCTAssertThrowsError(try KafkaAdmin.listTopics(config: config, timeoutMs: 1_500)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("127.0.0.1:\(port)"), text)
            XCTAssertTrue(text.contains("running and reachable"), text)
        }
    }

    func testInvalidOptionIsReported() {
        let config = KafkaClientConfig(brokers: "127.0.0.1:1", clientId: "t", options: ["no.such.option": "1"])
        XCTAssertThrowsError(try KafkaProducer(config: config) { _ in }) { error in
            XCTAssertTrue("\(error)".contains("no.such.option"), "\(error)")
        }
    }

    /// A secret passed to the wrong option must not be echoed, not even through librdkafka's own text.
    func testARejectedOptionValueIsNeverEchoed() {
        let secret = "hunter2-\(UInt32.random(in: 0...UInt32.max))"
        let config = KafkaClientConfig(brokers: "127.0.0.1:1", clientId: "t", options: ["security.protocol": secret])
        XCTAssertThrowsError(try KafkaProducer(config: config) { _ in }) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("security.protocol"), text)
            XCTAssertTrue(text.contains("value withheld"), text)
            XCTAssertFalse(text.contains(secret), text)
        }
    }

    func testMissingTansuThrowsInsteadOfSkipping() {
        setenv("INFRASIGHT_TANSU", "/nonexistent/tansu", 1)
        defer { unsetenv("INFRASIGHT_TANSU") }
        XCTAssertThrowsError(try TansuBroker.start()) { error in
            XCTAssertTrue("\(error)".contains("make deps"), "\(error)")
        }
    }
}
