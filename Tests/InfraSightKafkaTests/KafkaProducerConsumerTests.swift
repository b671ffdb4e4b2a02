import Foundation
import InfraSightKafka
import InfraSightTestSupport
import XCTest

final class KafkaProducerConsumerTests: KafkaBrokerTestCase {
    /// N messages with keys (some nil) and binary values come back intact; every delivery report is OK
    /// and carries the token given to send().
    func testProduceConsumeRoundTripWithDeliveryReports() throws {
        try broker.createTopic("roundtrip", partitions: 3)
        let n = 500
        var reports: [DeliveryReport] = []
        let producer = try makeProducer { reports.append($0) }
        var expected: [String: [UInt8]?] = [:]   // value text → key
        for i in 0..<n {
            let key: [UInt8]? = i % 10 == 0 ? nil : Array("key-\(i)".utf8)
            var value = Array("value-\(i)-".utf8)
            value += [0, 255, UInt8(i & 0xff)]   // binary tail
            expected["value-\(i)-"] = key
            try producer.send(topic: "roundtrip", key: key, value: value, token: UInt64(1_000_000 + i))
        }
        XCTAssertTrue(producer.flush(timeoutMs: 30_000))
        XCTAssertEqual(producer.outstanding, 0)
        XCTAssertEqual(reports.count, n)
        XCTAssertEqual(reports.compactMap(\.error).map(\.description), [])
        XCTAssertEqual(Set(reports.map(\.token)), Set((0..<n).map { UInt64(1_000_000 + $0) }))
        XCTAssertTrue(reports.allSatisfy { $0.topic == "roundtrip" && $0.partition >= 0 && $0.offset >= 0 })
        producer.close()

        let consumer = try KafkaConsumer(config: clientConfig, groupId: "rt-group", topics: ["roundtrip"])
        let got = try consume(consumer) { $0.count >= n }
        XCTAssertEqual(got.count, n)
        for m in got {
            XCTAssertEqual(Array(m.value.suffix(3).prefix(2)), [0, 255])
            let prefix = String(decoding: m.value.dropLast(3), as: UTF8.self)
            guard let key = expected[prefix] else { XCTFail("unexpected value \(prefix)"); continue }
            XCTAssertEqual(m.key, key, "key of \(prefix)")
            XCTAssertNotNil(m.timestampMs)
        }
        // Every consumed (partition, offset) is one the delivery reports announced.
        let reported = Set(reports.map { "\($0.partition)/\($0.offset)" })
        XCTAssertEqual(Set(got.map { "\($0.partition)/\($0.offset)" }), reported)
        consumer.close()
    }

    /// Hot-path send over raw buffers, and the non-idempotent fallback configuration.
    func testRawBufferSendAndNonIdempotentMode() throws {
        try broker.createTopic("raw", partitions: 1)
        var reports: [DeliveryReport] = []
        let producer = try makeProducer(idempotent: false) { reports.append($0) }
        let payload: [UInt8] = Array(repeating: 7, count: 4096)
        for i in 0..<50 {
            try payload.withUnsafeBytes { v in
                try producer.send(topic: "raw", key: nil, value: v, token: UInt64(i))
            }
        }
        XCTAssertTrue(producer.flush(timeoutMs: 30_000))
        XCTAssertEqual(reports.count, 50)
        XCTAssertTrue(reports.allSatisfy { $0.succeeded })
        // Single partition, one in flight: offsets follow send order.
        XCTAssertEqual(reports.map(\.offset), (0..<50).map { Int64($0) })
        XCTAssertEqual(reports.map(\.token), (0..<50).map { UInt64($0) })
        producer.close()
    }

