import XCTest
@testable import InfraSightAgent

final class ContextCgroupContainerParserTests: XCTestCase {
    private let id = "3f7c2d9e8b1a4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5"
    private let id2 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    private let podUID = "8a4f2c1e-3b5d-4e6f-9a0b-1c2d3e4f5a6b"
    private var podUIDUnderscored: String { podUID.replacingOccurrences(of: "-", with: "_") }

    private func assertContainer(_ path: String, _ runtime: String, pod: String? = nil, id expectedID: String? = nil,
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(CgroupContainerParser.parse(path),
                       ContainerIdentity(id: expectedID ?? id, runtime: runtime, podUID: pod),
                       path, file: file, line: line)
    }

    // MARK: docker

    /// Read from inside a private cgroup namespace (a containerised agent), another process's
    /// `/proc/<pid>/cgroup` paths start with `/..` steps up to the common ancestor.
    func testPathsSeenFromAPrivateCgroupNamespace() {
        assertContainer("0::/../../system.slice/docker-\(id).scope", "docker")
        assertContainer("0::/../../kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(podUIDUnderscored).slice/cri-containerd-\(id).scope",
                        "containerd", pod: podUID)
        assertContainer("12:pids:/../../libpod_parent/libpod-\(id)", "podman")
        assertContainer("0::/../kubepods/burstable/pod\(podUID)/crio-\(id)", "cri-o", pod: podUID)
        XCTAssertNil(CgroupContainerParser.parse("0::/../.."), "the host root, seen from below")
        XCTAssertNil(CgroupContainerParser.parse("0::/../../system.slice/libpod-conmon-\(id).scope"))
    }

    func testDockerCgroupfs() {
        assertContainer("/docker/\(id)", "docker")
    }

    func testDockerSystemd() {
        assertContainer("/system.slice/docker-\(id).scope", "docker")
    }

    func testDockerRootlessSystemd() {
        assertContainer("/user.slice/user-1000.slice/user@1000.service/user.slice/docker-\(id).scope", "docker")
    }

    func testDockerNestedInitCgroup() {
        assertContainer("/system.slice/docker-\(id).scope/init.scope", "docker")
        assertContainer("/docker/\(id)/init.scope", "docker")
    }

    func testDockerInDockerGivesInnermost() {
        assertContainer("/docker/\(id2)/docker/\(id)", "docker")
    }

    func testECS() {
        assertContainer("/ecs/5a8e6b1f0d2c4e3b9a7f6e5d4c3b2a10/\(id)", "docker")
    }

    // MARK: Kubernetes + containerd

    func testKubepodsCgroupfsBurstable() {
        assertContainer("/kubepods/burstable/pod\(podUID)/\(id)", "containerd", pod: podUID)
    }

    func testKubepodsCgroupfsBestEffort() {
        assertContainer("/kubepods/besteffort/pod\(podUID)/\(id)", "containerd", pod: podUID)
    }

    func testKubepodsCgroupfsGuaranteed() {
        assertContainer("/kubepods/pod\(podUID)/\(id)", "containerd", pod: podUID)
    }

    func testKubepodsSystemdBurstable() {
        assertContainer("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(podUIDUnderscored).slice/cri-containerd-\(id).scope",
                        "containerd", pod: podUID)
    }

    func testKubepodsSystemdBestEffort() {
        assertContainer("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(podUIDUnderscored).slice/cri-containerd-\(id).scope",
                        "containerd", pod: podUID)
    }

    func testKubepodsSystemdGuaranteed() {
        assertContainer("/kubepods.slice/kubepods-pod\(podUIDUnderscored).slice/cri-containerd-\(id).scope",
                        "containerd", pod: podUID)
    }

    func testKindKubeletSlice() {
        assertContainer("/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod\(podUIDUnderscored).slice/cri-containerd-\(id).scope",
                        "containerd", pod: podUID)
    }

    func testContainerdServiceWithVerbatimSystemdCgroupsPath() {
        assertContainer("/system.slice/containerd.service/kubepods-burstable-pod\(podUIDUnderscored).slice:cri-containerd:\(id)",
                        "containerd", pod: podUID)
    }

    func testStaticPodHashUID() {
        let hash = "5d4c1e1ac0f9b3b4c1c0a9e8d7f6e5d4"
        assertContainer("/kubepods/burstable/pod\(hash)/\(id)", "containerd", pod: hash)
        assertContainer("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(hash).slice/cri-containerd-\(id).scope",
                        "containerd", pod: hash)
    }

    func testPodUIDIsLowercased() {
        assertContainer("/kubepods/besteffort/pod\(podUID.uppercased())/\(id)", "containerd", pod: podUID)
    }

    func testDockershimUnderKubepodsSystemd() {
        assertContainer("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(podUIDUnderscored).slice/docker-\(id).scope",
                        "docker", pod: podUID)
    }

    // MARK: plain containerd

    func testPlainContainerdNamespaces() {
        assertContainer("/default/\(id)", "containerd")
        assertContainer("/k8s.io/\(id)", "containerd")
        assertContainer("/system.slice/containerd.service/default-\(id)", "containerd")
        assertContainer("/system.slice/containerd.service/\(id)", "containerd")
    }

    func testNerdctlSystemd() {
        assertContainer("/system.slice/nerdctl-\(id).scope", "containerd")
    }

