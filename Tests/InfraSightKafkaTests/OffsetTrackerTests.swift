import InfraSightKafka
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

    /// An acknowledgement that arrives after its partition was revoked is ignored: when the partition is
    /// assigned again and the same offset re-read, it is not done until its new output is acknowledged.
    func testLateAcknowledgementAfterForgetIsIgnored() {
        var t = OffsetTracker()
        t.consumed(tp, offset: 5)
        t.forget([tp])
        t.acknowledged(tp, offset: 5)
        XCTAssertEqual(t.inFlight, 0)
        t.consumed(tp, offset: 5)
        t.consumed(tp, offset: 6)
        t.acknowledged(tp, offset: 6)
        XCTAssertEqual(t.committable(), [tp: 5])
        XCTAssertEqual(t.inFlight, 2)
        t.acknowledged(tp, offset: 5)
        XCTAssertEqual(t.committable(), [tp: 7])
        XCTAssertEqual(t.inFlight, 0)
    }

    func testLongRunsCompactWithoutLosingPosition() {
        var t = OffsetTracker()
        for o in 0..<20_000 { t.consumed(tp, offset: Int64(o)); t.acknowledged(tp, offset: Int64(o)) }
        XCTAssertEqual(t.committable()[tp], 20_000)
        XCTAssertEqual(t.inFlight, 0)
    }

    /// Random acknowledgement orders (duplicates included) against a plain model: the committable
    /// offset is the first unacknowledged one, and the in-flight count follows.
    func testRandomOrdersMatchAPlainModel() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var t = OffsetTracker()
            let n = Int.random(in: 1...6000, using: &rng)
            for o in 0..<n { t.consumed(tp, offset: Int64(o)) }
            var order = (0..<n).map(Int64.init).shuffled(using: &rng)
            order += order.prefix(Int.random(in: 0...10, using: &rng))   // duplicate acknowledgements
            var acked = Set<Int64>()
            for o in order.prefix(Int.random(in: 0...order.count, using: &rng)) {
                t.acknowledged(tp, offset: o)
                acked.insert(o)
            }
            let firstOpen = (0..<Int64(n)).first { !acked.contains($0) } ?? Int64(n)
            XCTAssertEqual(t.committable()[tp], firstOpen)
            XCTAssertEqual(t.inFlight, n - Int(firstOpen))
            t.forget([tp])
            XCTAssertEqual(t.inFlight, 0)
        }
    }
}
