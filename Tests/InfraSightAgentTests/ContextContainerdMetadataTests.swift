import Foundation
import Logging
import NIOCore
import XCTest
import InfraSightTestSupport
@testable import InfraSightAgent

/// containerd metadata: gRPC message framing and `GetContainerResponse` decoding against an answer
/// recorded from a real containerd, the request bytes, the namespace order, names from nerdctl and compose
/// labels, the gRPC client's timeout, and client and cache against a real private containerd
/// (`ContainerdDaemon`: needs root, containerd, podman and busybox-static; FAILS without them). The
/// end-to-end run with the real agent is ContainerdMetadataIntegrationTests.
final class ContextContainerdMetadataTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "is-ctrd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    static let recordedLabels = ["io.kubernetes.pod.name": "web-0", "io.kubernetes.pod.namespace": "shop",
                                 "io.kubernetes.pod.uid": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                                 "io.kubernetes.container.name": "nginx",
                                 "io.containerd.image.config.stop-signal": "SIGTERM"]

    // MARK: Framing and decoding (recorded from containerd 1.6.20)

    func testRecordedAnswerIsOneFramedGetContainerResponse() throws {
        let body = RecordedRuntimeAnswers.containerdGetResponseBody
        let message = try XCTUnwrap(GRPCMessageFrame.decodeSingle(body, maxMessageBytes: 4 << 20))
        XCTAssertEqual(message.count, body.count - 5)
        XCTAssertEqual(GRPCMessageFrame.announcedLength(body), message.count)
        XCTAssertEqual(GRPCMessageFrame.encode(message), body, "re-framing gives the bytes containerd sent")

        let response = try Containerd_Services_Containers_V1_GetContainerResponse(serializedBytes: message)
        XCTAssertEqual(response.container.id, RecordedRuntimeAnswers.containerdContainerID)
        let m = try XCTUnwrap(RuntimeInspectDecoder.containerd(message))
        XCTAssertEqual(m.name, "nginx", "the CRI container name label")
        XCTAssertEqual(m.image, "localhost/infrasight-ctrd-probe:latest")
        XCTAssertEqual(m.labels, Self.recordedLabels)
        XCTAssertEqual(m.podName, "web-0")
        XCTAssertEqual(m.podNamespace, "shop")
        XCTAssertEqual(m.podUID, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
    }

    func testMalformedBodiesAreRejected() throws {
        let body = RecordedRuntimeAnswers.containerdGetResponseBody
        XCTAssertNil(try GRPCMessageFrame.decodeSingle([], maxMessageBytes: 10), "no message (trailers-only answer)")
        XCTAssertThrowsError(try GRPCMessageFrame.decodeSingle(Array(body.prefix(3)), maxMessageBytes: 1 << 20)) {
            XCTAssertEqual($0 as? GRPCMessageFrame.Failure, .truncated(expected: 5, got: 3))
        }
        XCTAssertThrowsError(try GRPCMessageFrame.decodeSingle(Array(body.dropLast()), maxMessageBytes: 1 << 20)) {
            XCTAssertEqual($0 as? GRPCMessageFrame.Failure, .truncated(expected: body.count, got: body.count - 1))
        }
        var compressed = body
        compressed[0] = 1
        XCTAssertThrowsError(try GRPCMessageFrame.decodeSingle(compressed, maxMessageBytes: 1 << 20)) {
            XCTAssertEqual($0 as? GRPCMessageFrame.Failure, .compressed(flag: 1))
        }
        XCTAssertThrowsError(try GRPCMessageFrame.decodeSingle(body, maxMessageBytes: 100)) {
            XCTAssertEqual($0 as? GRPCMessageFrame.Failure, .tooLarge(length: body.count - 5, limit: 100))
        }
        XCTAssertThrowsError(try GRPCMessageFrame.decodeSingle(body + [0], maxMessageBytes: 1 << 20)) {
            XCTAssertEqual($0 as? GRPCMessageFrame.Failure, .trailingBytes(1))
        }
        XCTAssertNil(RuntimeInspectDecoder.containerd([0xff, 0xff, 0xff]), "not protobuf")
        XCTAssertNil(RuntimeInspectDecoder.containerd([]), "a response without a container")
    }

    func testRequestBytes() {
        let id = RecordedRuntimeAnswers.containerdContainerID
        // GetContainerRequest{id = 1}: tag 0x0a, length 64, the id; framed: flag 0, length 66 big-endian.
        XCTAssertEqual(ContainerdContainersClient.getRequest(containerID: id), [0x0a, 64] + Array(id.utf8))
        XCTAssertEqual(Array(GRPCMessageFrame.encode(ContainerdContainersClient.getRequest(containerID: id)).prefix(5)), [0, 0, 0, 0, 66])
    }

    func testNamespaceOrderFollowsTheCgroupLayout() {
        let id = LayoutIDs.random()
        XCTAssertEqual(ContainerdContainersClient.namespaceOrder(for: ContainerIdentity(id: id, runtime: "containerd", podUID: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")),
                       ["k8s.io", "moby", "default"])
        XCTAssertEqual(ContainerdContainersClient.namespaceOrder(for: ContainerIdentity(id: id, runtime: "docker")), ["moby", "k8s.io", "default"])
        XCTAssertEqual(ContainerdContainersClient.namespaceOrder(for: ContainerIdentity(id: id, runtime: "containerd")), ["default", "k8s.io", "moby"])
    }

    func testNamesFromNerdctlAndComposeLabels() throws {
        func decoded(_ labels: [String: String]) throws -> ContainerMetadata? {
            var response = Containerd_Services_Containers_V1_GetContainerResponse()
            response.container.id = LayoutIDs.random()
            response.container.image = "docker.io/library/nginx:1.27"
            response.container.labels = labels
            return RuntimeInspectDecoder.containerd(try response.serializedBytes())
        }
        XCTAssertEqual(try decoded(["nerdctl/name": "web"])?.name, "web")
        XCTAssertEqual(try decoded(["com.docker.compose.project": "shop", "com.docker.compose.service": "db",
                                    "com.docker.compose.container-number": "2"])?.name, "shop-db-2")
        XCTAssertEqual(try decoded(["team": "infra"])?.name, "", "no name label: no name")
        XCTAssertEqual(try decoded([:])?.image, "docker.io/library/nginx:1.27")
    }

    // MARK: Client

    /// Runs an asynchronous call and waits (bounded) for its completion.
    func wait<T: Sendable>(_ start: (@escaping @Sendable (T) -> Void) -> Void) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = Box<T>()
        start { box.value = $0; done.signal() }
        guard done.wait(timeout: .now() + 30) == .success, let value = box.value else { throw TestSupportError("no completion in 30 s") }
        return value
    }

    final class Box<T>: @unchecked Sendable { var value: T? }

    func testUnaryClientTimesOutOnASilentSocketAndFailsWithoutOne() throws {
        let fd = ProbeSockets.unixListener(dir + "/silent.sock")
        defer { close(fd) }
        let silent = GRPCUnaryClient(socketPath: dir + "/silent.sock", timeout: .milliseconds(300))
        let started = Date()
        let result = try wait { done in silent.call(path: ContainerdContainersClient.getPath, metadata: [], request: [], completion: done) }
        guard case .failure(let error) = result, case .timedOut? = error as? GRPCUnaryClient.Failure else {
            return XCTFail("expected a timeout, got \(result)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        let missing = GRPCUnaryClient(socketPath: dir + "/none.sock")
        let noSocket = try wait { done in missing.call(path: ContainerdContainersClient.getPath, metadata: [], request: [], completion: done) }
        if case .success = noSocket { XCTFail("a missing socket cannot answer") }
    }

    func testClientAndCacheAgainstARealContainerd() throws {
        let daemon = try ContainerdDaemon.start()
        defer { daemon.stop() }
        let image = "localhost/infrasight-ctrd-unit:latest"
        try daemon.importBusyboxImage(image, namespace: "k8s.io")
        try daemon.ctr("default", ["images", "import", daemon.directory + "/image.tar"])
        let podUID = UUID().uuidString.lowercased()
        let kube = LayoutIDs.random(), plain = LayoutIDs.random()
        try daemon.createContainer(id: kube, image: image, labels: ["io.kubernetes.pod.name": "web-0", "io.kubernetes.pod.namespace": "shop",
                                                                   "io.kubernetes.pod.uid": podUID, "io.kubernetes.container.name": "nginx"],
                                   namespace: "k8s.io")
        try daemon.createContainer(id: plain, image: image, labels: ["nerdctl/name": "plain-web", "team": "infra"], namespace: "default")

        let client = ContainerdContainersClient(socketPath: daemon.socket, timeout: .seconds(10))
        func lookup(_ c: ContainerIdentity) throws -> ContainerMetadata? {
            try wait { done in client.metadata(for: c) { done($0) } }.get()
        }
        let k = try XCTUnwrap(lookup(ContainerIdentity(id: kube, runtime: "containerd", podUID: podUID)))
        XCTAssertEqual(k.name, "nginx")
        XCTAssertEqual(k.image, image)
        XCTAssertEqual(k.labels, try daemon.labels(of: kube, namespace: "k8s.io"), "the labels containerd reports")
        XCTAssertEqual([k.podName, k.podNamespace, k.podUID], ["web-0", "shop", podUID])

        let p = try XCTUnwrap(lookup(ContainerIdentity(id: plain, runtime: "containerd")))
        XCTAssertEqual(p.name, "plain-web")
        XCTAssertEqual(p.labels["team"], "infra")
        XCTAssertEqual(p.podName, "")
        // Found after NOT_FOUND in k8s.io and moby.
        XCTAssertEqual(try lookup(ContainerIdentity(id: plain, runtime: "containerd", podUID: podUID))?.name, "plain-web")
        XCTAssertNil(try lookup(ContainerIdentity(id: LayoutIDs.random(), runtime: "containerd", podUID: podUID)), "in no namespace")

        // A gRPC error other than NOT_FOUND comes back as such (UNIMPLEMENTED = 12).
        let other = try wait { done in
            client.grpc.call(path: "/containerd.services.containers.v1.Containers/NoSuchMethod", metadata: [("containerd-namespace", "default")],
                             request: [], completion: done)
        }
        XCTAssertEqual(try other.get().status, 12)

        // The cache, as the agent uses it.
        let cache = ContainerMetadataCache(sockets: [RuntimeSocket(runtime: "containerd", path: daemon.socket, api: .containerdGRPC)],
                                           logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        let identity = ContainerIdentity(id: kube, runtime: "containerd", podUID: podUID)
        XCTAssertNil(cache.metadata(for: identity), "the first lookup only starts the request")
        let deadline = Date().addingTimeInterval(30)
        var cached: ContainerMetadata?
        while cached == nil, Date() < deadline { cached = cache.metadata(for: identity); usleep(10_000) }
        XCTAssertEqual(cached, k)
        XCTAssertEqual(cache.requestCount, 1)
    }
}
