import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
@testable import InfraSightAgent
#if canImport(Glibc)
import Glibc
#endif

/// The filters in the real kernel through `BPFProbe`: path prefixes at sys_exit (deny wins over a
/// longer allow; fchmod has no path), pid and comm at sys_enter without an enter-miss, exec's comm
/// judged as the new program's, and `setFilter` flipping the configuration while attached. Each
/// filtered syscall is counted exactly once. Needs root and BPF; FAILS (never skips) without them.
final class FilterKernelProbeTests: XCTestCase {
    let me = UInt32(getpid())
    var tmp = ""

    override func setUp() {
        super.setUp()
        tmp = NSTemporaryDirectory() + "is-filter-k-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: tmp)
        super.tearDown()
    }

    func tables(allow: FilterArguments = FilterArguments(), deny: FilterArguments = FilterArguments()) throws -> KernelFilterTables {
        KernelFilterTables(filter: try EventFilter(allow: allow, deny: deny, userID: { _ in nil }),
                           cgroupIDs: { if case .id(let id) = $0 { return [id] } else { return [] } })
    }

    func makeProbe(_ p: Probe, _ filter: KernelFilterTables) throws -> BPFProbe {
        do {
            return try BPFProbe(p, ringBufferBytes: 1 << 20, excludedPids: [], filter: filter)
        } catch {
            XCTFail("kernel refused the \(p.rawValue) probe with filters (need root + BPF, `make -C bpf`): \(error)")
            throw error
        }
    }

    /// Drains the ring buffer until it has been empty twice in a row; returns records matching `keep`.
    func drain(_ probe: BPFProbe, keep: (KernelRecord) -> Bool) -> [KernelRecord] {
        var out: [KernelRecord] = []
        var empty = 0
        while empty < 2 {
            let n = probe.consume { if keep($0) { out.append($0) } }
            empty = n == 0 ? empty + 1 : 0
            usleep(5000)
        }
        return out
    }

    func paths(_ records: [KernelRecord]) -> [String] {
        records.compactMap {
            switch $0 {
            case .open(let e): return e.path
            case .chmod(let e): return e.syscall == .fchmod ? "fchmod" : e.path
            default: return nil
            }
        }
    }

