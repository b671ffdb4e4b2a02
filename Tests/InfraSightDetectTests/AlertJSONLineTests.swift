import Foundation
import InfraSightCore
import XCTest
@testable import InfraSightDetect

/// The alert log under the two ways logrotate rotates a file: renamed away (then reopened), and
/// copied then truncated (appends land at the new end, no hole of zeros).
final class AlertJSONLineTests: XCTestCase {
    private func alert(_ rule: String) -> AlertRecord {
        var a = AlertRecord()
        a.alertID = AlertRecord.identity(rule: rule, version: 1, eventIDs: ["e"])
        a.rule = rule
        return a
    }

    private func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func testRenamedLogIsReopenedAndTruncatedLogIsAppendedAtItsEnd() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("alertlog-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("alerts.jsonl").path
        let log = try AlertJSONLine(target: path)
        XCTAssertFalse(try log.reopenIfRotated(), "nothing rotated yet")
        log.write(alert("first"))

        // logrotate `create`: the file is renamed, the next alerts must go to a new file at the path.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        XCTAssertTrue(try log.reopenIfRotated())
        log.write(alert("second"))
        XCTAssertEqual(lines(path + ".1").count, 1)
        XCTAssertTrue(lines(path + ".1")[0].contains("\"rule\":\"first\""))
        XCTAssertEqual(lines(path).count, 1)
        XCTAssertTrue(lines(path)[0].contains("\"rule\":\"second\""))

        // logrotate `copytruncate`: same file, emptied; the next line starts at byte 0.
        XCTAssertTrue(truncate(path, 0) == 0)
        log.write(alert("third"))
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertEqual(data.first, UInt8(ascii: "{"), "a hole of zeros before the line: the log is not opened for appending")
        XCTAssertEqual(lines(path).count, 1)
        XCTAssertFalse(try log.reopenIfRotated())
    }

    func testUnwritableLogIsRefusedWithItsPath() {
        XCTAssertThrowsError(try AlertJSONLine(target: "/proc/no-such-dir/alerts.jsonl")) { error in
            XCTAssertTrue("\(error)".contains("/proc/no-such-dir/alerts.jsonl"), "\(error)")
        }
    }
}
