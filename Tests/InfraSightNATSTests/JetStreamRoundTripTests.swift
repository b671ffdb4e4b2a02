import Foundation
import InfraSightNATS
import XCTest

/// Streams, producer and pull consumer against a real nats-server with JetStream.
final class JetStreamRoundTripTests: JetStreamTestCase {
    func testStreamSetupIsIdempotentAndFileBacked() throws {
        let first = try createStreams()
        XCTAssertEqual(first.count, 5)
        XCTAssertTrue(first.values.allSatisfy { $0 == .created }, "\(first)")
        XCTAssertTrue(try createStreams().values.allSatisfy { $0 == .unchanged })
        let admin = JetStreamAdmin(connection: connection)
        var spec = JetStreamStreamSpec(family: .raw, duplicateWindow: .seconds(30))
        spec.maxBytes = 1 << 30
        XCTAssertEqual(try admin.ensure(spec), .updated)
        XCTAssertEqual(try admin.ensure(spec), .unchanged)
        let info = try admin.info(stream: "INFRASIGHT_RAW")
        XCTAssertTrue(info.fileStorage)
        XCTAssertEqual(info.duplicateWindow, .seconds(30))
        XCTAssertEqual(info.replicas, 1)
    }

    func testPublishFetchAckKeepsEachKeysOrder() throws {
        try createStreams()
        let partitioner = try KeyPartitioner(partitions: 3)
        let producer = try JetStreamProducer(connection: connection, maxInFlight: 64)
        let keys = (0..<6).map { "node-1/\(1000 + $0)" }
        var items: [(subject: String, id: String?, text: String)] = []
        for i in 0..<60 {
            for key in keys {
                items.append((partitioner.subject(topic: "infrasight.raw.exec", key: Array(key.utf8)), "\(key)#\(i)", "\(key)#\(i)"))
            }
        }
        try publishAll(producer, items)
        XCTAssertEqual(producer.counts.acked, UInt64(items.count))
        XCTAssertEqual(producer.counts.failed, 0)
        XCTAssertEqual(try JetStreamAdmin(connection: connection).info(stream: "INFRASIGHT_RAW").messages, UInt64(items.count))

        // One durable consumer per partition, as a worker owning that partition would hold it.
        var seen: [String: [Int]] = [:]
        for n in 0..<partitioner.partitions {
            let consumer = try JetStreamPullConsumer(connection: connection, spec: JetStreamConsumerSpec(
                stream: "INFRASIGHT_RAW", durable: "enrich-p\(n)", filterSubject: JetStreamFamily.raw.filter(partition: n)))
            let expected = items.filter { $0.subject.hasSuffix(".\(n)") }.count
            let got = try fetch(consumer, count: expected, timeout: 10, batch: 25, ack: true)
            XCTAssertEqual(got.count, expected, "partition \(n)")
            XCTAssertEqual(try consumer.fetch(max: 1, timeout: .milliseconds(200)).count, 0, "nothing beyond its partition")
            for m in got {
                XCTAssertTrue(m.subject.hasSuffix(".\(n)"))
                XCTAssertEqual(m.deliveries, 1)
                XCTAssertEqual(m.messageId, text(m))
                let parts = text(m).split(separator: "#")
                seen[String(parts[0]), default: []].append(Int(parts[1])!)
            }
            XCTAssertEqual(try consumer.lag().total, 0, "partition \(n) fully acked")
        }
        XCTAssertEqual(Set(seen.keys), Set(keys))
        for (key, sequence) in seen { XCTAssertEqual(sequence, Array(0..<60), "order of \(key)") }
    }

    func testResendWithTheSameMessageIdIsDropped() throws {
        try createStreams()
        let producer = try JetStreamProducer(connection: connection)
        let items = (0..<50).map { (subject: "infrasight.raw.open.0", id: Optional("evt-\($0)"), text: "event \($0)") }
        try publishAll(producer, items)
        try publishAll(producer, items)  // a producer retrying after lost acks
        try publishAll(producer, [("infrasight.raw.open.0", nil, "no id"), ("infrasight.raw.open.0", nil, "no id")])
        let counts = producer.counts
        XCTAssertEqual(counts.acked, 52)
        XCTAssertEqual(counts.duplicates, 50)
        XCTAssertEqual(counts.failed, 0)
        XCTAssertEqual(counts.inFlight, 0)
        XCTAssertEqual(try JetStreamAdmin(connection: connection).info(stream: "INFRASIGHT_RAW").messages, 52)
        let consumer = try JetStreamPullConsumer(connection: connection, spec: .init(stream: "INFRASIGHT_RAW", durable: "dedup"))
        let got = try fetch(consumer, count: 52, ack: true)
        XCTAssertEqual(got.count, 52)
        XCTAssertEqual(try consumer.fetch(max: 1, timeout: .milliseconds(200)).count, 0)
        XCTAssertEqual(Set(got.compactMap(\.messageId)).count, 50)
    }