    func touch(_ paths: [String]) {
        for p in paths {
            try? FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: p, contents: nil)
        }
    }

    func openEach(_ paths: [String], times: Int) {
        for _ in 0..<times { for p in paths { let r = ProbeSyscalls.withPath(p) { ProbeSyscalls.call(ProbeSyscalls.openat, -100, $0, Int(O_RDONLY)) }; if r >= 0 { close(Int32(r)) } } }
    }

    func testPathPrefixesDenyWinsAndAReloadFlipsThemWhileAttached() throws {
        let keep = tmp + "/keep/f", denied = tmp + "/deny/f", deniedInsideAllow = tmp + "/deny/open/f"
        touch([keep, denied, deniedInsideAllow])
        let first = try tables(allow: FilterArguments(pathPrefixes: [tmp + "/", tmp + "/deny/open/"]),
                               deny: FilterArguments(pathPrefixes: [tmp + "/deny/"]))
        let probe = try makeProbe(.open, first)
        defer { probe.close() }
        let generation = probe.filterGeneration
        openEach([keep, denied, deniedInsideAllow], times: 5)
        let seen = paths(drain(probe) { $0.common.pid == self.me })
        XCTAssertEqual(seen.filter { $0 == keep }.count, 5)
        XCTAssertEqual(seen.filter { $0.hasPrefix(self.tmp) && $0 != keep }, [], "denied paths reached the ring buffer")

        // Reload: only a deny list now (so the count is exact: nobody else opens these paths).
        try probe.setFilter(try tables(deny: FilterArguments(pathPrefixes: [tmp + "/keep/"])))
        XCTAssertNotEqual(probe.filterGeneration, generation)
        let before = probe.counters()
        openEach([keep, denied, deniedInsideAllow], times: 4)
        let after = probe.counters()
        let seenNow = paths(drain(probe) { $0.common.pid == self.me })
        XCTAssertEqual(after.filteredPath - before.filteredPath, 4)
        XCTAssertEqual(seenNow.filter { $0 == keep }.count, 0)
        XCTAssertEqual(seenNow.filter { $0 == denied }.count, 4)
        XCTAssertEqual(seenNow.filter { $0 == deniedInsideAllow }.count, 4)

        // No filters: everything passes again.
        try probe.setFilter(.empty)
        openEach([keep], times: 3)
        XCTAssertEqual(paths(drain(probe) { $0.common.pid == self.me }).filter { $0 == keep }.count, 3)
    }

    func testPidAndCommAreDecidedAtEnterAndCountedOnceWithoutAnEnterMiss() throws {
        let file = tmp + "/c"
        touch([file])
        let fd = open(file, O_RDONLY)
        defer { close(fd) }
        let probe = try makeProbe(.chmod, try tables(deny: FilterArguments(pids: ["\(me)"], pathPrefixes: [tmp + "/"])))
        defer { probe.close() }
        var before = probe.counters()
        for _ in 0..<3 { _ = ProbeSyscalls.withPath(file) { ProbeSyscalls.call(ProbeSyscalls.chmod, $0, 0o644) } }
        var after = probe.counters()
        XCTAssertEqual(after.filteredPid - before.filteredPid, 3)
        XCTAssertEqual(after.enterMisses - before.enterMisses, 0, "a filtered syscall is not an enter miss")
        XCTAssertEqual(drain(probe) { $0.common.pid == self.me }.count, 0)

        // comm: this thread's own name. fchmod passes no path, but the path filter judges the file its fd
        // names (the resolved path), so the first fchmod, before the rename, is refused by the path deny.
        let comm = "isflt\(UInt32.random(in: 0...999_999))"
        let commFile = "/proc/self/task/\(ProbeSyscalls.gettid())/comm"
        let old = try String(contentsOfFile: commFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        defer { try? old.write(toFile: commFile, atomically: false, encoding: .utf8) }
        try probe.setFilter(try tables(deny: FilterArguments(comms: [comm], pathPrefixes: [tmp + "/"])))
        before = probe.counters()
        XCTAssertEqual(ProbeSyscalls.call(ProbeSyscalls.fchmod, Int(fd), 0o644), 0)
        XCTAssertEqual(ProbeSyscalls.withPath(file) { ProbeSyscalls.call(ProbeSyscalls.chmod, $0, 0o644) }, 0)
        try comm.write(toFile: commFile, atomically: false, encoding: .utf8)
        for _ in 0..<2 { _ = ProbeSyscalls.call(ProbeSyscalls.fchmod, Int(fd), 0o600) }
        after = probe.counters()
        XCTAssertEqual(after.filteredComm - before.filteredComm, 2)
        XCTAssertEqual(after.filteredPath - before.filteredPath, 2, "fchmod of a file under the denied prefix and chmod(path), counted once each")
        XCTAssertEqual(paths(drain(probe) { $0.common.pid == self.me }), [], "nothing passes: path, then comm")
    }

    /// Path filters judge the file reached, not the string passed: a relative path (against a dirfd), a
    /// failed relative open (the walked directory joined with the name) and a symlink into a denied
    /// directory are judged by where they lead (issue 13).
    func testPathFiltersJudgeTheResolvedPath() throws {
        let allowed = tmp + "/allow/f", denied = tmp + "/deny/f", link = tmp + "/allow/link-to-denied"
        touch([allowed, denied])
        XCTAssertEqual(symlink(denied, link), 0)
        let allowDir = open(tmp + "/allow", O_RDONLY | O_DIRECTORY), denyDir = open(tmp + "/deny", O_RDONLY | O_DIRECTORY)
        defer { close(allowDir); close(denyDir) }
        let probe = try makeProbe(.open, try tables(allow: FilterArguments(pathPrefixes: [tmp + "/allow/", tmp + "/deny/"]),
                                                    deny: FilterArguments(pathPrefixes: [tmp + "/deny/"])))
        defer { probe.close() }
        func openat(_ dirfd: Int32, _ name: String) -> Int {
            let r = ProbeSyscalls.withPath(name) { ProbeSyscalls.call(ProbeSyscalls.openat, Int(dirfd), $0, Int(O_RDONLY)) }
            if r >= 0 { close(Int32(r)) }
            return r
        }
        let before = probe.counters()
        XCTAssertGreaterThanOrEqual(openat(allowDir, "f"), 0)           // relative, allowed: kept
        XCTAssertLessThan(openat(allowDir, "missing"), 0)               // failed, relative, allowed dir: kept
        XCTAssertGreaterThanOrEqual(openat(denyDir, "f"), 0)            // relative, denied: refused
        XCTAssertLessThan(openat(denyDir, "missing"), 0)                // failed, relative, denied dir: refused
        XCTAssertGreaterThanOrEqual(openat(-100, link), 0)              // absolute symlink into the denied dir: refused
        let after = probe.counters()
        let seen = drain(probe) { $0.common.pid == self.me }
        XCTAssertEqual(after.filteredPath - before.filteredPath, 3, "the denied relative, failed-relative and symlinked opens, counted once each")
        XCTAssertEqual(paths(seen).sorted(), ["f", "missing"], "only the allowed relative opens pass")
        let resolved = seen.compactMap { r -> String? in if case .open(let e) = r { return e.resolved.path } else { return nil } }
        XCTAssertEqual(resolved.sorted(), [allowed, tmp + "/allow/missing"].sorted())
    }

    func testExecCommIsTheNewProgramsAndIsJudgedAtExit() throws {
        let name = "isfltx\(UInt32.random(in: 0...99_999))"
        let exe = tmp + "/" + name
        try FileManager.default.createSymbolicLink(atPath: exe, withDestinationPath: "/bin/true")
        let probe = try makeProbe(.execve, try tables(deny: FilterArguments(comms: [name])))
        defer { probe.close() }
        let before = probe.counters()
        var children: [UInt32] = []
        for _ in 0..<3 { let pid = ProbeSyscalls.spawn([exe]); ProbeSyscalls.wait(pid); children.append(UInt32(pid)) }
        let pid = ProbeSyscalls.spawn(["/bin/true"]); ProbeSyscalls.wait(pid)
        let after = probe.counters()
        let records = drain(probe) { $0.common.ppid == self.me }
        XCTAssertEqual(after.filteredComm - before.filteredComm, 3)
        XCTAssertEqual(records.filter { children.contains($0.common.pid) }.count, 0, "execs of the denied program were emitted")
        XCTAssertEqual(records.filter { $0.common.pid == UInt32(pid) }.count, 1, "the exec of /bin/true (comm true) passes")
    }

    func testACgroupEntryCoversItsWholeSubtree() throws {
        guard let root = CgroupMountTable.currentCgroup2MountPoint() else { throw TestSupportError("no cgroup v2 mount") }
        let parent = root + "/infrasight-filter-k-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", child = parent + "/inner"
        try FileManager.default.createDirectory(atPath: child, withIntermediateDirectories: true)
        defer { rmdir(child); rmdir(parent) }
        let file = tmp + "/cg"
        touch([file])
        let parentID = try XCTUnwrap(FilterCgroupResolver(root: root).resolve([.path(parent)]).ids[.path(parent)]?.first)
        let probe = try makeProbe(.chmod, try tables(deny: FilterArguments(cgroups: ["\(parentID)"])))
        defer { probe.close() }
        let before = probe.counters()
        // A python3 child joins the inner cgroup, then chmods the file 5 times.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", "import os, sys\nopen(sys.argv[1] + '/cgroup.procs', 'w').write(str(os.getpid()))\nfor _ in range(5): os.chmod(sys.argv[2], 0o644)",
                       child, file]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let after = probe.counters()
        XCTAssertEqual(after.filteredCgroup - before.filteredCgroup, 5, "chmods in a cgroup below the denied one")
        XCTAssertEqual(paths(drain(probe) { $0.common.pid == UInt32(p.processIdentifier) }), [])
    }

    func testTheExitProbeAppliesTheProcessFilters() throws {
        let name = "isflte\(UInt32.random(in: 0...99_999))"
        let exe = tmp + "/" + name
        try FileManager.default.createSymbolicLink(atPath: exe, withDestinationPath: "/bin/true")
        let probe = try makeProbe(.exit, try tables(deny: FilterArguments(comms: [name])))
        defer { probe.close() }
        let before = probe.counters()
        var denied: [UInt32] = []
        for _ in 0..<3 { let pid = ProbeSyscalls.spawn([exe]); ProbeSyscalls.wait(pid); denied.append(UInt32(pid)) }
        let passed = ProbeSyscalls.spawn(["/bin/true"]); ProbeSyscalls.wait(passed)
        let after = probe.counters()
        let records = drain(probe) { $0.common.ppid == self.me }
        XCTAssertEqual(after.filteredComm - before.filteredComm, 3)
        XCTAssertEqual(records.filter { denied.contains($0.common.pid) }.count, 0)
        XCTAssertEqual(records.filter { $0.common.pid == UInt32(passed) }.count, 1)
    }

    /// setid judges pid, comm, uid and cgroup at sys_enter like the other probes: denied calls are
    /// counted once and never an enter miss; after the filter is lifted every call is emitted and counted.
    func testTheSetidProbeAppliesTheProcessFiltersAndCountsWhatItEmits() throws {
        let probe = try makeProbe(.setid, try tables(deny: FilterArguments(pids: ["\(me)"])))
        defer { probe.close() }
        let unchanged = 0xffff_ffff
        var before = probe.counters()
        for _ in 0..<3 { XCTAssertEqual(ProbeSyscalls.call(ProbeSyscalls.setresuid, unchanged, unchanged, unchanged), 0) }
        var after = probe.counters()
        XCTAssertEqual(after.filteredPid - before.filteredPid, 3)
        XCTAssertEqual(after.enterMisses - before.enterMisses, 0, "a filtered syscall is not an enter miss")
        XCTAssertEqual(drain(probe) { $0.common.pid == self.me }.count, 0)

        try probe.setFilter(try tables())
        before = probe.counters()
        for _ in 0..<2 { XCTAssertEqual(ProbeSyscalls.call(ProbeSyscalls.setresgid, unchanged, unchanged, unchanged), 0) }
        let records = drain(probe) { $0.common.pid == self.me }
        after = probe.counters()
        XCTAssertEqual(records.count, 2)
        XCTAssertGreaterThanOrEqual(after.emitted - before.emitted, 2)
        XCTAssertEqual(after.filteredPid - before.filteredPid, 0)
        for case .setid(let e) in records { XCTAssertEqual(e.syscall, .setresgid); XCTAssertEqual(e.newEffective, -1) }
    }
}
