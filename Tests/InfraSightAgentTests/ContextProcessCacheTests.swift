import Foundation
@testable import InfraSightAgent
import InfraSightCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The process cache against the real /proc of this machine.
final class ContextProcessCacheTests: XCTestCase {
    let identity = EventIdentity(bootID: "boot-1", nodeName: "node-a")

    func testProcStatParsesCommWithSpacesAndParentheses() throws {
        var fields = ["S", "77"] + Array(repeating: "0", count: 17) + ["123456"] + ["0", "0"]
        fields[1] = "77"
        let line = "4242 (we) ird (name)) " + fields.joined(separator: " ")
        let parsed = try XCTUnwrap(ProcStat.parse(Array(line.utf8)))
        XCTAssertEqual(parsed, .init(comm: "we) ird (name)", ppid: 77, startTicks: 123456))
        XCTAssertNil(ProcStat.parse(Array("garbage".utf8)))
        XCTAssertNil(ProcStat.parse(Array("1 (x) S 2".utf8)))
    }

    func testOwnProcessHasExeCwdAndAncestry() throws {
        let cache = ProcessCache(identity: identity)
        let me = UInt32(getpid())
        let ctx = cache.context(pid: me)
        XCTAssertFalse(ctx.execID.isEmpty)
        XCTAssertEqual(ctx.exe, try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        XCTAssertEqual(ctx.cwd, FileManager.default.currentDirectoryPath)
        XCTAssertEqual(ctx.ancestors.first?.pid, UInt32(getppid()))
        XCTAssertEqual(ctx.parentExecID, ctx.ancestors.first?.execID)
        XCTAssertLessThanOrEqual(ctx.ancestors.count, 8)
        XCTAssertEqual(cache.context(pid: me).execID, ctx.execID, "stable for the same execution")
        XCTAssertEqual(ProcessCache(identity: identity).context(pid: me).execID, ctx.execID, "derived, not random")
    }

    /// A `/bin/sleep 5` child of this test process, given time to exec.
    private func sleepingChild() throws -> Process {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["5"]
        try child.run()
        usleep(200_000)
        return child
    }

    /// The parent is identified in full; further ancestors carry pid and comm only, unless `.all`.
    func testAncestryDetailIdentifiesTheParentOrEveryAncestor() throws {
        let child = try sleepingChild()
        defer { child.terminate(); child.waitUntilExit() }
        let pid = UInt32(child.processIdentifier)
        let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")

        let parentOnly = ProcessCache(identity: identity).context(pid: pid)
        XCTAssertGreaterThanOrEqual(parentOnly.ancestors.count, 2, "the test process and its parent")
        XCTAssertEqual(parentOnly.ancestors[0].pid, UInt32(getpid()))
        XCTAssertEqual(parentOnly.ancestors[0].exe, me)
        XCTAssertEqual(parentOnly.ancestors[0].execID, parentOnly.parentExecID)
        XCTAssertFalse(parentOnly.ancestors[0].execID.isEmpty)
        for a in parentOnly.ancestors.dropFirst() {
            XCTAssertNotEqual(a.pid, 0)
            XCTAssertFalse(a.comm.isEmpty, "names stay for every ancestor")
            XCTAssertEqual(a.exe, "", "ancestor \(a.pid): no exe beyond the parent")
            XCTAssertEqual(a.execID, "", "ancestor \(a.pid): no exec_id beyond the parent")
        }

        let all = ProcessCache(identity: identity, ancestryDetail: .all).context(pid: pid)
        XCTAssertEqual(all.ancestors.map(\.pid), parentOnly.ancestors.map(\.pid))
        XCTAssertEqual(all.ancestors.map(\.comm), parentOnly.ancestors.map(\.comm))
        XCTAssertEqual(all.ancestors[1].pid, UInt32(getppid()))
        XCTAssertEqual(all.ancestors[1].execID, ProcessCache(identity: identity).context(pid: UInt32(getpid())).parentExecID)
        XCTAssertTrue(all.ancestors.allSatisfy { !$0.execID.isEmpty }, "every ancestor identified")
        // The encoded bodies say the same as the contexts.
        XCTAssertEqual(try ProcessContext(serializedBytes: ProcessCache(identity: identity).encodedContext(pid: pid, ppid: UInt32(getpid()))), parentOnly)
    }

    func testChildLinksToParentExecution() throws {
        let child = try sleepingChild()
        defer { child.terminate(); child.waitUntilExit() }
        let cache = ProcessCache(identity: identity)
        let childCtx = cache.context(pid: UInt32(child.processIdentifier))
        XCTAssertEqual(childCtx.exe, "/usr/bin/sleep")
        XCTAssertEqual(childCtx.ancestors.first?.pid, UInt32(getpid()))
        XCTAssertEqual(childCtx.parentExecID, cache.context(pid: UInt32(getpid())).execID)
    }

    func testExecStartsANewExecutionAndExitForgets() {
        let cache = ProcessCache(identity: identity)
        let me = UInt32(getpid())
        let before = cache.context(pid: me).execID
        cache.recordExec(pid: me, ppid: UInt32(getppid()), bootNs: 999, comm: "new", filename: "/bin/new")
        let after = cache.context(pid: me)
        XCTAssertNotEqual(after.execID, before)
        XCTAssertEqual(after.startBootNs, 999)
        cache.recordExit(pid: me)
        XCTAssertEqual(cache.context(pid: me).execID, before, "re-read from /proc after exit")
        XCTAssertTrue(cache.context(pid: 0x7fff_fff0).execID.isEmpty, "unknown pid: empty context")
    }

    func testAGoneProcessStillGetsItsParentChainFromTheReportedPpid() {
        let cache = ProcessCache(identity: identity)
        let me = UInt32(getpid())
        let gone: UInt32 = 0x7fff_fff0
        let ctx = cache.context(pid: gone, ppid: me)
        XCTAssertTrue(ctx.execID.isEmpty, "its own execution is unknown")
        XCTAssertEqual(ctx.ancestors.first?.pid, me)
        XCTAssertEqual(ctx.parentExecID, cache.context(pid: me).execID)
    }

    func testCapacityIsBounded() {
        let cache = ProcessCache(identity: identity, capacity: 64)
        for pid in 1_000_000..<1_000_200 {
            cache.recordExec(pid: UInt32(pid), ppid: 1, bootNs: UInt64(pid), comm: "x", filename: "/x")
        }
        XCTAssertLessThanOrEqual(cache.count, 64)
    }
}
