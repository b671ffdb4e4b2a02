import Foundation
import Glibc
import InfraSightCore
@testable import InfraSightEnrich
import InfraSightTestSupport
import XCTest

/// `ModeText` and the `mode-text` step.
final class ModeTextTests: XCTestCase {
    func testExamples() {
        XCTAssertEqual(ModeText.text(0o644), "0644 rw-r--r--")
        XCTAssertEqual(ModeText.text(0o755), "0755 rwxr-xr-x")
        XCTAssertEqual(ModeText.text(0o4755), "4755 rwsr-xr-x")
        XCTAssertEqual(ModeText.text(0o4644), "4644 rwSr--r--")
        XCTAssertEqual(ModeText.text(0o2755), "2755 rwxr-sr-x")
        XCTAssertEqual(ModeText.text(0o2644), "2644 rw-r-Sr--")
        XCTAssertEqual(ModeText.text(0o1777), "1777 rwxrwxrwt")
        XCTAssertEqual(ModeText.text(0o1776), "1776 rwxrwxrwT")
        XCTAssertEqual(ModeText.text(0), "0000 ---------")
        XCTAssertEqual(ModeText.text(0o7777), "7777 rwsrwsrwt")
        XCTAssertEqual(ModeText.text(0o100644), "0644 rw-r--r--", "file-type bits are ignored")
    }

    /// Every one of the 4096 modes against coreutils' `stat -c '%a %A'` on real files.
    func testAllModesMatchCoreutilsStat() throws {
        guard geteuid() == 0 else { throw TestSupportError("setting setgid on a file needs root") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modetext-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for mode in 0..<4096 {
            let path = dir.appendingPathComponent(String(mode)).path
            let fd = open(path, O_CREAT | O_WRONLY, 0o600)
            XCTAssertGreaterThanOrEqual(fd, 0)
            close(fd)
            XCTAssertEqual(chmod(path, mode_t(mode)), 0)
            paths.append(path)
        }
        let stat = Process()
        stat.executableURL = URL(fileURLWithPath: "/usr/bin/stat")
        stat.arguments = ["-c", "%a %A"] + paths
        let pipe = Pipe()
        stat.standardOutput = pipe
        try stat.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        stat.waitUntilExit()
        let lines = out.split(separator: "\n")
        XCTAssertEqual(lines.count, 4096)
        for (mode, line) in lines.enumerated() {
            let parts = line.split(separator: " ")
            let octal = String(repeating: "0", count: max(0, 4 - parts[0].count)) + parts[0]
            let expected = octal + " " + parts[1].dropFirst()   // drop the file-type letter
            XCTAssertEqual(ModeText.text(UInt32(mode)), expected)
        }
    }

    func testStepOnlyForCreatingOpensAndChmod() {
        func open(_ flags: UInt32, _ mode: UInt32) -> String {
            var e = Event()
            var d = OpenDetail()
            d.flags = flags
            d.mode = mode
            e.open = d
            ModeTextStep().apply(to: &e)
            return e.enriched.modeText
        }
        XCTAssertEqual(open(0o1 | 0o100 | 0o1000, 0o644), "0644 rw-r--r--")
        XCTAssertEqual(open(0o2 | 0o20200000, 0o600), "0600 rw-------")
        XCTAssertEqual(open(0, 0o644), "", "mode ignored without O_CREAT/O_TMPFILE")
        XCTAssertEqual(open(0o200000, 0o644), "", "O_DIRECTORY alone is not O_TMPFILE")

        var c = Event()
        var cd = ChmodDetail()
        cd.mode = 0o4755
        c.chmod = cd
        ModeTextStep().apply(to: &c)
        XCTAssertEqual(c.enriched.modeText, "4755 rwsr-xr-x")
    }
}
