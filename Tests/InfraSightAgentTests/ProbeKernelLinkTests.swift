import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
@testable import InfraSightAgent
#if canImport(Glibc)
import Glibc
#endif

/// Real kernel tests of the `link` probe (same harness as the other probes): this thread makes each of
/// the nine calls, with relative names against a dirfd and the cwd, and every decoded field is checked
/// against what it passed and against the directories it passed them from.
extension ProbeKernelTests {
    func testEveryLinkCallWithBothPathsResolved() throws {
        // set up before the probe attaches (Foundation writes a file by renaming a temporary one)
        let a = tmp + "/a", b = tmp + "/b"
        try FileManager.default.createDirectory(atPath: a, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: b, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: b + "/f", contents: Data("x".utf8)))
        let probe = try makeProbe(.link)
        defer { probe.close() }
        for call in ["symlinkat", "linkat", "unlinkat", "renameat2"] {
            XCTAssertTrue(probe.hookDescription.contains("sys_enter_\(call)/sys_exit_\(call)"), probe.hookDescription)
        }
        let dirA = open(a, O_RDONLY | O_DIRECTORY), dirB = open(b, O_RDONLY | O_DIRECTORY)
        defer { close(dirA); close(dirB) }
        let cwd = FileManager.default.currentDirectoryPath
        defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
        let me = UInt32(ProbeSyscalls.gettid())
        typealias SC = ProbeSyscalls
        func p(_ s: String, _ body: (Int) -> Int) -> Int { SC.withPath(s, body) }
        func p2(_ s: String, _ t: String, _ body: (Int, Int) -> Int) -> Int { SC.withPath(s) { x in SC.withPath(t) { y in body(x, y) } } }
        let AT_FDCWD = -100, AT_SYMLINK_FOLLOW = 0x400, AT_REMOVEDIR = 0x200, RENAME_NOREPLACE = 1

        var results: [Int] = []
        results.append(p2("../b/t", a + "/s1") { SC.call(SC.symlink, $0, $1) })
        results.append(p2("/etc/shadow", "s2") { SC.call(SC.symlinkat, $0, Int(dirA), $1) })
        results.append(p2(b + "/f", a + "/h1") { SC.call(SC.link, $0, $1) })
        results.append(p2("f", "h2") { SC.call(SC.linkat, Int(dirB), $0, Int(dirA), $1, AT_SYMLINK_FOLLOW) })
        results.append(p(a + "/h1") { SC.call(SC.unlink, $0) })
        results.append(p("h2") { SC.call(SC.unlinkat, Int(dirA), $0, 0) })
        results.append(p("nosuch") { SC.call(SC.unlinkat, Int(dirA), $0, AT_REMOVEDIR) })
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(tmp))
        results.append(p2("b/f", "./b/../b/g") { SC.call(SC.rename, $0, $1) })
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(cwd))
        results.append(p2("g", "g") { SC.call(SC.renameat, Int(dirB), $0, Int(dirA), $1) })
        results.append(p2("g", "f") { SC.call(SC.renameat2, Int(dirA), $0, Int(dirB), $1, RENAME_NOREPLACE) })
        results.append(p2("nosuch", "f") { SC.call(SC.renameat2, Int(dirA), $0, Int(dirB), $1, RENAME_NOREPLACE) })
        XCTAssertEqual(results.map { $0 >= 0 }, [true, true, true, true, true, true, false, true, true, true, false], "\(results)")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: a + "/s1"), "../b/t")
        XCTAssertTrue(FileManager.default.fileExists(atPath: b + "/f"), "the file went b/f → b/g → a/g → b/f")

        let recs = collect(probe) { r in r.filter { $0.common.tid == me }.count >= results.count }
        let links = recs.compactMap { r -> KernelLinkEvent? in if case .link(let l) = r, l.common.tid == me { return l }; return nil }
        XCTAssertEqual(links.map(\.syscall), [.symlink, .symlinkat, .link, .linkat, .unlink, .unlinkat, .unlinkat,
                                              .rename, .renameat, .renameat2, .renameat2], "counters \(probe.counters())")
        guard links.count == results.count else { return }
        for (l, r) in zip(links, results) { assertCommon(l.common, ret: Int64(r)) }
        XCTAssertEqual(links.map(\.path), [a + "/s1", "s2", a + "/h1", "h2", a + "/h1", "h2", "nosuch", "./b/../b/g", "g", "f", "f"])
        XCTAssertEqual(links.map(\.oldPath), ["../b/t", "/etc/shadow", b + "/f", "f", "", "", "", "b/f", "g", "g", "nosuch"])
        let cwdFd = Int32(AT_FDCWD)
        XCTAssertEqual(links.map(\.dirfd), [cwdFd, dirA, cwdFd, dirA, cwdFd, dirA, dirA, cwdFd, dirA, dirB, dirB])
        XCTAssertEqual(links.map(\.oldDirfd), [cwdFd, cwdFd, cwdFd, dirB, cwdFd, cwdFd, cwdFd, cwdFd, dirB, dirA, dirA])
        XCTAssertEqual(links.map(\.flags), [0, 0, 0, AT_SYMLINK_FOLLOW, 0, 0, AT_REMOVEDIR, 0, 0, RENAME_NOREPLACE, RENAME_NOREPLACE].map(UInt32.init))
        // The name created or removed, joined onto the cwd or dirfd the kernel walked at the call.
        XCTAssertEqual(links.map(\.resolved.path), [a + "/s1", a + "/s2", a + "/h1", a + "/h2", a + "/h1", a + "/h2", a + "/nosuch",
                                                    b + "/g", a + "/g", b + "/f", b + "/f"])
        // The old name: a symlink's target from the link's directory, the others from their own dirfd or the cwd.
        XCTAssertEqual(links.map(\.oldResolved.path), [b + "/t", "/etc/shadow", b + "/f", b + "/f", "", "", "", b + "/f", b + "/g",
                                                       a + "/g", a + "/nosuch"])
        XCTAssertTrue(links.allSatisfy { $0.resolved.lexical && !$0.resolved.truncated && !$0.pathTruncated && !$0.oldPathTruncated })
        XCTAssertTrue(links.filter { !$0.oldPath.isEmpty }.allSatisfy { $0.oldResolved.lexical && !$0.oldResolved.truncated })
        XCTAssertTrue(links.allSatisfy { KernelRecord.link($0).probe == .link })
    }
}
