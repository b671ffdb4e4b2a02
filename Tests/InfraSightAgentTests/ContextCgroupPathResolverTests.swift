import Foundation
import InfraSightTestSupport
import XCTest
@testable import InfraSightAgent

/// Real-filesystem tests: they create cgroups under the host's cgroup2 mount (needs root) and
/// remove them again.
final class ContextCgroupPathResolverTests: XCTestCase {
    private var mountPoint: String!
    /// Test-unique parent cgroup, relative to the mount ("/infrasight-ctx-test-…").
    private var parent: String!
    private var created: [String] = []

    override func setUpWithError() throws {
        guard let mount = CgroupMountTable.currentCgroup2MountPoint() else { throw TestSupportError("no cgroup2 mount") }
        guard getuid() == 0 else { throw TestSupportError("creating cgroups needs root") }
        mountPoint = mount
        parent = "/infrasight-ctx-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        created = []
    }

    override func tearDown() {
        // Deepest first; rmdir is how cgroups are removed (they hold only virtual files).
        for relative in created.reversed() { rmdir(mountPoint + relative) }
        created = []
    }

    /// mkdir -p of `relative` below the mount, remembering what to remove. Returns the inode.
    @discardableResult
    private func makeCgroup(_ relative: String) throws -> UInt64 {
        var path = ""
        for component in relative.split(separator: "/") {
            path += "/" + component
            if mkdir(mountPoint + path, 0o755) == 0 {
                created.append(path)
            } else if errno != EEXIST {
                throw TestSupportError("mkdir \(mountPoint + path) failed: errno \(errno)")
            }
        }
        var st = stat()
        XCTAssertEqual(stat(mountPoint + relative, &st), 0)
        return UInt64(st.st_ino)
    }

    func testMountTableParsing() {
        func mount(_ text: String, roots: Set<String>? = nil) -> String? {
            CgroupMountTable.cgroup2MountPoint(mountinfo: text, isHierarchyRoot: { roots?.contains($0) ?? true })
        }
        let mountinfo = """
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw
            """
        XCTAssertEqual(mount(mountinfo), "/sys/fs/cgroup/unified")
        let pureV2 = """
            99 1 0:40 /kubepods /host/cgroup rw - cgroup2 cgroup2 rw
            35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
            """
        XCTAssertEqual(mount(pureV2), "/sys/fs/cgroup")
        XCTAssertEqual(mount("1 0 0:1 / /my\\040cg rw - cgroup2 none rw"), "/my cg")
        XCTAssertNil(mount("99 1 0:40 /sub /host/cgroup rw - cgroup2 cgroup2 rw"))
        XCTAssertNil(mount("garbage\n\n- cgroup2\n1 2 3 4 5 6 - cgroup2"))
    }

    /// An agent in a private cgroup namespace (a container's) that is handed the host's cgroup tree
    /// sees that mount's root as `/..` steps; its own namespace's mount says `/` but is a subtree.
    func testMountTableInAPrivateCgroupNamespace() {
        func mount(_ text: String, roots: Set<String>) -> String? {
            CgroupMountTable.cgroup2MountPoint(mountinfo: text, isHierarchyRoot: { roots.contains($0) })
        }
        let container = """
            610 600 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate
            620 600 0:30 /../.. /host/sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate
            """
        XCTAssertEqual(mount(container, roots: ["/host/sys/fs/cgroup"]), "/host/sys/fs/cgroup",
                       "the namespace's own /sys/fs/cgroup is only its subtree")
        XCTAssertEqual(mount("41 31 0:38 /../.. /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw", roots: ["/sys/fs/cgroup/unified"]),
                       "/sys/fs/cgroup/unified")
        XCTAssertEqual(mount("41 31 0:38 /.. /sys/fs/cgroup rw - cgroup2 cgroup2 rw", roots: ["/sys/fs/cgroup"]), "/sys/fs/cgroup")
        XCTAssertNil(mount("41 31 0:38 /../.. /sys/fs/cgroup rw - cgroup2 cgroup2 rw", roots: []),
                     "an ancestor of the namespace root that is not the hierarchy root")
        for root in ["/../sub", "/..x", "/../..sub", "/./..", ""] {
            XCTAssertNil(mount("41 31 0:38 \(root) /sys/fs/cgroup rw - cgroup2 cgroup2 rw", roots: ["/sys/fs/cgroup"]), root)
        }
    }

    /// Only asked of cgroup2 mounts (other file systems number their roots 1 too, /proc for one).
    func testTheHierarchyRootIsInodeOne() throws {
        XCTAssertTrue(CgroupMountTable.isRootCgroup(mountPoint), "\(mountPoint) is this machine's cgroup2 root")
        try makeCgroup(parent + "/child")
        XCTAssertFalse(CgroupMountTable.isRootCgroup(mountPoint + parent))
        XCTAssertFalse(CgroupMountTable.isRootCgroup(mountPoint + parent + "/child"))
        XCTAssertFalse(CgroupMountTable.isRootCgroup("/nonexistent-\(getpid())"))
    }

    func testAutodetectsTheMount() {
        XCTAssertEqual(CgroupPathResolver().rootPath, mountPoint)
        XCTAssertEqual(CgroupPathResolver(root: mountPoint + "/").rootPath, mountPoint)
    }

