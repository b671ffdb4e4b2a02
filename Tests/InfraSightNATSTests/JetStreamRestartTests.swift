import Foundation
import InfraSightNATS
import XCTest

/// A nats-server SIGKILLed and started again on the same file store loses nothing it acked.
final class JetStreamRestartTests: JetStreamTestCase {
    /// Fetches and acks until nothing is pending.
    func drain(_ consumer: JetStreamPullConsumer, timeout: TimeInterval = 30) throws -> [JetStreamMessage] {
        var got: [JetStreamMessage] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let batch = try consumer.fetch(max: 100, timeout: .milliseconds(500))
            for m in batch { try m.ack(sync: true) }
            got += batch
            if batch.isEmpty, try consumer.lag().total == 0 { break }
        }
        return got
    }

    func testKilledServerKeepsAckedMessagesAndConsumerPositions() throws {
        try createStreams()
        let producer = try JetStreamProducer(connection: connection)
        let total = 1000
        for i in 0..<total {
            try producer.publish(subject: "infrasight.raw.exec.\(i % 2)", messageId: "k\(i)", payload: Array("event \(i)".utf8))
        }
        XCTAssertTrue(producer.flush(timeout: .seconds(30)))
        XCTAssertEqual(producer.counts.acked, UInt64(total), "every message acked before the crash")
        let consumer = try JetStreamPullConsumer(connection: connection, spec: .init(stream: "INFRASIGHT_RAW", durable: "sink", ackWait: .seconds(2)))
        // Half consumed with confirmed acks; the rest acked by the stream but never consumed.
        for m in try fetch(consumer, count: 400) { try m.ack(sync: true) }
        consumer.close()

        server.kill9()
        try server.restart()

        // The old connection reconnects by itself and publishes again.
        let deadline = Date().addingTimeInterval(20)
        while !connection.isConnected && Date() < deadline { usleep(100_000) }
        XCTAssertTrue(connection.isConnected, "the connection reconnected after the restart")
        XCTAssertGreaterThanOrEqual(connection.events.reconnects, 1)
        XCTAssertGreaterThanOrEqual(connection.events.disconnects, 1)
        try producer.publish(subject: "infrasight.raw.exec.0", messageId: "after", payload: Array("after restart".utf8))
        XCTAssertTrue(producer.flush(timeout: .seconds(30)))
        XCTAssertEqual(producer.counts.failed, 0)

        let fresh = try connect()
        XCTAssertEqual(try JetStreamAdmin(connection: fresh).info(stream: "INFRASIGHT_RAW").messages, UInt64(total + 1))
        let resumed = try JetStreamPullConsumer(connection: fresh, spec: .init(stream: "INFRASIGHT_RAW", durable: "sink", ackWait: .seconds(2)))
        let ids = try drain(resumed).compactMap(\.messageId)
        let unconsumed = Set((400..<total).map { "k\($0)" } + ["after"])
        let ackedBefore = Set((0..<400).map { "k\($0)" })
        XCTAssertEqual(Set(ids).intersection(unconsumed), unconsumed, "0 lost: every message not consumed before the crash comes")
        XCTAssertEqual(Set(ids).subtracting(unconsumed).subtracting(ackedBefore), [], "nothing unknown")
        XCTAssertEqual(ids.count, Set(ids).count, "each message once after the restart")
        // At-least-once: acks the server confirmed just before SIGKILL may not have reached its consumer state
        // on disk yet (it writes that state in the background: killed at once, all 400 came again here; killed
        // 2 s later, none), so some of those come again; the sink's de-duplication takes care of them.
        // Right after the restart a fetch can also time out while the server delivers to it: those messages
        // wait for ack wait (2 s here) and then come again, which `drain` waits for.
        let again = Set(ids).intersection(ackedBefore).count
        print("JetStreamRestartTests: \(again) of 400 confirmed-acked messages redelivered after SIGKILL (at-least-once)")
        XCTAssertEqual(try resumed.lag().total, 0)
        resumed.close()
        fresh.close()
    }

    func testFrozenServerFailsAcksWithPayloadsAndResendsAreDeduplicated() throws {
        try createStreams()
        let failures = FailureLog()
        let producer = try JetStreamProducer(connection: connection, ackTimeout: .seconds(1)) { failures.add($0) }
        server.process.signal(SIGSTOP)
        var thawed = false
        defer { if !thawed { server.process.signal(SIGCONT) } }
        for i in 0..<10 { try producer.publish(subject: "infrasight.raw.exec.0", messageId: "f\(i)", payload: Array("frozen \(i)".utf8)) }
        XCTAssertTrue(producer.flush(timeout: .seconds(10)), "every publish settles: acked or failed")
        XCTAssertEqual(producer.counts.failed, 10, "no ack from a frozen server: counted, not dropped")
        XCTAssertEqual(Set(failures.all.compactMap(\.messageId)), Set((0..<10).map { "f\($0)" }))
        server.process.signal(SIGCONT)
        thawed = true
        // The frozen server still had the first copies in its socket; the resends carry the same ids.
        for f in failures.all { try producer.publish(subject: f.subject, messageId: f.messageId, payload: f.payload) }
        XCTAssertTrue(producer.flush(timeout: .seconds(30)))
        let c = producer.counts
        XCTAssertEqual(c.acked + c.duplicates, 10, "\(c)")
        XCTAssertEqual(try JetStreamAdmin(connection: connection).info(stream: "INFRASIGHT_RAW").messages, 10,
                       "exactly once in the stream after dedup")
    }

    func testCloseReportsWhatIsStillPendingAsFailed() throws {
        try createStreams()
        let failures = FailureLog()
        let producer = try JetStreamProducer(connection: connection, ackTimeout: .seconds(30)) { failures.add($0) }
        server.process.signal(SIGSTOP)
        defer { server.process.signal(SIGCONT) }
        for i in 0..<5 { try producer.publish(subject: "infrasight.raw.exec.0", messageId: "c\(i)", payload: [UInt8(i)]) }
        producer.close(timeout: .milliseconds(500))
        XCTAssertEqual(producer.counts.failed, 5)
        XCTAssertEqual(producer.counts.inFlight, 0)
        XCTAssertEqual(failures.all.map(\.payload).sorted { $0[0] < $1[0] }, (0..<5).map { [UInt8($0)] })
        XCTAssertTrue(failures.all.allSatisfy { "\($0.error)".contains("before close") })
    }
}
