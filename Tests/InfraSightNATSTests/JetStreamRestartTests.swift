import Foundation
import InfraSightNATS
import XCTest

/// A nats-server SIGKILLed and started again on the same file store loses nothing it acked.
final class JetStreamRestartTests: JetStreamTestCase {
    func testKilledServerKeepsAckedMessagesAndConsumerPositions() throws {
        try createStreams()
        let producer = try JetStreamProducer(connection: connection)
        let total = 1000
        for i in 0..<total {
            try producer.publish(subject: "infrasight.raw.exec.\(i % 2)", messageId: "k\(i)", payload: Array("event \(i)".utf8))
        }
        XCTAssertTrue(producer.flush(timeout: .seconds(30)))
        XCTAssertEqual(producer.counts.acked, UInt64(total), "every message acked before the crash")
        let consumer = try JetStreamPullConsumer(connection: connection, spec: .init(stream: "INFRASIGHT_RAW", durable: "sink"))
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
        let resumed = try JetStreamPullConsumer(connection: fresh, spec: .init(stream: "INFRASIGHT_RAW", durable: "sink"))
        let rest = try fetch(resumed, count: total + 1 - 400 + 1, timeout: 5, ack: true)
        XCTAssertEqual(rest.count, total + 1 - 400, "0 lost, none of the confirmed-acked ones again")
        XCTAssertEqual(Set(rest.compactMap(\.messageId)).count, rest.count, "no duplicates")
        XCTAssertEqual(Set(rest.compactMap(\.messageId)), Set((400..<total).map { "k\($0)" } + ["after"]))
        XCTAssertEqual(try resumed.lag().total, 0)
        resumed.close()
        fresh.close()
    }
}