    // MARK: CRI-O

    func testCrioSystemd() {
        assertContainer("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(podUIDUnderscored).slice/crio-\(id).scope",
                        "cri-o", pod: podUID)
    }

    func testCrioCgroupfs() {
        assertContainer("/kubepods/burstable/pod\(podUID)/crio-\(id)", "cri-o", pod: podUID)
    }

    func testCrioConmonIsNotAContainer() {
        XCTAssertNil(CgroupContainerParser.parse(
            "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(podUIDUnderscored).slice/crio-conmon-\(id).scope"))
        XCTAssertNil(CgroupContainerParser.parse("/kubepods/burstable/pod\(podUID)/crio-conmon-\(id)"))
    }

    func testCrioNestedContainerCgroup() {
        assertContainer("/kubepods.slice/kubepods-pod\(podUIDUnderscored).slice/crio-\(id).scope/container",
                        "cri-o", pod: podUID)
    }

    // MARK: podman

    func testPodmanRoot() {
        assertContainer("/machine.slice/libpod-\(id).scope", "podman")
    }

    func testPodmanRootless() {
        assertContainer("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-\(id).scope", "podman")
    }

    func testPodmanTrailingContainer() {
        assertContainer("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-\(id).scope/container", "podman")
        assertContainer("/machine.slice/libpod-\(id).scope/container", "podman")
    }

    func testPodmanCgroupfs() {
        assertContainer("/libpod_parent/libpod-\(id)", "podman")
    }

    func testPodmanConmonIsNotAContainer() {
        XCTAssertNil(CgroupContainerParser.parse("/machine.slice/libpod-conmon-\(id).scope"))
        XCTAssertNil(CgroupContainerParser.parse(
            "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-conmon-\(id).scope"))
    }

    // MARK: input forms

    func testProcCgroupLines() {
        assertContainer("0::/system.slice/docker-\(id).scope", "docker")
        assertContainer("4:memory:/docker/\(id)\n", "docker")
        assertContainer("9:name=systemd:/kubepods/burstable/pod\(podUID)/\(id)", "containerd", pod: podUID)
    }

    func testUppercaseIDIsNormalised() {
        assertContainer("/docker/\(id.uppercased())", "docker")
    }

    func testTrailingAndDoubleSlashes() {
        assertContainer("/docker/\(id)/", "docker")
        assertContainer("//system.slice//docker-\(id).scope//", "docker")
    }

    // MARK: host and non-matches

    func testHostCgroups() {
        for path in ["/", "", "/init.scope", "/system.slice", "/system.slice/docker.service",
                     "/system.slice/containerd.service", "/user.slice/user-1000.slice/session-3.scope",
                     "/kubepods", "/kubepods.slice/kubepods-burstable.slice",
                     "/kubepods/burstable/pod\(podUID)", "/docker", "0::/"] {
            XCTAssertNil(CgroupContainerParser.parse(path), path)
        }
    }

    func testNearMisses() {
        let paths = [
            "/docker/\(id.dropLast())",                       // 63 hex
            "/docker/\(id)0",                                 // 65 hex
            "/docker/\(id.dropLast())g",                      // non-hex
            "/system.slice/docker-\(id.dropLast()).scope",
            "/system.slice/docker-\(id).scope.extra",
            "/system.slice/dockerx\(id).scope",
            "/\(id)",                                          // bare id without any runtime hint
            "/custom/\(id)",
            "/system.slice/foo-\(id).scope",                   // unknown prefix, no hint
            "/system.slice/containerd.service/a:b:c:\(id)",    // wrong colon form
        ]
        for path in paths { XCTAssertNil(CgroupContainerParser.parse(path), path) }
    }

    func testBoundedInput() {
        let long = "/docker/" + String(repeating: "a/", count: 3000) + id
        XCTAssertNil(CgroupContainerParser.parse(long))
        let manyComponents = String(repeating: "/x", count: 300) + "/docker/\(id)"
        XCTAssertNil(CgroupContainerParser.parse(manyComponents))
        let withinLimits = String(repeating: "/x", count: 100) + "/docker/\(id)"
        assertContainer(withinLimits, "docker")
    }

    func testFuzzNeverCrashes() {
        var rng = SystemRandomNumberGenerator()
        let fragments = ["/", "docker", "-", ".scope", ".slice", ":", "pod", "_", "crio-", "conmon-", "libpod-",
                         "cri-containerd-", "kubepods", id, String(id.prefix(30)), podUID, podUIDUnderscored,
                         "\u{0}", "ü", "\u{FFFD}", "\n", "0", "::", "9:name=systemd:"]
        for _ in 0..<20_000 {
            var s = ""
            for _ in 0..<Int.random(in: 0...12, using: &rng) { s += fragments.randomElement(using: &rng)! }
            if let identity = CgroupContainerParser.parse(s) {
                XCTAssertEqual(identity.id.utf8.count, 64, s)
                XCTAssertTrue(["docker", "containerd", "cri-o", "podman"].contains(identity.runtime), s)
                if let pod = identity.podUID { XCTAssertTrue(pod.utf8.count == 36 || pod.utf8.count == 32, s) }
            }
        }
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = CgroupContainerParser.parse(String(decoding: bytes, as: UTF8.self))
        }
    }
}
