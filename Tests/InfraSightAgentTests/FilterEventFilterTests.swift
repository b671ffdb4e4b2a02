import Foundation
import XCTest
@testable import InfraSightAgent

/// The filter model: validation of every kind, user names, cgroup and container selectors, the
/// summary and the change list logged on reload.
final class FilterEventFilterTests: XCTestCase {
    let users: [String: UInt32] = ["alice": 1000, "nobody": 65534]

    func filter(allow: FilterArguments = FilterArguments(), deny: FilterArguments = FilterArguments()) throws -> EventFilter {
        try EventFilter(allow: allow, deny: deny, userID: { self.users[$0] })
    }

    func assertRejected(_ allow: FilterArguments = FilterArguments(), _ deny: FilterArguments = FilterArguments(),
                        mentioning text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try filter(allow: allow, deny: deny), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(text), "\(error) does not mention \(text)", file: file, line: line)
        }
    }

    func testEveryKindIsParsedIntoItsList() throws {
        let f = try filter(
            allow: FilterArguments(pids: ["42"], comms: ["nginx"], uids: ["0", "alice"], cgroups: ["/system.slice/"],
                                   containers: ["containerd://ABCDEF0123456789"], pathPrefixes: ["/etc/"]),
            deny: FilterArguments(pids: [" 7 "], comms: ["sshd", "sshd"], uids: ["nobody"], cgroups: ["12345"],
                                  pathPrefixes: ["/proc/"]))
        XCTAssertEqual(f.allow.pids, [42])
        XCTAssertEqual(f.allow.comms, ["nginx"])
        XCTAssertEqual(f.allow.uids, [0, 1000])
        XCTAssertEqual(f.allow.cgroups, [.path("/system.slice"), .container("abcdef0123456789")])
        XCTAssertEqual(f.allow.pathPrefixes, ["/etc/"])
        XCTAssertEqual(f.deny.pids, [7])
        XCTAssertEqual(f.deny.comms, ["sshd"])
        XCTAssertEqual(f.deny.uids, [65534])
        XCTAssertEqual(f.deny.cgroups, [.id(12345)])
        XCTAssertEqual(f.allow.kinds, Set(FilterKind.allCases))
        XCTAssertEqual(f.deny.kinds, Set(FilterKind.allCases))
        XCTAssertFalse(f.isEmpty)
        XCTAssertTrue(try filter().isEmpty)
        XCTAssertEqual(try filter(), EventFilter.none)
    }

    func testInvalidValuesAreRejectedNamingTheOption() {
        assertRejected(FilterArguments(pids: ["0"]), mentioning: "--allow-pid \"0\"")
        assertRejected(FilterArguments(), FilterArguments(pids: ["12a"]), mentioning: "--deny-pid \"12a\"")
        assertRejected(FilterArguments(comms: [""]), mentioning: "--allow-comm")
        assertRejected(FilterArguments(), FilterArguments(comms: ["systemd-journald"]), mentioning: "\"systemd-journal\"")
        assertRejected(FilterArguments(uids: ["mallory"]), mentioning: "--allow-uid \"mallory\"")
        assertRejected(FilterArguments(cgroups: ["system.slice"]), mentioning: "--allow-cgroup")
        assertRejected(FilterArguments(cgroups: ["/a/../b"]), mentioning: "..")
        assertRejected(FilterArguments(), FilterArguments(containers: ["abc123"]), mentioning: "--deny-container")
        assertRejected(FilterArguments(containers: ["zzzzzzzzzzzzzz"]), mentioning: "hex digits")
        assertRejected(FilterArguments(pathPrefixes: [""]), mentioning: "--allow-path-prefix")
        assertRejected(FilterArguments(), FilterArguments(pathPrefixes: [String(repeating: "a", count: 256)]),
                       mentioning: "longer than 255 bytes")
        assertRejected(FilterArguments(pids: (1...1025).map(String.init)), mentioning: "at most 1024")
    }

    func testLimitsAreTheKernelsOwn() throws {
        XCTAssertNoThrow(try filter(allow: FilterArguments(comms: ["systemd-journal"]))) // 15 bytes
        XCTAssertNoThrow(try filter(deny: FilterArguments(pathPrefixes: [String(repeating: "a", count: 255)])))
        XCTAssertNoThrow(try filter(allow: FilterArguments(pids: (1...1024).map(String.init))))
        XCTAssertNoThrow(try filter(allow: FilterArguments(containers: [String(repeating: "ab", count: 32)])))
    }

    func testUserNamesComeFromThePasswdFile() throws {
        let path = NSTemporaryDirectory() + "is-filter-passwd-\(getpid())"
        try "root:x:0:0:root:/root:/bin/bash\nsvc:x:4242:4242::/:/bin/false\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let f = try EventFilter(allow: FilterArguments(), deny: FilterArguments(uids: ["svc", "7"]), passwdPath: path)
        XCTAssertEqual(f.deny.uids, [4242, 7])
        XCTAssertThrowsError(try EventFilter(allow: FilterArguments(uids: ["ghost"]), deny: FilterArguments(), passwdPath: path))
    }

    func testSummaryAndChangesNameSideKindAndEntries() throws {
        let old = try filter(deny: FilterArguments(comms: ["a", "b"], pathPrefixes: ["/x/"]))
        let new = try filter(allow: FilterArguments(uids: ["0"]), deny: FilterArguments(comms: ["b", "c"], pathPrefixes: ["/x/"]))
        XCTAssertEqual(old.summary, "deny comm [a, b]; deny path [/x/]")
        XCTAssertEqual(new.changes(from: old), ["deny comm +c -a", "allow uid +0"])
        XCTAssertEqual(new.changes(from: new), [])
        XCTAssertEqual(EventFilter.none.summary, "none")
        XCTAssertEqual(EventFilter.none.changes(from: old), ["deny comm -a -b", "deny path -/x/"])
    }
}
