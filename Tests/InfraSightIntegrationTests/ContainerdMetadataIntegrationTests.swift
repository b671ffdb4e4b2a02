import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Container runtime metadata from a real containerd: a private containerd 1.6 (`ContainerdDaemon`), a busybox
/// image imported into its `k8s.io` namespace, and a container run there by runc (`ctr run`) with the labels
/// Kubernetes' CRI plugin sets. The real agent, told about the containerd socket, must publish the events of
/// a process executed inside that container (`ctr task exec`) with the container id and runtime from the
/// cgroup (`/k8s.io/<id>`) and, once containerd answered over gRPC, the container's name, image, labels and
/// its pod's name, namespace and uid. Needs root, containerd, runc, podman and busybox-static
/// (`make deps` installs them); FAILS without them.
final class ContainerdMetadataIntegrationTests: XCTestCase {
    static let image = "localhost/infrasight-it-containerd:latest"
    var daemon: ContainerdDaemon?
    var stream: AgentEventStream?

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw TestSupportError("the containerd metadata test needs root") }
        _ = try Executables.require("runc", install: "runc")
        daemon = try ContainerdDaemon.start()
        stream = try AgentEventStream(name: "containerd-metadata-it", probes: [.execve],
                                      extraArguments: ["--runtime-socket", "containerd=" + daemon!.socket])
    }

    override func tearDownWithError() throws {
        stream?.stop()
        daemon?.stop()
    }

    func testExecInAContainerdContainerCarriesItsPodNameImageAndLabels() throws {
        guard let daemon, let stream else { throw TestSupportError("containerd or the agent did not start") }
        try daemon.importBusyboxImage(Self.image, namespace: "k8s.io")
        let id = CgroupLayout.randomID()
        let podUID = UUID().uuidString.lowercased()
        let labels = ["io.kubernetes.pod.name": "web-0", "io.kubernetes.pod.namespace": "shop",
                      "io.kubernetes.pod.uid": podUID, "io.kubernetes.container.name": "nginx", "app": "web"]
        try daemon.runContainer(id: id, image: Self.image, labels: labels, namespace: "k8s.io", command: ["/bin/sleep", "600"])
        stream.watch(containerID: id)
        // `cat` under a shell that outlives it by a second: the agent reads a process's cgroup when it handles
        // the event, and for a `cat` that has already exited it reads its parent's (the shell, still in the
        // container); a `cat` exec'd straight by `ctr task exec` has the shim as parent, outside the container.
        let exec = ["/bin/sh", "-c", "cat /proc/version; sleep 1"]
        let argv = ["cat", "/proc/version"]
        func cats() -> [Event] { stream.events(count: 0, timeout: 0) { $0.probe == "execve" && $0.containerID == id && $0.exec.argv == argv } }

        // One exec per round until an event carries containerd's answer (fetched asynchronously).
        var first: Event?
        for round in 1...40 where first == nil {
            try daemon.exec(id: id, namespace: "k8s.io", exec)
            let seen = stream.events(count: round) { $0.probe == "execve" && $0.containerID == id && $0.exec.argv == argv }
            XCTAssertGreaterThanOrEqual(seen.count, round, "exec #\(round) in the container has no event\n\(stream.diagnostics)")
            first = seen.first { !$0.container.name.isEmpty }
        }
        guard let first else {
            return XCTFail("no event of the container ever carried containerd's metadata\n\(stream.diagnostics)\ncontainerd log:\n\(daemon.output().suffix(2000))")
        }
        // Once known, every later event carries it (cached per container id).
        let known = cats().count
        for _ in 0..<2 { try daemon.exec(id: id, namespace: "k8s.io", exec) }
        _ = stream.events(count: known + 2) { $0.probe == "execve" && $0.containerID == id && $0.exec.argv == argv }
        XCTAssertGreaterThanOrEqual(cats().count, known + 2)
        for e in cats() {
            XCTAssertEqual(e.containerRuntime, "containerd")
            if e.ktimeNs > first.ktimeNs { XCTAssertEqual(e.container.podName, "web-0", "every exec after the first answer") }
        }
        XCTAssertEqual(first.container.podName, "web-0")
        XCTAssertEqual(first.container.podNamespace, "shop")
        XCTAssertEqual(first.container.podUid, podUID)
        XCTAssertEqual(first.container.name, "nginx", "the CRI container name label")
        XCTAssertEqual(first.container.image, Self.image)
        let held = try daemon.labels(of: id, namespace: "k8s.io")
        XCTAssertEqual(first.container.labels, held, "the labels containerd holds")
        for (key, value) in labels { XCTAssertEqual(held[key], value, key) }
        XCTAssertFalse(stream.agent.output().contains("did not answer"), "no containerd call timed out:\n\(stream.diagnostics)")
    }
}
