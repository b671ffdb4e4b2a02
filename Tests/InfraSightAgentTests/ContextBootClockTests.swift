import XCTest
@testable import InfraSightAgent

final class ContextBootClockTests: XCTestCase {
    private func nowEpochNanos() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }

    func testBootNanosNowConvertsToWallClockNow() {
        let clock = BootClock()
        for _ in 0..<5 {
            let before = nowEpochNanos()
            let wall = Int64(clock.wallClockNanos(fromBootNanos: BootClock.bootNanosNow()))
            let after = nowEpochNanos()
            XCTAssertGreaterThanOrEqual(wall, before - 5_000_000, "more than 5 ms early")
            XCTAssertLessThanOrEqual(wall, after + 5_000_000, "more than 5 ms late")
        }
    }

    func testBootClockIsMonotonicAndAdvances() {
        let a = BootClock.bootNanosNow()
        usleep(2_000)
        let b = BootClock.bootNanosNow()
        XCTAssertGreaterThanOrEqual(b - a, 2_000_000)
        XCTAssertLessThan(b - a, 2_000_000_000)
    }

    func testPastEventsMapToThePast() {
        let clock = BootClock()
        let now = BootClock.bootNanosNow()
        let oneSecondAgo = clock.wallClockNanos(fromBootNanos: now - 1_000_000_000)
        let wallNow = clock.wallClockNanos(fromBootNanos: now)
        XCTAssertEqual(wallNow - oneSecondAgo, 1_000_000_000)
    }

    func testOffsetIsStableAcrossMeasurements() {
        let first = BootClock.measureOffset()
        for _ in 0..<20 {
            XCTAssertLessThan(abs(BootClock.measureOffset() - first), 1_000_000, "offset jitter above 1 ms")
        }
    }

    func testRefreshKeepsTheOffset() {
        let clock = BootClock(refreshInterval: 0) // re-measure on every call
        let a = clock.realtimeMinusBootNanos
        let b = clock.realtimeMinusBootNanos
        XCTAssertLessThan(abs(a - b), 1_000_000)
        XCTAssertGreaterThan(a, 1_500_000_000 * 1_000_000_000) // wall clock is after 2017 …
    }

    func testExtremeInputsSaturate() {
        let clock = BootClock()
        let offset = clock.realtimeMinusBootNanos
        XCTAssertEqual(Int64(clock.wallClockNanos(fromBootNanos: 0)), offset) // the boot instant
        XCTAssertEqual(clock.wallClockNanos(fromBootNanos: .max), UInt64(Int64.max))
        XCTAssertEqual(clock.wallClockNanos(fromBootNanos: UInt64(Int64.max) + 1), UInt64(Int64.max))
    }
}
