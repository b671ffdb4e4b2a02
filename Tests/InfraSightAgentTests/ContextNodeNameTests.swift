import InfraSightCore
import XCTest
@testable import InfraSightAgent

final class ContextNodeNameTests: XCTestCase {
    func testOverrideWins() {
        XCTAssertEqual(NodeName.current(environment: ["INFRASIGHT_NODE_NAME": "explicit", "NODE_NAME": "k8s"]), "explicit")
    }

    func testKubernetesNodeName() {
        XCTAssertEqual(NodeName.current(environment: ["NODE_NAME": "worker-7"]), "worker-7")
        XCTAssertEqual(NodeName.current(environment: ["INFRASIGHT_NODE_NAME": "  ", "NODE_NAME": " worker-7\n"]), "worker-7")
    }

    func testFallsBackToUname() {
        let kernel = NodeName.unameNodeName()
        XCTAssertFalse(kernel.isEmpty)
        XCTAssertEqual(NodeName.current(environment: [:]), kernel)
        XCTAssertEqual(NodeName.current(environment: ["NODE_NAME": ""]), kernel)
        let procName = (try? String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if let procName { XCTAssertEqual(kernel, procName) }
    }
}
