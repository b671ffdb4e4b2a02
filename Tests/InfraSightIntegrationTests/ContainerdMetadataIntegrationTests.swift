import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Container runtime metadata from a real containerd: a private containerd (`ContainerdDaemon`), a busybox
/// image imported into it, container records created with `ctr` (a Kubernetes one in namespace `k8s.io`
/// with the CRI labels, a nerdctl-style one in `default`), and processes put by the test into cgroups in
/// the layouts containerd gives those containers (kubepods systemd `…/kubepods-besteffort-pod<uid>.slice/
/// cri-containerd-<id>.scope`, plain `/default/<id>`). The real agent, told about the containerd socket,
/// must publish the processes' events with the container id and runtime from the cgroup and, once
/// containerd answered over gRPC, the name, image, labels and pod that containerd holds. Needs root,
/// containerd, podman and busybox-static (`make deps` installs them); FAILS without them.
final class ContainerdMetadataIntegrationTests: XCTestCase {
    var daemon: ContainerdDaemon?
    var stream: AgentEventStream?
    let tree = CgroupTree()
    var shells: [Process] = []
    var inputs: [Pipe] = []

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw TestSupportError("the containerd metadata test needs root") }
        daemon = try ContainerdDaemon.start()
        stream = try AgentEventStream(name: "containerd-metadata-it", probes: [.execve],
                                      extraArguments: ["--runtime-socket", "containerd=" + daemon!.socket])
    }

    override func tearDownWithError() throws {
        for input in inputs { try? input.fileHandleForWriting.close() }
        for shell in shells { shell.waitUntilExit() }
        stream?.stop()
        daemon?.stop()
        XCTAssertEqual(tree.removeAll(), [], "cgroups left behind")
    }

    /// A shell that moves itself into `cgroup`, then runs `cat marker` for every line on its stdin.
    func shell(in cgroup: String, marker: String) throws -> Pipe {
        let input = Pipe(), p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "read go && echo $$ > '\(cgroup)/cgroup.procs' && while read line; do cat \"$0\"; done", marker]
        p.standardInput = input
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        shells.append(p)
        inputs.append(input)
        input.fileHandleForWriting.write(Data("go\n".utf8))
        return input
    }

    func testEventsOfContainerdContainersCarryTheirNameImageLabelsAndPod() throws {
        guard let daemon, let stream else { throw TestSupportError("containerd or the agent did not start") }
        let mounts = CgroupTree.mounts()
        guard let v2 = mounts.cgroup2.first(where: { $0 == "/sys/fs/cgroup" }) ?? mounts.cgroup2.first else {
            throw TestSupportError("no cgroup2 mount on this machine")
        }
        let image = "localhost/infrasight-it-containerd:latest"
        try daemon.importBusyboxImage(image, namespace: "k8s.io")
        try daemon.ctr("default", ["images", "import", daemon.directory + "/image.tar"])

        let podUID = UUID().uuidString.lowercased()
        let kube = CgroupLayout.randomID(), plain = CgroupLayout.randomID()
        try daemon.createContainer(id: kube, image: image, labels: [
            "io.kubernetes.pod.name": "web-0", "io.kubernetes.pod.namespace": "shop", "io.kubernetes.pod.uid": podUID,
            "io.kubernetes.container.name": "nginx", "app": "web"], namespace: "k8s.io")
        try daemon.createContainer(id: plain, image: image, labels: ["nerdctl/name": "plain-web", "team": "infra"], namespace: "default")
        let slicedUID = podUID.replacingOccurrences(of: "-", with: "_")
        let containers: [(id: String, namespace: String, cgroup: String, name: String, podUID: String)] = [
            (kube, "k8s.io", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(slicedUID).slice/cri-containerd-\(kube).scope", "nginx", podUID),
            (plain, "default", "/default/\(plain)", "plain-web", ""),
        ]

        for c in containers {
            try tree.make(root: v2, relative: c.cgroup)
            stream.watch(containerID: c.id)
            let marker = NSTemporaryDirectory() + "is-ctrd-marker-\(UInt32.random(in: 0...UInt32.max))"
            guard FileManager.default.createFile(atPath: marker, contents: Data("x\n".utf8)) else { throw TestSupportError("could not create \(marker)") }
            defer { try? FileManager.default.removeItem(atPath: marker) }
            let input = try shell(in: v2 + c.cgroup, marker: marker)
            func cats() -> [Event] { stream.events(count: 0, timeout: 0) { $0.probe == "execve" && $0.containerID == c.id && $0.exec.argv == ["cat", marker] } }

            // One `cat` per line until an event carries containerd's answer (fetched asynchronously).
            var first: Event?
            for round in 1...40 where first == nil {
                input.fileHandleForWriting.write(Data("go\n".utf8))
                let seen = stream.events(count: round) { $0.probe == "execve" && $0.containerID == c.id && $0.exec.argv == ["cat", marker] }
                XCTAssertGreaterThanOrEqual(seen.count, round, "\(c.namespace): cat #\(round) has no exec event\n\(stream.diagnostics)")
                first = seen.first { !$0.container.name.isEmpty }
            }
            guard let first else {
                XCTFail("\(c.namespace): no event ever carried containerd's metadata\n\(stream.diagnostics)\ncontainerd log:\n\(daemon.output().suffix(2000))")
                continue
            }
            // Once known, every later event carries it (cached per container id).
            let known = cats().count
            for _ in 0..<2 { input.fileHandleForWriting.write(Data("go\n".utf8)) }
            _ = stream.events(count: known + 2) { $0.probe == "execve" && $0.containerID == c.id && $0.exec.argv == ["cat", marker] }
            for e in cats() {
                XCTAssertEqual(e.containerRuntime, "containerd")
                XCTAssertEqual(e.container.podUid, c.podUID, "from the cgroup, and from containerd's labels")
                if e.ktimeNs > first.ktimeNs { XCTAssertEqual(e.container.name, c.name, "every cat after the first answer") }
            }
            XCTAssertGreaterThanOrEqual(cats().count, known + 2)
            XCTAssertEqual(first.container.name, c.name)
            XCTAssertEqual(first.container.image, image)
            XCTAssertEqual(first.container.labels, try daemon.labels(of: c.id, namespace: c.namespace), "the labels containerd holds")
            if c.namespace == "k8s.io" {
                XCTAssertEqual(first.container.podName, "web-0")
                XCTAssertEqual(first.container.podNamespace, "shop")
                XCTAssertEqual(first.container.labels["app"], "web")
            } else {
                XCTAssertEqual(first.container.podName, "")
                XCTAssertEqual(first.container.labels["team"], "infra")
            }
        }
    }
}