    func testRootCgroupIsSlash() {
        var st = stat()
        XCTAssertEqual(stat(mountPoint, &st), 0)
        XCTAssertEqual(CgroupPathResolver().path(forCgroupId: UInt64(st.st_ino)), "/")
    }

    func testResolvesAFreshCgroup() throws {
        let inode = try makeCgroup(parent + "/leaf")
        let resolver = CgroupPathResolver()
        XCTAssertEqual(resolver.path(forCgroupId: inode), parent + "/leaf")
        XCTAssertEqual(resolver.path(forCgroupId: try makeCgroup(parent)), parent)
    }

    func testMissTriggersARateLimitedRescan() throws {
        try makeCgroup(parent)
        let resolver = CgroupPathResolver(minimumRescanInterval: 0.5)
        resolver.rescan()
        let scansBefore = resolver.scanCount
        let inode = try makeCgroup(parent + "/late")
        // Within the interval: no walk, so the new cgroup is not found yet.
        for _ in 0..<50 { XCTAssertNil(resolver.path(forCgroupId: inode)) }
        XCTAssertEqual(resolver.scanCount, scansBefore)
        Thread.sleep(forTimeInterval: 0.6)
        XCTAssertEqual(resolver.path(forCgroupId: inode), parent + "/late")
        XCTAssertEqual(resolver.scanCount, scansBefore + 1)
        // Unknown ids do not walk again within the interval.
        XCTAssertNil(resolver.path(forCgroupId: UInt64.max))
        XCTAssertNil(resolver.path(forCgroupId: UInt64.max - 1))
        XCTAssertEqual(resolver.scanCount, scansBefore + 1)
    }

    func testRemovedCgroupSurvivesOneRescan() throws {
        let inode = try makeCgroup(parent + "/short-lived")
        let resolver = CgroupPathResolver(minimumRescanInterval: 0)
        XCTAssertEqual(resolver.path(forCgroupId: inode), parent + "/short-lived")
        XCTAssertEqual(rmdir(mountPoint + parent + "/short-lived"), 0)
        created.removeAll { $0 == parent + "/short-lived" }
        resolver.rescan()
        XCTAssertEqual(resolver.path(forCgroupId: inode), parent + "/short-lived", "kept for one more walk")
        resolver.rescan()
        XCTAssertNil(resolver.path(forCgroupId: inode))
    }

    func testBounds() throws {
        let deep = try makeCgroup(parent + "/a/b/c")
        let shallow = try makeCgroup(parent + "/a")
        let depthOfA = parent.split(separator: "/").count + 1
        let limited = CgroupPathResolver(minimumRescanInterval: 0, maxDepth: depthOfA)
        XCTAssertEqual(limited.path(forCgroupId: shallow), parent + "/a")
        XCTAssertNil(limited.path(forCgroupId: deep))
        XCTAssertLessThanOrEqual(CgroupPathResolver.walk(root: mountPoint, maxDepth: 64, maxDirectories: 3).count, 3)
    }

    func testNoMountMeansNil() {
        let resolver = CgroupPathResolver(root: "/nonexistent/cgroup")
        XCTAssertNil(resolver.path(forCgroupId: 1))
    }

    // MARK: ContainerResolver

    func testContainerResolverFindsADockerScope() throws {
        let id = (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }.joined()
        let inode = try makeCgroup(parent + "/system.slice/docker-\(id).scope")
        let hostInode = try makeCgroup(parent + "/system.slice")
        let resolver = ContainerResolver(paths: CgroupPathResolver())
        XCTAssertEqual(resolver.container(forCgroupId: inode), ContainerIdentity(id: id, runtime: "docker"))
        XCTAssertEqual(resolver.container(forCgroupId: inode), ContainerIdentity(id: id, runtime: "docker")) // cached
        XCTAssertNil(resolver.container(forCgroupId: hostInode))
    }

    func testContainerResolverKubernetesLayoutAndNestedCgroup() throws {
        let id = (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }.joined()
        let pod = UUID().uuidString.lowercased()
        let podSlice = "kubepods-burstable-pod\(pod.replacingOccurrences(of: "-", with: "_")).slice"
        let containerPath = parent + "/kubepods.slice/kubepods-burstable.slice/\(podSlice)/cri-containerd-\(id).scope"
        let inode = try makeCgroup(containerPath)
        let nested = try makeCgroup(containerPath + "/init.scope")
        let resolver = ContainerResolver(paths: CgroupPathResolver())
        let expected = ContainerIdentity(id: id, runtime: "containerd", podUID: pod)
        XCTAssertEqual(resolver.container(forCgroupId: inode), expected)
        XCTAssertEqual(resolver.container(forCgroupId: nested), expected)
    }

    func testContainerResolverCacheEvictsButStaysCorrect() throws {
        var inodes: [(UInt64, String)] = []
        for _ in 0..<10 {
            let id = (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }.joined()
            inodes.append((try makeCgroup(parent + "/docker/\(id)"), id))
        }
        let resolver = ContainerResolver(paths: CgroupPathResolver(), capacity: 4)
        for _ in 0..<3 {
            for (inode, id) in inodes {
                XCTAssertEqual(resolver.container(forCgroupId: inode)?.id, id)
            }
        }
        XCTAssertNil(resolver.container(forCgroupId: UInt64.max))
    }
}
