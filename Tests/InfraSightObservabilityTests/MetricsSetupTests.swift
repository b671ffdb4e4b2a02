import CoreMetrics
import InfraSightObservability
import XCTest

/// `MetricsBootstrap` and `MetricsAddress`.
final class MetricsSetupTests: XCTestCase {
    func testBootstrapIsIdempotentAndFeedsSwiftMetrics() {
        let first = MetricsBootstrap.bootstrap()
        let second = MetricsBootstrap.bootstrap()
        XCTAssertTrue(first === second)
        XCTAssertTrue(MetricsBootstrap.isBootstrapped)
        Counter(label: "infrasight_bootstraptest_things_total", dimensions: [("reason", "x")]).increment(by: 3)
        let text = MetricsExposition(registry: first).render()
        Exposition.assertValue(#"infrasight_bootstraptest_things_total{reason="x"}"#, 3, in: text)
    }

    func testAddressParsing() throws {
        XCTAssertEqual(try MetricsAddress.parse("127.0.0.1:9464"), MetricsAddress(host: "127.0.0.1", port: 9464))
        XCTAssertEqual(try MetricsAddress.parse("0.0.0.0:0"), MetricsAddress(host: "0.0.0.0", port: 0))
        XCTAssertEqual(try MetricsAddress.parse(":9465"), MetricsAddress(host: "0.0.0.0", port: 9465))
        XCTAssertEqual(try MetricsAddress.parse("[::1]:9466"), MetricsAddress(host: "::1", port: 9466))
        XCTAssertEqual(try MetricsAddress.parse("localhost:1"), MetricsAddress(host: "localhost", port: 1))
        XCTAssertNil(try MetricsAddress.parse("off"))
        XCTAssertNil(try MetricsAddress.parse("OFF"))
        for bad in ["", "9464", "host:", "host:x", "host:70000", "::1:9464", "[::1]9464", "a b:1"] {
            XCTAssertThrowsError(try MetricsAddress.parse(bad), bad)
        }
        XCTAssertEqual(MetricsAddress(host: "::1", port: 9).description, "[::1]:9")
    }
}
