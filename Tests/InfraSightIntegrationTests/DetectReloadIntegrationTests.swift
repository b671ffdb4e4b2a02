import Foundation
import InfraSightDetect
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Rules files as an operator lives with them: a bad file is refused at start with its place; a running
/// worker reloads on a change and on SIGHUP, and keeps the rules in force when the new file is bad.
final class DetectReloadIntegrationTests: XCTestCase {
    func testBadFileRefusedAtStartAndReloadOnChangeAndSIGHUP() throws {
        let harness = try PipelineHarness()
        defer { harness.shutdown() }
        // The built-in rules plus the file's one rule, then its two.
        let builtIn = try RuleBook(files: []).rules.count
        let one = "\(builtIn + 1) rules", two = "\(builtIn + 2) rules"
        try harness.cli(["topics", "create", "--partitions", "2"])
        let rules = harness.workDir.appendingPathComponent("local-rules.yaml").path
        let good = """
        - rule: Local marker
          condition: evt.probe = open and fd.name = /srv/marker
          output: "marker read by %proc.name"
          priority: notice
          tags: [T1005]
        """
        let bad = """
        - rule: Local marker
          condition: evt.probe = open and fd.nam = /srv/marker
          output: "marker read by %proc.name"
          priority: notice
        """
        // Refused at start: non-zero exit, and the message names the file, the line, the rule and the key.
        try bad.write(toFile: rules, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try harness.cli(["detect", "--rules", rules, "--check"])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("\(rules):2: rule 'Local marker', condition: column 22: unknown field 'fd.nam' (did you mean 'fd.name'?)"), text)
        }
        // Running: a change is picked up, a bad change is refused and the rules stay, SIGHUP reloads.
        try good.write(toFile: rules, atomically: true, encoding: .utf8)
        XCTAssertTrue(try harness.cli(["detect", "--rules", rules, "--check"]).contains("Local marker"))
        try harness.start("detect", ["detect", "--rules", rules, "--rules-poll", "1", "--alert-log", "off"])
        try harness.waitForLog("detect", containing: "partitions assigned", timeout: 60)
        XCTAssertTrue(harness.log("detect").contains(one), harness.log("detect"))

        try (good + "\n" + good.replacingOccurrences(of: "Local marker", with: "Second marker")).write(toFile: rules, atomically: true, encoding: .utf8)
        try touchLater(rules)
        try harness.waitForLog("detect", containing: "rules reloaded: " + two, timeout: 20)

        try bad.write(toFile: rules, atomically: true, encoding: .utf8)
        try touchLater(rules, seconds: 10)
        try harness.waitForLog("detect", containing: "rules not reloaded, the rules in force stay", timeout: 20)
        XCTAssertTrue(harness.log("detect").contains("unknown field 'fd.nam'"))

        try good.write(toFile: rules, atomically: true, encoding: .utf8)
        try touchLater(rules, seconds: 20)
        try harness.waitForLog("detect", containing: "rules reloaded: " + one, timeout: 20)
        let before = harness.occurrences(of: "rules reloaded", in: "detect")
        harness.stages["detect"]?.signal(SIGHUP)
        harness.waitForLogCount("detect", of: "rules reloaded", above: before, timeout: 20)
        XCTAssertEqual(harness.occurrences(of: "rules reloaded", in: "detect"), before + 1, harness.log("detect"))
        XCTAssertTrue(harness.stages["detect"]?.isRunning ?? false, "SIGHUP must not stop detect")
    }

    /// Moves the file's modification time forward, so a change within the same second is seen.
    private func touchLater(_ path: String, seconds: TimeInterval = 5) throws {
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(seconds)], ofItemAtPath: path)
    }
}
