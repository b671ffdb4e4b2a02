import Foundation
import InfraSightKafka
import InfraSightTestSupport
import XCTest

/// Shared scaffolding: every test gets its own fresh tansu broker (starts in milliseconds).
class KafkaBrokerTestCase: XCTestCase {
    var broker: TansuBroker!

    override func setUpWithError() throws {
        // Throws (the test fails, never skips) when tansu is missing: "run make deps".
        broker = try TansuBroker.start()
    }

    override func tearDown() {
        broker?.stop()
        broker = nil
    }

    var clientConfig: KafkaClientConfig {
        KafkaClientConfig(brokers: broker.bootstrap, clientId: "infrasight-tests", options: [:])
    }

    func makeProducer(idempotent: Bool = true, onDelivery: @escaping (DeliveryReport) -> Void) throws -> KafkaProducer {
        try KafkaProducer(config: clientConfig, idempotent: idempotent, onDelivery: onDelivery)
    }

    /// Produces `values` (key "k<i>") to `topic` and waits for every delivery report; asserts all succeeded.
    func produce(_ topic: String, _ values: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        var reports: [DeliveryReport] = []
        let producer = try makeProducer { reports.append($0) }
        for (i, v) in values.enumerated() {
            try producer.send(topic: topic, key: Array("k\(i)".utf8), value: Array(v.utf8), token: UInt64(i))
        }
        XCTAssertTrue(producer.flush(timeoutMs: 30_000), "flush timed out", file: file, line: line)
        XCTAssertEqual(reports.count, values.count, file: file, line: line)
        XCTAssertEqual(reports.filter { $0.error != nil }.map { "\($0.error!)" }, [], file: file, line: line)
        producer.close()
    }

    /// Polls until `done(received)` or the deadline; returns everything received.
    func consume(_ consumer: KafkaConsumer, timeout: TimeInterval = 30,
                 until done: ([KafkaMessage]) -> Bool) throws -> [KafkaMessage] {
        var received: [KafkaMessage] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && !done(received) {
            if let m = try consumer.poll(timeoutMs: 200) { received.append(m) }
        }
        return received
    }
}

func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
