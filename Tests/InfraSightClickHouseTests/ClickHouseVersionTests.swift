import XCTest
import InfraSightClickHouse

final class ClickHouseVersionTests: XCTestCase {
    func testParsing() throws {
        let old = try XCTUnwrap(ClickHouseVersion("18.16.1\n"))
        XCTAssertEqual(old.components, [18, 16, 1])
        XCTAssertEqual(old.major, 18)
        XCTAssertEqual(old.minor, 16)
        XCTAssertEqual(old.patch, 1)
        XCTAssertEqual(old.description, "18.16.1")
        XCTAssertEqual(ClickHouseVersion("26.9.2.1")?.components, [26, 9, 2, 1])
        XCTAssertEqual(ClickHouseVersion("24.3.1.2672-lts")?.components, [24, 3, 1, 2672])
        XCTAssertEqual(ClickHouseVersion("  23.8 ")?.components, [23, 8])
        XCTAssertEqual(ClickHouseVersion("21")?.minor, 0)
        XCTAssertNil(ClickHouseVersion(""))
        XCTAssertNil(ClickHouseVersion("v18.16"))
        XCTAssertNil(ClickHouseVersion("Code: 62"))
        XCTAssertNil(ClickHouseVersion("99999999999999999999999.1"))
    }

    func testComparison() throws {
        let v18 = try XCTUnwrap(ClickHouseVersion("18.16.1"))
        let v26 = try XCTUnwrap(ClickHouseVersion("26.9.1.1"))
        XCTAssertLessThan(v18, v26)
        XCTAssertGreaterThan(v26, v18)
        XCTAssertLessThan(ClickHouseVersion(18, 16, 1), ClickHouseVersion(18, 16, 1, 1))
        XCTAssertLessThan(ClickHouseVersion(9, 99), ClickHouseVersion(18, 1))   // numeric, not lexicographic
        XCTAssertLessThan(ClickHouseVersion(20, 9), ClickHouseVersion(20, 10))
        XCTAssertEqual(ClickHouseVersion(18, 16), ClickHouseVersion(18, 16, 0))
        XCTAssertGreaterThanOrEqual(v26, ClickHouseVersion(20, 1))   // e.g. DateTime64 available
        XCTAssertFalse(v18 >= ClickHouseVersion(20, 1))
        XCTAssertEqual([v26, v18, ClickHouseVersion(19, 1)].sorted().map(\.major), [18, 19, 26])
    }
}
