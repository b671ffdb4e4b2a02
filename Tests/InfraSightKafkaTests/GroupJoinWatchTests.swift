import Foundation
import InfraSightKafka
import XCTest

final class GroupJoinWatchTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    func testWarnsOnlyAfterTheThresholdAndThenOncePerThreshold() {
        var watch = GroupJoinWatch(threshold: 60, now: t0)
        XCTAssertNil(watch.warning(group: "g", brokers: "b:1", now: t0.addingTimeInterval(59)))
        let first = watch.warning(group: "g", brokers: "b:1", now: t0.addingTimeInterval(61))
        XCTAssertNotNil(first)
        XCTAssertTrue(first!.contains("consumer group g on b:1"), first!)
        XCTAssertTrue(first!.contains("after 61 s"), first!)
        XCTAssertNil(watch.warning(group: "g", brokers: "b:1", now: t0.addingTimeInterval(100)), "rate-limited")
        XCTAssertNotNil(watch.warning(group: "g", brokers: "b:1", now: t0.addingTimeInterval(122)))
    }

    func testAnAssignmentEndsTheWaitAndARevokeStartsANewOne() {
        var watch = GroupJoinWatch(threshold: 10, now: t0)
        watch.assigned()
        XCTAssertNil(watch.waitedSeconds(now: t0.addingTimeInterval(500)))
        XCTAssertNil(watch.warning(group: "g", brokers: "b", now: t0.addingTimeInterval(500)))
        watch.waiting(now: t0.addingTimeInterval(500))
        watch.waiting(now: t0.addingTimeInterval(505))   // a second revoke does not restart the clock
        XCTAssertEqual(watch.waitedSeconds(now: t0.addingTimeInterval(511)), 11)
        XCTAssertNotNil(watch.warning(group: "g", brokers: "b", now: t0.addingTimeInterval(511)))
        watch.assigned()
        XCTAssertNil(watch.warning(group: "g", brokers: "b", now: t0.addingTimeInterval(600)))
    }
}
