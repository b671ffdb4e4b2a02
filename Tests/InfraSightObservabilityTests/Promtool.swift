import Foundation
import XCTest

/// Runs Prometheus' `promtool check metrics` (Debian package `prometheus`, installed by scripts/deps.sh)
/// on an exposition. Missing promtool is a test failure, not a skip.
enum Promtool {
    static let candidates = ["/usr/bin/promtool", "/usr/local/bin/promtool"]

    static func checkMetrics(_ exposition: String, file: StaticString = #filePath, line: UInt = #line) throws {
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            XCTFail("promtool not found (\(candidates.joined(separator: ", "))): run scripts/deps.sh (Debian package prometheus)",
                    file: file, line: line)
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(exposition.utf8))
        try input.fileHandleForWriting.close()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0,
                       "promtool check metrics failed:\n\(report)\non:\n\(exposition)", file: file, line: line)
    }
}
