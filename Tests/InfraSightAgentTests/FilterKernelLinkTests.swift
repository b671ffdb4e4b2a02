import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
@testable import InfraSightAgent
#if canImport(Glibc)
import Glibc
#endif

/// The path filters on the `link` probe in the real kernel: both of a rename's or link's paths are
/// judged where they resolve to, and the record is dropped (counted once) only when every path it has
/// is refused; a symlink's relative target is not judged.
extension FilterKernelProbeTests {
    func testLinkPathFiltersJudgeBothResolvedPaths() throws {
        let ok = tmp + "/ok", deny = tmp + "/deny"
        for d in [ok, deny] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        touch([deny + "/out", ok + "/in", deny + "/a", deny + "/gone"])
        let denyDir = open(deny, O_RDONLY | O_DIRECTORY)
        defer { close(denyDir) }
        let probe = try makeProbe(.link, try tables(deny: FilterArguments(pathPrefixes: [deny + "/"])))
        defer { probe.close() }
        let before = probe.counters()
        XCTAssertEqual(rename(deny + "/out", ok + "/out"), 0)        // old denied, new admitted: kept
        XCTAssertEqual(rename(ok + "/in", deny + "/in"), 0)          // new denied, old admitted: kept
        XCTAssertEqual(renameat(denyDir, "a", denyDir, "b"), 0)      // both denied (relative to a dirfd): dropped
        XCTAssertEqual(unlinkat(denyDir, "gone", 0), 0)              // the one path denied: dropped
        XCTAssertEqual(symlink("../ok/out", deny + "/l"), 0)         // link denied, relative target not judged: dropped
        XCTAssertEqual(link(deny + "/b", ok + "/hard"), 0)           // a hard link out of the denied directory: kept
        let after = probe.counters()
        let seen = drain(probe) { $0.common.pid == self.me }.compactMap { r -> KernelLinkEvent? in
            if case .link(let l) = r { return l }; return nil
        }
        XCTAssertEqual(after.filteredPath - before.filteredPath, 3, "renameat within, unlinkat in and symlink into the denied directory")
        XCTAssertEqual(seen.map(\.syscall), [.rename, .rename, .link])
        XCTAssertEqual(seen.map(\.resolved.path), [ok + "/out", deny + "/in", ok + "/hard"])
        XCTAssertEqual(seen.map(\.oldResolved.path), [deny + "/out", ok + "/in", deny + "/b"])
    }

    /// link judges pid, comm, uid and cgroup at sys_enter like the other probes: denied calls are counted
    /// once and never an enter miss; after the filter is lifted every call is emitted.
    func testTheLinkProbeAppliesTheProcessFiltersAtEnter() throws {
        touch([tmp + "/p/one", tmp + "/p/two"])
        let probe = try makeProbe(.link, try tables(deny: FilterArguments(pids: ["\(me)"])))
        defer { probe.close() }
        var before = probe.counters()
        XCTAssertEqual(rename(tmp + "/p/one", tmp + "/p/one.1"), 0)
        XCTAssertEqual(unlink(tmp + "/p/one.1"), 0)
        XCTAssertEqual(unlink(tmp + "/p/missing"), -1)
        var after = probe.counters()
        XCTAssertEqual(after.filteredPid - before.filteredPid, 3)
        XCTAssertEqual(after.enterMisses - before.enterMisses, 0, "a filtered syscall is not an enter miss")
        XCTAssertEqual(drain(probe) { $0.common.pid == self.me }.count, 0)

        try probe.setFilter(try tables())
        before = probe.counters()
        XCTAssertEqual(rename(tmp + "/p/two", tmp + "/p/two.1"), 0)
        XCTAssertEqual(unlink(tmp + "/p/two.1"), 0)
        let records = drain(probe) { $0.common.pid == self.me }.compactMap { r -> KernelLinkEvent? in
            if case .link(let l) = r { return l }; return nil
        }
        after = probe.counters()
        XCTAssertEqual(records.map(\.syscall), [.rename, .unlink])
        XCTAssertEqual(records.map(\.resolved.path), [tmp + "/p/two.1", tmp + "/p/two.1"])
        XCTAssertGreaterThanOrEqual(after.emitted - before.emitted, 2)
        XCTAssertEqual(after.filteredPid - before.filteredPid, 0)
    }
}
