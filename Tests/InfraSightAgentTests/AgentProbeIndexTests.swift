import InfraSightCore
@testable import InfraSightAgent
import XCTest

/// The agent's per-probe index (its tallies and delivery-report tokens) is written out by hand, one
/// case per probe, so that no event pays for a search. Two probes added side by side once got the same
/// index; this keeps it equal to the probe's place in `Probe.allCases`.
final class AgentProbeIndexTests: XCTestCase {
    func testEveryProbeIndexIsItsPlaceInAllCasesAndTokensRoundTrip() {
        for (i, probe) in Probe.allCases.enumerated() {
            XCTAssertEqual(AgentStage.index(of: probe), i, "\(probe)")
            XCTAssertEqual(AgentStage.probe(forToken: AgentStage.token(for: probe)), probe, "\(probe)")
        }
        XCTAssertNil(AgentStage.probe(forToken: AgentStage.token(for: Probe.allCases.last!) + 1))
    }
}
