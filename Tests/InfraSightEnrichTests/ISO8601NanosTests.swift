import Foundation
import XCTest
@testable import InfraSightEnrich

final class ISO8601NanosTests: XCTestCase {
    private let nsPerSec: UInt64 = 1_000_000_000

    func testEpochZero() {
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 0), "1970-01-01T00:00:00.000000000Z")
    }

    func testAlwaysNineFractionDigits() {
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 1), "1970-01-01T00:00:00.000000001Z")
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 999_999_999), "1970-01-01T00:00:00.999999999Z")
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 1_000_000_000), "1970-01-01T00:00:01.000000000Z")
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 1_798_386_456 * nsPerSec + 123_456_789),
                       "2026-12-27T15:47:36.123456789Z")
    }

    func testLeapYears() {
        // 2000 is a leap year (divisible by 400), 1900/2100 are not (divisible by 100), 2024 is.
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 951_782_400 * nsPerSec), "2000-02-29T00:00:00.000000000Z")
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 951_868_800 * nsPerSec), "2000-03-01T00:00:00.000000000Z")
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 1_709_251_199 * nsPerSec + 999_999_999),
                       "2024-02-29T23:59:59.999999999Z")
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 1_709_251_200 * nsPerSec), "2024-03-01T00:00:00.000000000Z")
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 4_107_456_000 * nsPerSec), "2100-02-28T00:00:00.000000000Z")
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 4_107_542_400 * nsPerSec), "2100-03-01T00:00:00.000000000Z")
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 1_735_689_599 * nsPerSec), "2024-12-31T23:59:59.000000000Z")
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 1_735_689_600 * nsPerSec), "2025-01-01T00:00:00.000000000Z")
    }

    func testFarDates() {
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: UInt64.max), "2554-07-21T23:34:33.709551615Z")
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 4_102_444_800 * nsPerSec), "2100-01-01T00:00:00.000000000Z")
        XCTAssertEqual(ISO8601Nanos.format(epochNanos: 13_569_465_600 * nsPerSec), "2400-01-01T00:00:00.000000000Z")
    }

    func testCivilFromDaysBeforeEpoch() {
        // Not reachable through the UInt64 API, but the helper must be correct for negative days too.
        XCTAssertTrue(ISO8601Nanos.civilFromDays(-1) == (1969, 12, 31))
        XCTAssertTrue(ISO8601Nanos.civilFromDays(-719_468) == (0, 3, 1))
    }

    func testMatchesFoundationForRandomValues() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let value = UInt64.random(in: 0...UInt64.max, using: &rng)
            let seconds = value / nsPerSec
            let date = Date(timeIntervalSince1970: TimeInterval(seconds)) // whole seconds: exact in a Double
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ",
                                  c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!,
                                  value % nsPerSec)
            XCTAssertEqual(ISO8601Nanos.format(epochNanos: value), expected, "value \(value)")
        }
    }

    func testMatchesISO8601DateFormatterForSecondsPart() {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        for _ in 0..<2_000 {
            let seconds = UInt64.random(in: 0...4_102_444_800) // 1970…2100
            let nanos = UInt64.random(in: 0..<nsPerSec)
            let ours = ISO8601Nanos.format(epochNanos: seconds * nsPerSec + nanos)
            let theirs = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            XCTAssertEqual(String(ours.prefix(19)) + "Z", theirs)
        }
    }

    func testEveryDayOfFourCenturiesMatchesFoundation() {
        // 146 097 days = one full Gregorian cycle; step 7 days to keep the test quick but hit every weekday/month.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var day: UInt64 = 0
        while day < 146_097 {
            let value = day * 86_400 * nsPerSec
            let c = calendar.dateComponents([.year, .month, .day],
                                            from: Date(timeIntervalSince1970: TimeInterval(day * 86_400)))
            let expected = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
            XCTAssertEqual(String(ISO8601Nanos.format(epochNanos: value).prefix(10)), expected)
            day += 7
        }
    }

    func testFixedLength() {
        for value in [UInt64(0), 1, 86_400 * nsPerSec - 1, UInt64.max / 2, UInt64.max] {
            XCTAssertEqual(ISO8601Nanos.format(epochNanos: value).utf8.count, ISO8601Nanos.formattedLength)
        }
    }
}
