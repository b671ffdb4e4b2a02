import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Container id per cgroup layout, end to end: real cgroups in every supported runtime layout are
/// created on this machine's hierarchies (cgroup v2, a named cgroup v1 hierarchy mounted by the test,
/// and the v1 `pids` controller), a process moves itself into each one before it execs `cat MARKER`,
/// and the events the real agent (real BPF, real broker) publishes for that process must carry the
/// layout's container id, runtime and pod uid — or none for the host and conmon layouts. The cgroup
/// id on each event must be the v2 cgroup the process was really in. Needs root; FAILS without it.
///
/// `ContainerCgroupLayoutIntegrationTests` runs the agent as it is on this hybrid host (v1 controllers
/// plus a v2 `unified` mount). `ContainerCgroupV1HostIntegrationTests` runs it in a mount namespace
/// without any cgroup2 mount: what an agent on a cgroup v1 host sees (the BPF cgroup id is then useless
/// to it and container ids must come from `/proc/<pid>/cgroup`). `ContainerCgroupNamespaceIntegrationTests`
/// runs it in a private cgroup namespace, as a container runtime does.
final class ContainerCgroupLayoutIntegrationTests: CgroupLayoutAgentTestCase {
    func testEveryV2LayoutGivesTheContainerIdOnTheProcessEvents() throws {
        try runLayouts(CgroupLayout.all(in: [.v2]))
    }

    func testEveryV1LayoutGivesTheContainerIdOnTheProcessEvents() throws {
        try runLayouts(CgroupLayout.all(in: [.v1Named, .v1Pids]))
    }
}

/// The v1 layouts with the agent in a mount namespace that has no cgroup2 mount (a cgroup v1 host
/// as far as the agent can tell): container ids come from `/proc/<pid>/cgroup` alone.
final class ContainerCgroupV1HostIntegrationTests: CgroupLayoutAgentTestCase {
    override class var streamName: String { "cgroup-v1-host-it" }
    override class var launcher: [String] {
        let unmount = CgroupTree.mounts().cgroup2.map { "umount '\($0)'" }.joined(separator: " && ")
        return ["/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                "\(unmount.isEmpty ? "true" : unmount) && exec \"$@\"", "agent-on-a-v1-host"]
    }

    func testAgentSaysItHasNoV2Hierarchy() throws {
        let s = try stream()
        XCTAssertTrue(s.agent.output().contains("no cgroup v2 hierarchy: container ids come from /proc/<pid>/cgroup"), s.diagnostics)
    }

    func testEveryV1LayoutGivesTheContainerIdOnTheProcessEvents() throws {
        try runLayouts(CgroupLayout.all(in: [.v1Named, .v1Pids]))
    }
}

/// Every layout with the agent in a private cgroup namespace, as Docker, containerd and cri-o start a
/// containerised agent on cgroup v2: the launcher moves the agent two levels down in the v2 and the
/// v1 `pids` hierarchies and runs it under `unshare --cgroup`. The host's cgroup2 mount then shows
/// its root as `/../..` to the agent, and other processes' `/proc/<pid>/cgroup` paths start with
/// `/../..`; container ids, runtimes and pod uids must come out as on the host.
final class ContainerCgroupNamespaceIntegrationTests: CgroupLayoutAgentTestCase {
    override class var streamName: String { "cgroup-namespace-it" }
    override class var launcher: [String] { PrivateCgroupNamespace.launcher(name: streamName) }

    override class func tearDown() {
        super.tearDown()   // stops the agent first
        PrivateCgroupNamespace.removeCgroups(name: streamName)
    }

    func testTheAgentUsesTheHostCgroup2Mount() throws {
        let s = try stream()
        XCTAssertFalse(s.agent.output().contains("no cgroup v2 hierarchy"), s.diagnostics)
    }

    /// The namespace really is private: from inside it, the host's cgroup2 mount has root `/../..`.
    func testTheAgentSeesTheHostCgroupTreeFromBelowItsNamespaceRoot() throws {
        let s = try stream()
        guard let v2 = CgroupTree.mounts().cgroup2.first else { throw TestSupportError("no cgroup2 mount on this machine") }
        let nsenter = Process()
        nsenter.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        let agentPid = s.agent.process.processIdentifier
        nsenter.arguments = ["--target", String(agentPid), "--cgroup", "cat", "/proc/self/mountinfo", "/proc/\(agentPid)/cgroup"]
        let out = Pipe()
        nsenter.standardOutput = out
        try nsenter.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        nsenter.waitUntilExit()
        XCTAssertEqual(nsenter.terminationStatus, 0, text)
        let line = text.split(separator: "\n").first { $0.contains(" - cgroup2 ") && $0.split(separator: " ")[4] == v2 }
        XCTAssertEqual(line?.split(separator: " ")[3], "/../..", "the agent's view of \(v2):\n\(text)")
        XCTAssertTrue(text.contains("\n0::/\n"), "inside its namespace the agent is at the root:\n\(text)")
        XCTAssertTrue(s.agent.isRunning, s.diagnostics)
    }