    func testUnackedMessageIsRedeliveredAfterAckWait() throws {
        try createStreams()
        let producer = try JetStreamProducer(connection: connection)
        try publishAll(producer, [("infrasight.events.exec.0", "e1", "one")])
        let consumer = try JetStreamPullConsumer(connection: connection, spec: .init(
            stream: "INFRASIGHT_EVENTS", durable: "sink", ackWait: .seconds(1), maxDeliver: 5))
        let first = try XCTUnwrap(consumer.fetch(max: 10, timeout: .seconds(5)).first)
        XCTAssertEqual(first.deliveries, 1)
        XCTAssertFalse(first.isLastDelivery)
        XCTAssertEqual(try consumer.lag().ackPending, 1)
        // Not acked: a worker that died mid-batch. Nothing comes before ack wait, then the same message again.
        XCTAssertEqual(try consumer.fetch(max: 10, timeout: .milliseconds(300)).count, 0)
        let again = try fetch(consumer, count: 1, timeout: 5)
        XCTAssertEqual(again.count, 1)
        XCTAssertEqual(again.first?.streamSequence, first.streamSequence)
        XCTAssertEqual(again.first?.deliveries, 2)
        XCTAssertEqual(again.first?.messageId, "e1")
        try again.first?.ack(sync: true)
        let lag = try consumer.lag()
        XCTAssertEqual(lag.total, 0)
        XCTAssertEqual(lag.redelivered, 0, "acked: nothing left redelivered")
    }

    func testNakRedeliversAtOnceTermNeverAndMaxDeliverMarksTheLastTry() throws {
        try createStreams()
        let producer = try JetStreamProducer(connection: connection)
        try publishAll(producer, [("infrasight.raw.exec.0", "a", "nak me"), ("infrasight.raw.exec.0", "b", "poison")])
        let consumer = try JetStreamPullConsumer(connection: connection, spec: .init(
            stream: "INFRASIGHT_RAW", durable: "worker", ackWait: .seconds(1), maxDeliver: 2))
        let batch = try fetch(consumer, count: 2, timeout: 5)
        XCTAssertEqual(batch.map(text), ["nak me", "poison"])
        try batch[0].nak()
        try batch[1].term()
        // The nak'd one comes back at once (long before ack wait); the terminated one never.
        let start = ContinuousClock.now
        let again = try fetch(consumer, count: 1, timeout: 5)
        XCTAssertLessThan(start.duration(to: .now), .milliseconds(900))
        XCTAssertEqual(again.map(text), ["nak me"])
        XCTAssertEqual(again.first?.deliveries, 2)
        XCTAssertEqual(again.first?.isLastDelivery, true, "maxDeliver 2: the worker must DLQ it now")
        try again.first?.nak()
        // Past max deliver the server gives up: nothing more, even after ack wait.
        XCTAssertEqual(try fetch(consumer, count: 1, timeout: 2).count, 0)
        XCTAssertEqual(try consumer.lag().pending, 0)
    }

    func testNakWithDelayWaits() throws {
        try createStreams()
        let producer = try JetStreamProducer(connection: connection)
        try publishAll(producer, [("infrasight.raw.exec.1", "d", "later")])
        let consumer = try JetStreamPullConsumer(connection: connection, spec: .init(stream: "INFRASIGHT_RAW", durable: "delay"))
        let m = try XCTUnwrap(fetch(consumer, count: 1).first)
        try m.nak(delay: .milliseconds(800))
        XCTAssertEqual(try consumer.fetch(max: 1, timeout: .milliseconds(400)).count, 0)
        let again = try fetch(consumer, count: 1, timeout: 5)
        XCTAssertEqual(again.first?.deliveries, 2)
    }

