import Foundation
import XCTest
@testable import InfraSightAgent

/// The `/proc/<pid>/cgroup` fallback for cgroup v1: which line names the container, per-pid caching,
/// forgetting on exec/exit, the parent fallback for exited processes, and when the agent uses it.
/// Files are written under a temporary proc root (the logic; the real kernel files are read by
/// ContainerCgroupLayoutIntegrationTests and ContainerCgroupV1HostIntegrationTests).
final class ContextProcCgroupContainerLookupTests: XCTestCase {
    let id = String(repeating: "3f", count: 32)
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "is-proc-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
    }

    func write(pid: UInt32, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: "\(root)/\(pid)", withIntermediateDirectories: true)
        try text.write(toFile: "\(root)/\(pid)/cgroup", atomically: true, encoding: .utf8)
    }

    func testV1LinesNameTheContainerWhenTheV2LineDoesNot() {
        // docker, cgroupfs driver, on a hybrid host: the unified hierarchy shows the shim's cgroup.
        let hybrid = """
        12:pids:/docker/\(id)
        4:memory:/docker/\(id)
        1:name=systemd:/docker/\(id)
        0::/system.slice/containerd.service
        """
        XCTAssertEqual(ProcCgroupContainerLookup.container(inProcCgroup: hybrid), ContainerIdentity(id: id, runtime: "docker"))
        // A pure v1 host: no 0:: line.
        let v1 = "11:cpuset:/\n4:memory:/kubepods/burstable/pod6f1c1c2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f/\(id)\n"
        XCTAssertEqual(ProcCgroupContainerLookup.container(inProcCgroup: v1),
                       ContainerIdentity(id: id, runtime: "containerd", podUID: "6f1c1c2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"))
        // The v2 line wins when it names a container.
        let other = String(repeating: "a1", count: 32)
        XCTAssertEqual(ProcCgroupContainerLookup.container(inProcCgroup: "4:memory:/docker/\(id)\n0::/system.slice/docker-\(other).scope\n")?.id, other)
        // Host processes, a 32-hex non-container id, conmon.
        XCTAssertNil(ProcCgroupContainerLookup.container(inProcCgroup: "4:memory:/process_api/0ff39c3b420d17261def4a6eea259ae0\n0::/\n"))
        XCTAssertNil(ProcCgroupContainerLookup.container(inProcCgroup: "1:name=systemd:/machine.slice/libpod-conmon-\(id).scope\n"))
        XCTAssertNil(ProcCgroupContainerLookup.container(inProcCgroup: ""))
    }

    func testCachedPerPidUntilForgottenAndParentFallback() throws {
        let lookup = ProcCgroupContainerLookup(procRoot: root)
        try write(pid: 100, "0::/\n")
        XCTAssertNil(lookup.container(pid: 100))
        try write(pid: 100, "4:memory:/docker/\(id)\n0::/\n")   // the runtime moved it, then it exec'd
        XCTAssertNil(lookup.container(pid: 100), "cached until forgotten")
        XCTAssertEqual(lookup.container(pid: 100, comm: "nginx")?.id, id, "another comm: it exec'd, read again")
        try write(pid: 100, "0::/\n")
        XCTAssertEqual(lookup.container(pid: 100, comm: "nginx")?.id, id, "same comm: cached")
        lookup.forget(pid: 100)
        XCTAssertNil(lookup.container(pid: 100))
        try write(pid: 100, "4:memory:/docker/\(id)\n0::/\n")
        lookup.forget(pid: 100)
        XCTAssertEqual(lookup.container(pid: 100)?.id, id)
        let reads = lookup.fileReads
        for _ in 0..<10 { XCTAssertEqual(lookup.container(pid: 100)?.id, id) }
        XCTAssertEqual(lookup.fileReads, reads, "answered from the cache")

        // An exited process (no file): its parent's cgroup, not cached for the child.
        XCTAssertEqual(lookup.container(pid: 200, ppid: 100)?.id, id)
        XCTAssertNil(lookup.container(pid: 201, ppid: 0))
        XCTAssertNil(lookup.container(pid: 202, ppid: 203))
    }

    func testCacheIsBounded() throws {
        let lookup = ProcCgroupContainerLookup(procRoot: root, capacity: 4)
        for pid in UInt32(1)...20 { try write(pid: pid, "4:memory:/docker/\(id)\n"); _ = lookup.container(pid: pid) }
        let reads = lookup.fileReads
        _ = lookup.container(pid: 1)
        XCTAssertEqual(lookup.fileReads, reads + 1, "evicted, so read again")
    }

    func testResolverFallsBackOnlyWhenTheV2IdNamesNoContainer() throws {
        try write(pid: 300, "4:memory:/docker/\(id)\n0::/\n")
        let noV2 = ContainerResolver(paths: nil, processes: ProcCgroupContainerLookup(procRoot: root))
        XCTAssertEqual(noV2.container(forCgroupId: 1, pid: 300, ppid: 1)?.id, id)
        XCTAssertNil(noV2.container(forCgroupId: 1), "the id alone names nothing without a v2 hierarchy")
        let v2Only = ContainerResolver(paths: CgroupPathResolver(root: root + "/none"), processes: nil)
        XCTAssertNil(v2Only.container(forCgroupId: 1, pid: 300, ppid: 1), "no v1 hierarchies: /proc is not read")
    }

    func testV1HierarchyDetection() {
        let hybrid = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """
        XCTAssertTrue(CgroupMountTable.hasCgroup1Hierarchy(mountinfo: hybrid))
        XCTAssertTrue(CgroupMountTable.hasCgroup1Hierarchy(mountinfo: "40 31 0:37 / /x rw - cgroup cgroup rw,name=systemd"))
        XCTAssertFalse(CgroupMountTable.hasCgroup1Hierarchy(mountinfo: "29 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate"))
        XCTAssertFalse(CgroupMountTable.hasCgroup1Hierarchy(mountinfo: "garbage - cgroup\n"))
    }
}
