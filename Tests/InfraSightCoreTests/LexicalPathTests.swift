import XCTest
@testable import InfraSightCore

/// The user-space half of a lexical resolved path: the passed path joined onto the directory the
/// kernel read at the syscall, then normalised.
final class LexicalPathTests: XCTestCase {
    /// Both entry points (the String one with its shortcuts, the bytes one that always normalises)
    /// must agree; returns their answer.
    func join(_ directory: String, _ passed: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        var d = directory, p = passed
        let general = d.withUTF8 { dir in p.withUTF8 { LexicalPath.join(directory: UnsafeRawBufferPointer(dir), passed: UnsafeRawBufferPointer($0)) } }
        let fast = d.withUTF8 { LexicalPath.join(directory: UnsafeRawBufferPointer($0), passed: passed) }
        XCTAssertEqual(fast, general, "\(directory) + \(passed)", file: file, line: line)
        return general
    }

    func testNormalFormIsRecognised() {
        func normal(_ s: String, absolute: Bool) -> Bool {
            var s = s
            return s.withUTF8 { LexicalPath.isNormal(UnsafeRawBufferPointer($0), absolute: absolute) }
        }
        for s in ["/", "/etc", "/etc/shadow", "/a/.b/c..", "/a/..."] { XCTAssertTrue(normal(s, absolute: true), s) }
        for s in ["", "//", "/etc/", "/etc//x", "/./x", "/x/.", "/x/..", "etc"] { XCTAssertFalse(normal(s, absolute: true), s) }
        for s in ["", "a", "a/b", ".hidden/tool", "a..b"] { XCTAssertTrue(normal(s, absolute: false), s) }
        for s in ["/a", "a/", "a//b", "./a", "a/./b", "../a", "a/.."] { XCTAssertFalse(normal(s, absolute: false), s) }
    }

    func testRelativeJoinsOntoTheDirectory() {
        XCTAssertEqual(join("/etc", "shadow"), "/etc/shadow")
        XCTAssertEqual(join("/home/u", ".hidden/tool"), "/home/u/.hidden/tool")
        XCTAssertEqual(join("/", "etc/hosts"), "/etc/hosts")
        XCTAssertEqual(join("/a/b", "c"), "/a/b/c")
    }

    func testAbsoluteIgnoresTheDirectory() {
        XCTAssertEqual(join("/tmp", "/etc/shadow"), "/etc/shadow")
        XCTAssertEqual(join("", "/etc/shadow"), "/etc/shadow")
    }

    func testDotsAndSlashesAreNormalised() {
        XCTAssertEqual(join("/tmp/a", "../../etc/./shadow"), "/etc/shadow")
        XCTAssertEqual(join("/tmp", "x//y/"), "/tmp/x/y")
        XCTAssertEqual(join("/tmp", "."), "/tmp")
        XCTAssertEqual(join("/tmp", ".."), "/")
        XCTAssertEqual(join("/", "../../.."), "/", "never above the root")
        XCTAssertEqual(join("/a", "..."), "/a/...", "three dots is a name")
        XCTAssertEqual(join("/a", "..b/.c"), "/a/..b/.c")
    }

    func testEmptyPassedPathNamesTheDirectory() {
        XCTAssertEqual(join("/proc/self", ""), "/proc/self")
        XCTAssertEqual(join("", ""), "/")
    }

    func testNonUTF8BytesAreKeptAsReplacement() {
        let dir: [UInt8] = Array("/tmp/".utf8) + [0xff]
        let out = dir.withUnsafeBytes { d in Array("x".utf8).withUnsafeBytes { LexicalPath.join(directory: d, passed: $0) } }
        XCTAssertEqual(out, "/tmp/\u{FFFD}/x")
    }
}