    func testMaxAckPendingIsTheBackPressure() throws {
        try createStreams()
        let producer = try JetStreamProducer(connection: connection)
        try publishAll(producer, (0..<20).map { ("infrasight.raw.exec.0", "m\($0)", "m\($0)") })
        let consumer = try JetStreamPullConsumer(connection: connection, spec: .init(
            stream: "INFRASIGHT_RAW", durable: "slow", maxAckPending: 5))
        let first = try consumer.fetch(max: 20, timeout: .seconds(1))
        XCTAssertEqual(first.count, 5)
        XCTAssertEqual(try consumer.fetch(max: 20, timeout: .milliseconds(300)).count, 0, "5 unacked: the server holds back")
        XCTAssertEqual(try consumer.lag().pending, 15)
        for m in first { try m.ack(sync: true) }
        let next = try consumer.fetch(max: 20, timeout: .seconds(1))
        XCTAssertEqual(next.map(text), (5..<10).map { "m\($0)" })
    }

    func testConsumerSettingsUpdateInPlaceAndKeepThePosition() throws {
        try createStreams()
        let producer = try JetStreamProducer(connection: connection)
        try publishAll(producer, (0..<4).map { ("infrasight.raw.exec.0", "u\($0)", "u\($0)") })
        var spec = JetStreamConsumerSpec(stream: "INFRASIGHT_RAW", durable: "upd", maxAckPending: 100)
        let c1 = try JetStreamPullConsumer(connection: connection, spec: spec)
        for m in try fetch(c1, count: 2, batch: 2) { try m.ack(sync: true) }
        c1.close()
        spec.maxAckPending = 50
        spec.ackWait = .seconds(10)
        let c2 = try JetStreamPullConsumer(connection: connection, spec: spec)
        XCTAssertEqual(try fetch(c2, count: 2).map(text), ["u2", "u3"])
    }

    func testBoundedWindowPublishesEverything() throws {
        try createStreams()
        let producer = try JetStreamProducer(connection: connection, maxInFlight: 8)
        for i in 0..<2000 { try producer.publish(subject: "infrasight.raw.write.\(i % 2)", messageId: "w\(i)", payload: Array(repeating: 7, count: 200)) }
        XCTAssertTrue(producer.flush(timeout: .seconds(30)))
        XCTAssertEqual(producer.counts.acked, 2000)
        XCTAssertEqual(try JetStreamAdmin(connection: connection).info(stream: "INFRASIGHT_RAW").messages, 2000)
    }

    func testClosedHandlesFailCleanlyAndFetchedMessagesCanStillBeSettled() throws {
        try createStreams()
        let producer = try JetStreamProducer(connection: connection)
        try publishAll(producer, [("infrasight.raw.exec.0", "z1", "one"), ("infrasight.raw.exec.0", "z2", "two")])
        let consumer = try JetStreamPullConsumer(connection: connection, spec: .init(stream: "INFRASIGHT_RAW", durable: "closing"))
        let got = try fetch(consumer, count: 1, batch: 1)
        consumer.close()
        XCTAssertThrowsError(try consumer.fetch(max: 1, timeout: .milliseconds(100)))
        try got.first?.ack(sync: true)  // the handle is closed, the message is still settled
        XCTAssertEqual(try consumer.lag().total, 1)
        connection.close()
        XCTAssertFalse(connection.isConnected)
        XCTAssertThrowsError(try producer.publish(subject: "infrasight.raw.exec.0", messageId: "z3", payload: [1])) {
            XCTAssertTrue("\($0)".lowercased().contains("closed"), "\($0)")
        }
        XCTAssertThrowsError(try JetStreamAdmin(connection: connection).info(stream: "INFRASIGHT_RAW"))
        producer.close(timeout: .milliseconds(100))
    }

    func testMissingStreamIsCountedAndExplained() throws {
        // No streams: a publish has no stream to land in, a consumer has no stream to read.
        let failures = FailureLog()
        let producer = try JetStreamProducer(connection: connection, ackTimeout: .seconds(2)) { failures.add($0) }
        try producer.publish(subject: "infrasight.raw.exec.0", messageId: "lost-1", payload: Array("x".utf8))
        _ = producer.flush(timeout: .seconds(5))
        XCTAssertEqual(producer.counts.failed, 1)
        XCTAssertEqual(failures.all.map(\.messageId), ["lost-1"])
        XCTAssertEqual(failures.all.first?.payload, Array("x".utf8))
        XCTAssertThrowsError(try JetStreamPullConsumer(connection: connection, spec: .init(stream: "INFRASIGHT_RAW", durable: "x"))) {
            XCTAssertTrue("\($0)".contains("infrasight topics create"), "\($0)")
        }
    }
}

/// Failures reported from nats.c's thread.
final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [JetStreamPublishFailure] = []
    func add(_ f: JetStreamPublishFailure) { lock.lock(); failures.append(f); lock.unlock() }
    var all: [JetStreamPublishFailure] { lock.lock(); defer { lock.unlock() }; return failures }
}
