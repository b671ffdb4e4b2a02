import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Container runtime metadata from a real runtime: a real podman container (a busybox image imported
/// from the host's static busybox, run by runc), podman's Docker-compatible API served by
/// `podman system service` on a unix socket, and the real agent told about that socket. The events of
/// the container's processes must carry its id and runtime from the cgroup, and, once podman answered,
/// its name, image, labels and the pod name, namespace and uid from the CRI labels. Needs root,
/// podman, runc and busybox (`make deps` installs them); FAILS without them.
final class PodmanMetadataIntegrationTests: XCTestCase {
    static let image = Podman.busyboxImage

    var work = ""
    var service: ChildProcess?
    var stream: AgentEventStream?

    @discardableResult
    func podman(_ args: [String]) throws -> String { try Podman.run(args) }

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw TestSupportError("the podman metadata test needs root") }
        work = NSTemporaryDirectory() + "is-podman-it-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        _ = try Podman.which("runc")
        try Podman.importBusyboxImage(work: work)
        let socket = work + "/podman.sock"
        service = try ChildProcess(name: "podman system service", executable: try Podman.which("podman"),
                                   arguments: Podman.global + ["system", "service", "--time", "0", "unix://" + socket],
                                   logPath: work + "/podman-service.log")
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: socket) {
            guard service?.isRunning == true, Date() < deadline else { throw TestSupportError("podman system service did not listen:\n\(service?.output() ?? "")") }
            usleep(100_000)
        }
        stream = try AgentEventStream(name: "podman-metadata-it", probes: [.execve, .open],
                                      extraArguments: ["--runtime-socket", "podman=" + socket,
                                                       "--runtime-socket", "docker=" + work + "/no-docker.sock"])
    }

    override func tearDownWithError() throws {
        stream?.stop()
        _ = service?.stop(grace: 10)
        try? FileManager.default.removeItem(atPath: work)
    }

    func testEventsOfAPodmanContainerCarryItsNameImageLabelsAndPod() throws {
        guard let stream else { throw TestSupportError("agent did not start") }
        let workload = try PodmanWorkload(work: work)
        defer { workload.stop() }
        let cid = workload.id, name = workload.name, labels = workload.labels, podUID = workload.podUID
        stream.watch(containerID: cid)

        func cats() -> [Event] { stream.events(count: 0, timeout: 0, where: PodmanWorkload.isCat) }
        guard let first = workload.catUntilMetadata(stream) else {
            XCTFail("no event of the container ever carried podman's metadata\n\(stream.diagnostics)\npodman service log:\n\(service?.output().suffix(2000) ?? "")")
            return
        }
        // Two more rounds: once known, the metadata is on every event (cached per container id).
        let known = cats().count
        for _ in 0..<2 { workload.runCat() }
        _ = stream.events(count: known + 2, where: PodmanWorkload.isCat)

        let all = stream.events(count: 0, timeout: 0) { _ in true }
        XCTAssertFalse(all.isEmpty)
        for e in all {
            XCTAssertEqual(e.containerID, cid)
            XCTAssertEqual(e.containerRuntime, "podman")
        }
        // The cats run one after another, so a later cat's exec record is built after `first` was.
        for e in cats() where e.ktimeNs > first.ktimeNs {
            XCTAssertEqual(e.container.name, name, "every cat after the first answer carries the metadata")
        }
        XCTAssertEqual(first.container.name, name)
        XCTAssertEqual(first.container.image, Self.image)
        XCTAssertEqual(first.container.labels, labels)
        XCTAssertEqual(first.container.podName, "web-0")
        XCTAssertEqual(first.container.podNamespace, "shop")
        XCTAssertEqual(first.container.podUid, podUID)
        XCTAssertGreaterThanOrEqual(cats().count, known + 2)
    }
}
