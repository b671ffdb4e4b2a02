import XCTest
@testable import InfraSightAgent

/// The user-space half of a lexical resolved path: the passed path joined onto the directory the
/// kernel read at the syscall, then normalised.
final class LexicalPathTests: XCTestCase {
    func join(_ directory: String, _ passed: String) -> String {
        var d = directory, p = passed
        return d.withUTF8 { dir in p.withUTF8 { LexicalPath.join(directory: UnsafeRawBufferPointer(dir), passed: UnsafeRawBufferPointer($0)) } }
    }

    func testRelativeJoinsOntoTheDirectory() {
        XCTAssertEqual(join("/etc", "shadow"), "/etc/shadow")
        XCTAssertEqual(join("/home/u", ".hidden/tool"), "/home/u/.hidden/tool")
        XCTAssertEqual(join("/", "etc/hosts"), "/etc/hosts")
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