    /// A full local queue makes send() block (serving delivery reports) until there is room: nothing is dropped.
    func testSendBlocksOnFullQueueInsteadOfDropping() throws {
        try broker.createTopic("backpressure", partitions: 1)
        var reports: [DeliveryReport] = []
        let producer = try KafkaProducer(config: clientConfig, extraOptions: ["queue.buffering.max.messages": "10"]) {
            reports.append($0)
        }
        try producer.send(topic: "backpressure", key: nil, value: [0], token: 0)
        XCTAssertTrue(producer.flush(timeoutMs: 10_000))   // metadata and producer id are in place
        broker.freeze()
        let broker = self.broker!
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) { broker.thaw() }
        let start = Date()
        for i in 1...100 {
            try producer.send(topic: "backpressure", key: nil, value: Array("m\(i)".utf8), token: UInt64(i))
        }
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 1.5, "send blocked while the broker was frozen")
        XCTAssertGreaterThan(producer.blockedDuration, .seconds(1), "the wait is accounted (agent stat producer_blocked_ms)")
        XCTAssertTrue(producer.flush(timeoutMs: 30_000))
        XCTAssertEqual(reports.count, 101)
        XCTAssertTrue(reports.allSatisfy { $0.succeeded })
        XCTAssertEqual(reports.map(\.token), (0...100).map { UInt64($0) }, "in order, none lost")
        producer.close()
    }

    /// A failed delivery's report carries the message's key and value as sent (so a stage can send it
    /// again without keeping a copy of every message); a successful one carries neither.
    func testFailedDeliveryReportCarriesTheMessage() throws {
        try broker.createTopic("failing", partitions: 1)
        var reports: [DeliveryReport] = []
        let producer = try KafkaProducer(config: clientConfig, extraOptions: ["message.timeout.ms": "1500"]) {
            reports.append($0)
        }
        try producer.send(topic: "failing", key: Array("k0".utf8), value: [0], token: 0)
        XCTAssertTrue(producer.flush(timeoutMs: 10_000))
        broker.freeze()
        defer { broker.thaw() }
        let value = (0..<300).map { UInt8(truncatingIfNeeded: $0) }
        try producer.send(topic: "failing", key: Array("k1".utf8), value: value, token: 1)
        _ = producer.flush(timeoutMs: 10_000)
        XCTAssertEqual(reports.map(\.token), [0, 1])
        XCTAssertTrue(reports[0].succeeded)
        XCTAssertNil(reports[0].failedKey)
        XCTAssertNil(reports[0].failedValue)
        XCTAssertNotNil(reports[1].error, "not acknowledged within message.timeout.ms")
        XCTAssertEqual(reports[1].failedKey, Array("k1".utf8))
        XCTAssertEqual(reports[1].failedValue, value)
        producer.close()
    }

    /// Auto-creation is off: a missing topic is an error (delivery report or thrown), and is not created.
    func testUnknownTopicIsAnErrorAndNotAutoCreated() throws {
        var reports: [DeliveryReport] = []
        let producer = try KafkaProducer(config: clientConfig,
                                         extraOptions: ["topic.metadata.propagation.max.ms": "1000"]) {
            reports.append($0)
        }
        var thrown: [KafkaError] = []
        for i in 0..<3 {
            do { try producer.send(topic: "no.such.topic", key: nil, value: [1], token: UInt64(i)) }
            catch let e as KafkaError { thrown.append(e) }
            producer.poll(timeoutMs: 1_500)
        }
        XCTAssertTrue(producer.flush(timeoutMs: 10_000))
        XCTAssertEqual(reports.count + thrown.count, 3)
        XCTAssertFalse(reports.isEmpty)
        for r in reports {
            let e = try XCTUnwrap(r.error)
            XCTAssertTrue(e.message.contains("createTopics"), "\(e)")
        }
        for e in thrown { XCTAssertTrue(e.message.contains("createTopics"), "\(e)") }
        producer.close()
        XCTAssertNil(try KafkaAdmin.listTopics(config: clientConfig)["no.such.topic"])
    }

    /// Messages sent while the broker is frozen (SIGSTOP) are delivered, exactly once, after it thaws.
    func testProducerDeliversEverythingAfterBrokerFreeze() throws {
        try broker.createTopic("frozen", partitions: 2)
        var reports: [DeliveryReport] = []
        let producer = try makeProducer { reports.append($0) }
        for i in 0..<100 {
            try producer.send(topic: "frozen", key: nil, value: Array("m\(i)".utf8), token: UInt64(i))
        }
        XCTAssertTrue(producer.flush(timeoutMs: 30_000))
        XCTAssertEqual(reports.count, 100)

        broker.freeze()
        for i in 100..<300 {
            try producer.send(topic: "frozen", key: nil, value: Array("m\(i)".utf8), token: UInt64(i))
        }
        let frozenUntil = Date().addingTimeInterval(4)
        while Date() < frozenUntil { producer.poll(timeoutMs: 100) }
        XCTAssertEqual(reports.count, 100, "nothing can be acknowledged while the broker is frozen")
        XCTAssertGreaterThan(producer.outstanding, 0)
        broker.thaw()

        XCTAssertTrue(producer.flush(timeoutMs: 60_000), "outstanding after thaw: \(producer.outstanding)")
        XCTAssertEqual(reports.count, 300)
        XCTAssertEqual(reports.compactMap(\.error).map(\.description), [])
        XCTAssertEqual(Set(reports.map(\.token)).count, 300)
        producer.close()

        let consumer = try KafkaConsumer(config: clientConfig, groupId: "frozen-check", topics: ["frozen"])
        let got = try consume(consumer, timeout: 30) { $0.count >= 300 }
        // Wait a little longer to catch duplicates.
        let extra = try consume(consumer, timeout: 1) { _ in false }
        let values = (got + extra).map { text($0.value)! }
        XCTAssertEqual(values.count, 300, "no loss, no duplicates")
        XCTAssertEqual(Set(values), Set((0..<300).map { "m\($0)" }))
        consumer.close()
    }
}