    func testEveryV2LayoutGivesTheContainerIdOnTheProcessEvents() throws {
        try runLayouts(CgroupLayout.all(in: [.v2]))
    }

    func testEveryV1LayoutGivesTheContainerIdOnTheProcessEvents() throws {
        try runLayouts(CgroupLayout.all(in: [.v1Named, .v1Pids]))
    }
}

/// Starts the agent in a private cgroup namespace, as a container runtime would: the launcher moves it
/// two levels down (`/infrasight-it-<name>-<pid>/agent`) in the v2 and the v1 `pids` hierarchies, then
/// runs it under `unshare --cgroup`, so the host's cgroup2 mount shows root `/../..` to it.
enum PrivateCgroupNamespace {
    static func agentCgroup(name: String) -> String { "/infrasight-it-\(name)-\(getpid())/agent" }

    static var hierarchies: [String] {
        let mounts = CgroupTree.mounts()
        return Array(mounts.cgroup2.prefix(1)) + [mounts.v1["pids"]].compactMap { $0 }
    }

    static func launcher(name: String) -> [String] {
        let cg = agentCgroup(name: name)
        let moves = hierarchies.map { "mkdir -p '\($0 + cg)' && echo $$ > '\($0 + cg)/cgroup.procs'" }
        return ["/bin/sh", "-c", (moves + ["exec /usr/bin/unshare --cgroup -- \"$@\""]).joined(separator: " && "),
                "agent-in-a-cgroup-namespace"]
    }

    /// Removes the agent's cgroups (after it stopped).
    static func removeCgroups(name: String) {
        let cg = agentCgroup(name: name)
        for root in hierarchies {
            for dir in [root + cg, root + (cg as NSString).deletingLastPathComponent] {
                for _ in 0..<50 where rmdir(dir) != 0 && errno == EBUSY { usleep(20_000) }
            }
        }
    }
}

/// A container filter resolved from inside a private cgroup namespace: the agent finds the container's
/// cgroup by walking the host's tree through the `/../..` mount. Only the allowed container's process
/// is traced; another container's is not.
final class ContainerFilterInACgroupNamespaceIntegrationTests: CgroupLayoutAgentTestCase {
    override class var streamName: String { "cgroup-namespace-filter-it" }
    override class var launcher: [String] { PrivateCgroupNamespace.launcher(name: streamName) }
    static let allowedID = CgroupLayout.randomID()
    static let otherID = CgroupLayout.randomID()
    override class var extraArguments: [String] { ["--allow-container", allowedID] }
    nonisolated(unsafe) static var tree = CgroupTree()
    static var v2: String? { CgroupTree.mounts().cgroup2.first }

    override class func setUp() {
        // The allowed container's cgroup exists before the agent starts, so its first resolution finds it.
        if let v2 { _ = try? tree.make(root: v2, relative: "/system.slice/docker-\(allowedID).scope") }
        super.setUp()
    }

    override class func tearDown() {
        super.tearDown()
        PrivateCgroupNamespace.removeCgroups(name: streamName)
        tree.removeAll()
    }

    func testOnlyTheAllowedContainerIsTraced() throws {
        let s = try stream()
        guard let v2 = Self.v2 else { throw TestSupportError("no cgroup2 mount on this machine") }
        let others = CgroupTree()
        try others.make(root: v2, relative: "/system.slice/docker-\(Self.otherID).scope")
        let marker = NSTemporaryDirectory() + "is-cgroup-ns-filter-\(UInt32.random(in: 0...UInt32.max))"
        let allowed = try ProcessInCgroup(cgroupDirectories: [v2 + "/system.slice/docker-\(Self.allowedID).scope"], marker: marker + "-a")
        let other = try ProcessInCgroup(cgroupDirectories: [v2 + "/system.slice/docker-\(Self.otherID).scope"], marker: marker + "-o")
        defer {
            allowed.finish(); other.finish()
            XCTAssertEqual(others.removeAll(), [], "cgroups left behind")
        }
        s.watch(pid: allowed.pid)
        s.watch(pid: other.pid)
        other.go()
        allowed.go()
        let seen = s.events(where: { $0.pid == allowed.pid && $0.probe == "open" && $0.open.path == allowed.marker })
        XCTAssertEqual(seen.first?.containerID, Self.allowedID, "the allowed container's open\n\(s.diagnostics)")
        XCTAssertEqual(seen.first?.containerRuntime, "docker")
        // The other container was told to go first; its events would have arrived by now.
        XCTAssertEqual(s.events(count: 1, timeout: 2) { $0.pid == other.pid }.count, 0, "the other container is filtered out")
    }
}

