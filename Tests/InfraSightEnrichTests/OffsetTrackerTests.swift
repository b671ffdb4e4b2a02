import InfraSightKafka
@testable import InfraSightEnrich
import XCTest

/// Commit only what every earlier message has been acknowledged for.
final class OffsetTrackerTests: XCTestCase {
    let tp = TopicPartition(topic: "infrasight.raw.execve", partition: 0)

    func testCommittableStopsAtTheFirstUnacknowledged() {
        var t = OffsetTracker()
        for o in 10...14 { t.consumed(tp, offset: Int64(o)) }
        XCTAssertEqual(t.committable()[tp], 10)
        t.acknowledged(tp, offset: 11)
        t.acknowledged(tp, offset: 12)
        XCTAssertEqual(t.committable()[tp], 10, "10 is still in flight")
        t.acknowledged(tp, offset: 10)
        XCTAssertEqual(t.committable()[tp], 13)
        t.acknowledged(tp, offset: 14)
        t.acknowledged(tp, offset: 13)
        XCTAssertEqual(t.committable()[tp], 15)
        XCTAssertEqual(t.inFlight, 0)
    }

    func testAlreadyCommittedIsNotRepeated() {
        var t = OffsetTracker()
        t.consumed(tp, offset: 0)
        t.acknowledged(tp, offset: 0)
        let c = t.committable()
        XCTAssertEqual(c[tp], 1)
        t.markCommitted(c)
        XCTAssertTrue(t.committable().isEmpty)
    }

    func testPartitionsAreIndependentAndForgettable() {
        var t = OffsetTracker()
        let other = TopicPartition(topic: "infrasight.raw.execve", partition: 1)
        t.consumed(tp, offset: 5)
        t.consumed(other, offset: 7)
        t.acknowledged(other, offset: 7)
        XCTAssertEqual(t.committable(), [tp: 5, other: 8])
        XCTAssertEqual(t.inFlight(in: [tp]), 1)
        t.forget([tp])
        XCTAssertEqual(t.committable(), [other: 8])
    }

    func testLongRunsCompactWithoutLosingPosition() {
        var t = OffsetTracker()
        for o in 0..<20_000 { t.consumed(tp, offset: Int64(o)); t.acknowledged(tp, offset: Int64(o)) }
        XCTAssertEqual(t.committable()[tp], 20_000)
        XCTAssertEqual(t.inFlight, 0)
    }
}
