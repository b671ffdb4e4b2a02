import InfraSightCore
import XCTest

/// The two-generation cache's bound and its promise to entries in use.
final class TwoGenerationCacheTests: XCTestCase {
    func testHoldsAtMostItsCapacity() {
        var cache = TwoGenerationCache<Int, String>(capacity: 8)
        for k in 0..<100 {
            cache.set("v\(k)", for: k)
            XCTAssertLessThanOrEqual(cache.count, 8)
        }
        XCTAssertEqual(cache.value(for: 99), "v99")
        XCTAssertNil(cache.value(for: 0), "a key not used for many insertions is dropped")
    }

    func testAnEntryInUseSurvivesEveryRotation() {
        var cache = TwoGenerationCache<Int, Int>(capacity: 8)   // generations of 4
        cache.set(-1, for: -1)
        for k in 0..<1000 {
            cache.set(k, for: k)
            // Read once per 3 insertions: inside the promise of once per capacity / 2.
            if k % 3 == 0 { XCTAssertEqual(cache.value(for: -1), -1, "lost after insertion \(k)") }
        }
    }

    func testAColdEntryIsDroppedAfterTwoGenerations() {
        var cache = TwoGenerationCache<Int, Int>(capacity: 4)   // generations of 2
        cache.set(0, for: 0)
        cache.set(1, for: 1)
        cache.set(2, for: 2)   // rotates: {0, 1} old
        cache.set(3, for: 3)
        XCTAssertEqual(cache.count, 4)
        cache.set(4, for: 4)   // rotates again: {0, 1} dropped
        XCTAssertNil(cache.value(for: 0))
        XCTAssertNil(cache.value(for: 1))
        XCTAssertEqual(cache.value(for: 2), 2, "promoted from the old generation")
        XCTAssertEqual(cache.value(for: 4), 4)
    }

    func testSetReplacesAndRemoveForgets() {
        var cache = TwoGenerationCache<String, Int>(capacity: 4)
        cache.set(1, for: "a")
        cache.set(2, for: "b")
        cache.set(3, for: "c")          // "a", "b" now old
        cache.set(10, for: "a")         // replaced, and young again
        XCTAssertEqual(cache.value(for: "a"), 10)
        XCTAssertEqual(cache.count, 3, "the old copy of a replaced key is gone")
        cache.remove("a")
        cache.remove("b")
        XCTAssertNil(cache.value(for: "a"))
        XCTAssertNil(cache.value(for: "b"))
        XCTAssertEqual(cache.value(for: "c"), 3)
        XCTAssertEqual(TwoGenerationCache<Int, Int>(capacity: 0).capacity, 2)
    }
}