/// The shared harness: one agent per test class (started in `setUp`), cgroups made per test.
class CgroupLayoutAgentTestCase: XCTestCase {
    nonisolated(unsafe) static var streams: [String: AgentEventStream] = [:]
    nonisolated(unsafe) static var startupErrors: [String: Error] = [:]
    static let namedHierarchy = "infrasight-it"

    /// Arguments put in front of the agent binary (none: the agent sees this host as it is).
    class var launcher: [String] { [] }
    class var streamName: String { "cgroup-layout-it" }
    /// Extra agent arguments (filters).
    class var extraArguments: [String] { [] }

    override class func setUp() {
        super.setUp()
        do { streams[streamName] = try AgentEventStream(name: streamName, probes: [.execve, .open],
                                                                  extraArguments: extraArguments, launcher: launcher) } catch {
            startupErrors[streamName] = error
        }
    }

    override class func tearDown() {
        streams.removeValue(forKey: streamName)?.stop()
        super.tearDown()
    }

    func stream() throws -> AgentEventStream {
        if let e = Self.startupErrors[Self.streamName] { throw TestSupportError("agent did not start: \(e)") }
        guard let s = Self.streams[Self.streamName] else { throw TestSupportError("agent did not start") }
        return s
    }


    /// The v2 cgroup this test process is in: its path below the cgroup2 mount and its inode.
    func ownV2Cgroup(mount: String) throws -> UInt64 {
        let text = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else { throw TestSupportError("no v2 line in /proc/self/cgroup") }
        var st = stat()
        let path = mount + String(line.dropFirst(3))
        guard stat(path, &st) == 0 else { throw TestSupportError("stat \(path)") }
        return UInt64(st.st_ino)
    }

    func runLayouts(_ layouts: [CgroupLayout]) throws {
        let s = try stream()
        let mounts = CgroupTree.mounts()
        guard let v2 = mounts.cgroup2.first(where: { $0 == "/sys/fs/cgroup" }) ?? mounts.cgroup2.first else {
            throw TestSupportError("no cgroup2 mount on this machine")
        }
        let tree = CgroupTree()
        var namedMount: String?
        var children: [(CgroupLayout, ProcessInCgroup, UInt64)] = []
        defer {
            for (_, child, _) in children { child.finish() }
            let left = tree.removeAll()
            XCTAssertEqual(left, [], "cgroups left behind")
            if let m = namedMount { umount(m); rmdir(m) }
        }
        let ownV2 = try ownV2Cgroup(mount: v2)
        for layout in layouts {
            let root: String
            switch layout.hierarchy {
            case .v2:
                root = v2
            case .v1Pids:
                guard let pids = mounts.v1["pids"] else { throw TestSupportError("no cgroup v1 pids hierarchy mounted") }
                root = pids
            case .v1Named:
                if namedMount == nil {
                    let m = NSTemporaryDirectory() + "is-cgroup-v1-\(getpid())"
                    mkdir(m, 0o755)
                    guard mount("cgroup", m, "cgroup", 0, "none,name=\(Self.namedHierarchy)") == 0 else {
                        throw TestSupportError("mount -t cgroup -o none,name=\(Self.namedHierarchy): \(String(cString: strerror(errno)))")
                    }
                    namedMount = m
                }
                root = namedMount!
            }
            let inode = try tree.make(root: root, relative: layout.path)
            let marker = NSTemporaryDirectory() + "is-cgroup-marker-\(UInt32.random(in: 0...UInt32.max))"
            let child = try ProcessInCgroup(cgroupDirectories: [root + layout.path], marker: marker)
            children.append((layout, child, layout.hierarchy == .v2 ? inode : ownV2))
            s.watch(pid: child.pid)
        }
        for (_, child, _) in children { child.go() }

        for (layout, child, cgroupID) in children {
            let pid = child.pid
            let exec = s.events(where: { $0.pid == pid && $0.probe == "execve" && $0.ret == 0 && $0.exec.argv == ["cat", child.marker, "-"] })
            let open = s.events(where: { $0.pid == pid && $0.probe == "open" && $0.open.path == child.marker })
            guard let e = exec.first, let o = open.first else {
                XCTFail("\(layout.name) (\(layout.path)): exec \(exec.count), open \(open.count) events\n\(s.diagnostics)")
                continue
            }
            for event in [e, o] {
                let what = "\(layout.name) \(event.probe) event; cgroup \(layout.path)"
                XCTAssertEqual(event.containerID, layout.containerID ?? "", what)
                XCTAssertEqual(event.containerRuntime, layout.runtime ?? "", what)
                XCTAssertEqual(event.container.podUid, layout.podUID ?? "", what)
                XCTAssertEqual(event.cgroupID, cgroupID, "\(what): the v2 cgroup the process was in")
            }
        }
    }
}
