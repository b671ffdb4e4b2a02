import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
@testable import InfraSightAgent
#if canImport(Glibc)
import Glibc
#endif

/// The in-kernel filters and the rate limit on the `kernel` probe, whose records are written at
/// sys_enter: the process filters drop (and count) a module or program load before anything is read,
/// a path filter never hides one, and a process loading programs in a loop is held to its quota.
extension FilterKernelProbeTests {
    func finitModule(_ fd: Int32) -> Int {
        ProbeSyscalls.withPath("p=1") { ProbeSyscalls.call(ProbeSyscalls.finitModule, Int(fd), $0, 0) }
    }

    func testTheKernelProbeAppliesTheProcessFiltersAndNoPathFilter() throws {
        touch([tmp + "/mods/fake.ko"])
        let fd = open(tmp + "/mods/fake.ko", O_RDONLY)
        defer { close(fd) }
        let probe = try makeProbe(.kernel, try tables(deny: FilterArguments(pids: ["\(me)"])))
        defer { probe.close() }
        var before = probe.counters()
        XCTAssertLessThan(finitModule(fd), 0)
        XCTAssertGreaterThanOrEqual(TrivialBPFProgram.load(name: "denied"), 0)
        var after = probe.counters()
        XCTAssertEqual(after.filteredPid - before.filteredPid, 2, "one module and one program load, each counted once")
        XCTAssertEqual(drain(probe) { $0.common.pid == self.me }.count, 0)

        // A path filter denying the module's folder: the module load still shows (path filters judge files
        // opened, chmodded and linked, never kernel reach).
        try probe.setFilter(try tables(deny: FilterArguments(pathPrefixes: [tmp + "/mods/"])))
        before = probe.counters()
        XCTAssertLessThan(finitModule(fd), 0)
        let seen = drain(probe) { $0.common.pid == self.me }.compactMap { r -> KernelReachEvent? in
            if case .kernel(let k) = r { return k }; return nil
        }
        after = probe.counters()
        XCTAssertEqual(seen.map(\.syscall), [.finitModule])
        XCTAssertEqual(seen.first?.resolved.path.hasSuffix("/mods/fake.ko"), true, "\(seen)")
        XCTAssertEqual(after.filteredPath - before.filteredPath, 0)
    }

    func testProgramLoadsInALoopAreHeldToTheQuota() throws {
        let probe = try makeProbe(.kernel, try tables())
        defer { probe.close() }
        let quota: UInt64 = 3, loads = 12
        try probe.setRateLimit(maxEvents: quota, windowNs: 30_000_000_000)
        for i in 0..<loads { XCTAssertGreaterThanOrEqual(TrivialBPFProgram.load(name: "loop\(i)"), 0) }
        let seen = drain(probe) { $0.common.pid == self.me }
        XCTAssertEqual(seen.count, Int(quota), "exactly the quota gets through")
        XCTAssertEqual(probe.throttledRecordsByProcess()[me], UInt64(loads) - quota, "\(probe.counters())")
    }
}
