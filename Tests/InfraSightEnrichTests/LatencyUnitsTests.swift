import XCTest
@testable import InfraSightEnrich

final class LatencyUnitsTests: XCTestCase {
    func testConversions() {
        XCTAssertEqual(LatencyUnits.milliseconds(fromNanos: 0), 0)
        XCTAssertEqual(LatencyUnits.milliseconds(fromNanos: 1_000_000), 1)
        XCTAssertEqual(LatencyUnits.milliseconds(fromNanos: 1_500_000), 1.5)
        XCTAssertEqual(LatencyUnits.milliseconds(fromNanos: 1), 0.000001, accuracy: 1e-15)
        XCTAssertEqual(LatencyUnits.milliseconds(fromNanos: 123_456_789), 123.456789, accuracy: 1e-9)
    }

    func testLargeValues() {
        // 2^53 ns + 1 (≈ 104 days): a Double can't hold the nanosecond count exactly, the result
        // must still be the right number of milliseconds to well under a microsecond.
        XCTAssertEqual(LatencyUnits.milliseconds(fromNanos: (1 << 53) + 1), 9_007_199_254.740993, accuracy: 1e-5)
        XCTAssertEqual(LatencyUnits.milliseconds(fromNanos: .max), 18_446_744_073_709.551615, accuracy: 0.01)
    }
}
