import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The agent as users deploy it in a container: the image `make image` built, started by
/// deploy/podman/run-agent.sh (not privileged, three capabilities, its seccomp allowlist, the host's PID
/// namespace and a private cgroup namespace), publishing to a real broker on the host's loopback. A
/// workload container runs commands; their exec events must carry that container's full id, runtime,
/// name, image, labels and pod — although the agent sees the host's cgroups through its own cgroup
/// namespace (mount root and /proc/<pid>/cgroup paths under `/..`). The container's settings must also
/// equal the compose service's and the DaemonSet's field by field. Needs root, podman, runc, busybox and
/// the image; FAILS without them (`make test` builds the image first).
final class ContainerisedAgentIntegrationTests: XCTestCase {
    static let podmanSocket = "/run/podman/podman.sock"

    var work = ""
    var service: ChildProcess?
    var stream: AgentEventStream?

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw TestSupportError("the containerised agent test needs root") }
        _ = try Podman.which("runc")
        guard (try? Podman.run(["image", "exists", Podman.infrasightImage])) != nil else {
            throw TestSupportError("image \(Podman.infrasightImage) not found: run `make image` (`make test` does)")
        }
        work = NSTemporaryDirectory() + "is-containerised-it-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try Podman.importBusyboxImage(work: work)
        // podman's API at its standard path, which run-agent.sh mounts into the agent's container when it exists.
        if !FileManager.default.fileExists(atPath: Self.podmanSocket) {
            try FileManager.default.createDirectory(atPath: (Self.podmanSocket as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            service = try ChildProcess(name: "podman system service", executable: try Podman.which("podman"),
                                       arguments: Podman.global + ["system", "service", "--time", "0", "unix://" + Self.podmanSocket],
                                       logPath: work + "/podman-service.log")
            let deadline = Date().addingTimeInterval(30)
            while !FileManager.default.fileExists(atPath: Self.podmanSocket) {
                guard service?.isRunning == true, Date() < deadline else { throw TestSupportError("podman system service did not listen:\n\(service?.output() ?? "")") }
                usleep(100_000)
            }
        }
        stream = try AgentEventStream(name: "containerised-it", probes: [.execve, .open], inContainer: true)
    }

    override func tearDownWithError() throws {
        stream?.stop()
        if let service {
            _ = service.stop(grace: 10)
            try? FileManager.default.removeItem(atPath: Self.podmanSocket)
        }
        try? FileManager.default.removeItem(atPath: work)
    }

    /// Runs `cat /etc/hostname` in the agent's container and returns stdout (`podman exec` joins its
    /// namespaces, the cgroup namespace included, and its seccomp profile).
    func inAgentContainer(_ command: [String]) throws -> String {
        try Podman.run(["exec", try XCTUnwrap(stream?.containerID)] + command)
    }

    func testAnExecInAWorkloadContainerCarriesItsIdNameAndPodFromAnUnprivilegedAgentContainer() throws {
        guard let stream, let agentID = stream.containerID else { throw TestSupportError("agent container did not start") }

        // The agent's container: not privileged, exactly three capabilities, seccomp filter, no new privileges.
        let inspect = try Podman.inspect(agentID)
        XCTAssertEqual((inspect["HostConfig"] as? [String: Any])?["Privileged"] as? Bool, false)
        let agentPID = try XCTUnwrap(((inspect["State"] as? [String: Any])?["Pid"] as? NSNumber)?.int32Value)
        let status = try String(contentsOfFile: "/proc/\(agentPID)/status", encoding: .utf8)
        func field(_ name: String) -> String? {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }.map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        XCTAssertEqual(field("Seccomp"), "2", "the agent runs under a seccomp filter")
        XCTAssertEqual(field("NoNewPrivs"), "1")
        // CAP_DAC_READ_SEARCH = 2, CAP_PERFMON = 38, CAP_BPF = 39, and nothing else.
        let expectedCaps = String((UInt64(1) << 2) | (UInt64(1) << 38) | (UInt64(1) << 39), radix: 16)
        XCTAssertEqual(field("CapEff").map { String(UInt64($0, radix: 16) ?? 0, radix: 16) }, expectedCaps)
        XCTAssertEqual(field("CapBnd").map { String(UInt64($0, radix: 16) ?? 0, radix: 16) }, expectedCaps)

        // Its cgroup namespace is private: the host's cgroup2 mount shows a root above the namespace's.
        let mountinfo = try inAgentContainer(["cat", "/proc/self/mountinfo"])
        let cgroup2 = mountinfo.split(separator: "\n").filter { $0.contains(" - cgroup2 ") }
        XCTAssertFalse(cgroup2.isEmpty, "no cgroup2 mount in the agent container:\n\(mountinfo)")
        for line in cgroup2 {
            let root = line.split(separator: " ")[3]
            XCTAssertNotEqual(root, "/", "cgroup2 mount root seen from the agent container: \(line)")
            XCTAssertTrue(root.hasPrefix("/.."), "cgroup2 mount root seen from the agent container: \(line)")
        }

        // The workload: one `cat /etc/hostname` per round.
        let workload = try PodmanWorkload(work: work)
        defer { workload.stop() }
        let cid = workload.id, name = workload.name, labels = workload.labels, podUID = workload.podUID
        stream.watch(containerID: cid)

        // The workload's processes, as the agent's container sees them: cgroup paths above its own root.
        let workloadPID = try XCTUnwrap(((try Podman.inspect(cid))["State"] as? [String: Any])?["Pid"] as? NSNumber)
        let procCgroup = try inAgentContainer(["cat", "/proc/\(workloadPID)/cgroup"])
        let unified = try XCTUnwrap(procCgroup.split(separator: "\n").first { $0.hasPrefix("0::") }, procCgroup)
        XCTAssertTrue(unified.hasPrefix("0::/.."), "the workload's cgroup seen from the agent's namespace: \(unified)")
        XCTAssertTrue(unified.hasSuffix(cid), "\(unified)")

        func cats() -> [Event] { stream.events(count: 0, timeout: 0, where: PodmanWorkload.isCat) }
        guard let first = workload.catUntilMetadata(stream) else {
            XCTFail("no event of the workload ever carried podman's metadata\n\(stream.diagnostics)")
            return
        }
        for e in stream.events(count: 0, timeout: 0, where: { _ in true }) {
            XCTAssertEqual(e.containerID, cid, "the workload's full container id")
            XCTAssertEqual(e.containerRuntime, "podman")
        }
        XCTAssertEqual(first.container.name, name)
        XCTAssertEqual(first.container.image, Podman.busyboxImage)
        XCTAssertEqual(first.container.labels, labels)
        XCTAssertEqual(first.container.podName, "web-0")
        XCTAssertEqual(first.container.podNamespace, "shop")
        XCTAssertEqual(first.container.podUid, podUID)
        XCTAssertFalse(cats().contains { $0.pid == UInt32(agentPID) }, "the agent's own activity is not reported")
    }

    /// run-agent.sh's real container, the compose service and the DaemonSet agree field by field.
    func testRunAgentComposeAndDaemonSetAgreeFieldByField() throws {
        guard let id = stream?.containerID else { throw TestSupportError("agent container did not start") }
        let script = try AgentContainerSettings(podmanInspect: try Podman.inspect(id))
        let compose = try AgentContainerSettings.composeAgent()
        let daemonSet = try AgentContainerSettings.daemonSetAgent()
        XCTAssertEqual(script.differences(from: compose), [], "run-agent.sh: \(script)\ncompose: \(compose)")
        XCTAssertEqual(script.differences(from: daemonSet), [], "run-agent.sh: \(script)\nDaemonSet: \(daemonSet)")
        XCTAssertEqual(script.cgroupNamespace, "private")
        XCTAssertTrue(script.dropsAllCapabilities, "the container has exactly the added capabilities")
        XCTAssertTrue(script.runtimeSockets.contains(AgentContainerSettings.Mount(host: Self.podmanSocket, container: Self.podmanSocket, readOnly: true)),
                      "the podman socket that exists here is mounted: \(script.runtimeSockets)")
        for m in script.runtimeSockets {
            XCTAssertTrue(FileManager.default.fileExists(atPath: m.host), "run-agent.sh mounted a missing socket \(m)")
        }
    }
}
