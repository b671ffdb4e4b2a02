import InfraSightCore
@testable import InfraSightEnrich
import XCTest

/// The default enrichment steps applied to a real-shaped event.
final class EnrichmentStepsTests: XCTestCase {
    func testDefaultPipelineFillsEveryPromisedField() throws {
        var e = Event()
        e.timeNs = 1_795_000_000_123_456_789
        e.latencyNs = 2_500_000
        e.ret = -13
        try EnrichmentPipeline(names: EnrichmentPipeline.defaultNames).apply(to: &e)
        XCTAssertEqual(e.enriched.timeIso8601, ISO8601Nanos.format(epochNanos: e.timeNs))
        XCTAssertTrue(e.enriched.timeIso8601.hasSuffix(".123456789Z"))
        XCTAssertEqual(e.enriched.latencyMs, 2.5, accuracy: 1e-12)
        XCTAssertEqual(e.enriched.errnoName, "EACCES")
        XCTAssertFalse(e.enriched.enrichedBy.isEmpty)
    }

    func testSuccessHasNoErrnoName() throws {
        var e = Event()
        e.ret = 0
        ErrnoNameStep().apply(to: &e)
        XCTAssertEqual(e.enriched.errnoName, "")
    }

    func testUnknownStepIsRejectedWithTheKnownOnes() {
        XCTAssertThrowsError(try EnrichmentPipeline(names: ["time-iso8601", "geoip"])) { error in
            XCTAssertTrue("\(error)".contains("geoip"))
            XCTAssertTrue("\(error)".contains("errno-name"))
        }
    }
}
