import Foundation
import Logging
import XCTest
import InfraSightTestSupport
@testable import InfraSightAgent
#if canImport(Glibc)
import Glibc
#endif

/// The containerd client (grpc-swift 2) and the metadata cache on containerd's real answers: a private
/// containerd 1.6 (`ContainerdDaemon`; needs root, containerd, podman and busybox-static, FAILS without
/// them) holding container records with CRI labels; NOT_FOUND for an unknown id; a containerd that is
/// down, then restarted (same client, reconnected); and a socket that accepts and never answers (the
/// deadline). The end-to-end run with the real agent is ContainerdMetadataIntegrationTests.
final class ContainerdContainersClientTests: XCTestCase {
    static let image = "localhost/infrasight-ctrd-unit:latest"
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "is-ctrd-unit-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func quietLogger() -> Logger { Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }) }

    /// Polls `cache` (as the event path does: never waiting) until it has `container`'s metadata.
    func eventually(_ cache: ContainerMetadataCache, _ container: ContainerIdentity, seconds: Double = 30) -> ContainerMetadata? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let m = cache.metadata(for: container) { return m }
            usleep(10_000)
        }
        return nil
    }

    func testRecordsWithCRILabelsAreFoundInTheirNamespaceAndUnknownIdsAreNotFound() async throws {
        let daemon = try ContainerdDaemon.start()
        defer { daemon.stop() }
        try daemon.importBusyboxImage(Self.image, namespace: "k8s.io")
        try daemon.importBusyboxImage(Self.image, namespace: "default")
        let podUID = UUID().uuidString.lowercased()
        let kube = LayoutIDs.random(), plain = LayoutIDs.random()
        try daemon.createContainer(id: kube, image: Self.image, labels: [
            "io.kubernetes.pod.name": "web-0", "io.kubernetes.pod.namespace": "shop",
            "io.kubernetes.pod.uid": podUID, "io.kubernetes.container.name": "nginx"], namespace: "k8s.io")
        try daemon.createContainer(id: plain, image: Self.image, labels: ["nerdctl/name": "plain-web", "team": "infra"], namespace: "default")

        let client = ContainerdContainersClient(socketPath: daemon.socket, timeout: .seconds(5))
        defer { client.close() }
        guard case .found(let k, let kubeNamespace) = await client.lookup(kube) else { return XCTFail("kube container not found") }
        XCTAssertEqual(kubeNamespace, "k8s.io")
        XCTAssertEqual(k.name, "nginx", "the CRI container name label")
        XCTAssertEqual(k.image, Self.image)
        XCTAssertEqual(k.labels, try daemon.labels(of: kube, namespace: "k8s.io"), "the labels containerd reports")
        XCTAssertEqual([k.podName, k.podNamespace, k.podUID], ["web-0", "shop", podUID])

        // Found in `default` after NOT_FOUND in `k8s.io`, on the same connection.
        guard case .found(let p, let plainNamespace) = await client.lookup(plain) else { return XCTFail("plain container not found") }
        XCTAssertEqual(plainNamespace, "default")
        XCTAssertEqual(p.name, "plain-web", "nerdctl's name label")
        XCTAssertEqual(p.labels["team"], "infra")
        XCTAssertEqual(p.podName, "")
        let inK8s = await client.get(plain, namespace: "k8s.io")
        XCTAssertEqual(inK8s, .notFound)

        // An id in no namespace (never created, or a container that exited and was removed).
        let unknown = await client.lookup(LayoutIDs.random())
        XCTAssertEqual(unknown, .notFound)

        // The cache, as the agent uses it: the event path only reads the cache.
        let cache = ContainerMetadataCache(sockets: [RuntimeSocket(runtime: "containerd", path: daemon.socket, api: .containerdGRPC)],
                                           logger: Self.quietLogger())
        defer { cache.close() }
        let identity = ContainerIdentity(id: kube, runtime: "containerd")
        XCTAssertNil(cache.metadata(for: identity), "the first lookup only starts the request")
        XCTAssertEqual(eventually(cache, identity), k)
        let gone = ContainerIdentity(id: LayoutIDs.random(), runtime: "containerd")
        XCTAssertNil(cache.metadata(for: gone))
        XCTAssertNil(eventually(cache, gone, seconds: 3), "no metadata for an unknown container")
        XCTAssertEqual(cache.misses.value("containerd", .notFound), 1, "the miss is counted once")
        XCTAssertEqual(cache.misses.value("containerd", .timeout), 0)
        XCTAssertEqual(cache.requestCount, 2)
    }

    /// The reverted hand-written client (78dad33) lost about 2 % of its connections: it added the HTTP/2
    /// handler in the connect callback, after the channel was active, so containerd's SETTINGS (sent at
    /// accept) were sometimes read into a bare pipeline and dropped; the call then waited for its
    /// deadline. Every new connection here must get its answer.
    func testEveryNewConnectionGetsItsAnswer() async throws {
        let daemon = try ContainerdDaemon.start()
        defer { daemon.stop() }
        try daemon.importBusyboxImage(Self.image, namespace: "k8s.io")
        let id = LayoutIDs.random()
        try daemon.createContainer(id: id, image: Self.image, labels: ["io.kubernetes.pod.name": "web-0"], namespace: "k8s.io")
        var outcomes: [String: Int] = [:]
        for _ in 0..<200 {
            let client = ContainerdContainersClient(socketPath: daemon.socket, timeout: .seconds(2))
            let result = await client.get(id, namespace: "k8s.io")
            client.close()
            if case .found(let m, _) = result, m.podName == "web-0" { outcomes["found", default: 0] += 1 } else { outcomes["\(result)", default: 0] += 1 }
        }
        XCTAssertEqual(outcomes, ["found": 200], "each of 200 fresh connections answered")
    }

    func testContainerdDownIsUnavailableAtOnceAndTheSameClientReconnectsWhenItIsBack() async throws {
        let daemon = try ContainerdDaemon.start()
        defer { daemon.stop() }
        try daemon.importBusyboxImage(Self.image, namespace: "k8s.io")
        let id = LayoutIDs.random()
        try daemon.createContainer(id: id, image: Self.image, labels: ["io.kubernetes.pod.name": "db-0"], namespace: "k8s.io")
        let client = ContainerdContainersClient(socketPath: daemon.socket, timeout: .seconds(5),
                                                reconnectInitial: .milliseconds(100), reconnectMax: .milliseconds(500))
        defer { client.close() }
        guard case .found(let before, _) = await client.lookup(id) else { return XCTFail("not found while containerd runs") }
        XCTAssertEqual(before.podName, "db-0")

        daemon.shutDownDaemon()
        var down = ContainerdLookup.notFound
        let started = ContinuousClock.now
        for _ in 0..<20 {  // the first call after the connection dropped may still see it closing
            down = await client.lookup(id)
            if case .unavailable = down { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard case .unavailable = down else { return XCTFail("containerd down: expected unavailable, got \(down)") }
        XCTAssertLessThan(started.duration(to: .now), .seconds(4), "a containerd that is down fails fast, never waits for the deadline")

        try daemon.restart()
        var after = ContainerdLookup.notFound
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            after = await client.lookup(id)
            if case .found = after { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard case .found(let again, _) = after else { return XCTFail("no answer after containerd came back: \(after)") }
        XCTAssertEqual(again, before, "the same client reconnected")
    }

    func testASocketThatNeverAnswersHitsTheDeadlineAndIsCountedWithoutBlockingTheEventPath() async throws {
        let path = dir + "/silent.sock"
        let fd = ProbeSockets.unixListener(path)  // accepts connections (the backlog) and never answers
        defer { close(fd) }
        let client = ContainerdContainersClient(socketPath: path, timeout: .milliseconds(300))
        defer { client.close() }
        let started = ContinuousClock.now
        let result = await client.get(LayoutIDs.random(), namespace: "k8s.io")
        XCTAssertEqual(result, .timedOut)
        XCTAssertLessThan(started.duration(to: .now), .seconds(3), "bounded by the deadline")

        let sink = ContextRuntimeMetadataTests.LogSink()
        let cache = ContainerMetadataCache(sockets: [RuntimeSocket(runtime: "containerd", path: path, api: .containerdGRPC)],
                                           logger: Logger(label: "t", factory: { _ in sink }), requestTimeout: .milliseconds(300))
        defer { cache.close() }
        let identity = ContainerIdentity(id: LayoutIDs.random(), runtime: "containerd")
        let lookupStarted = ContinuousClock.now
        for _ in 0..<1000 { XCTAssertNil(cache.metadata(for: identity)) }
        XCTAssertLessThan(lookupStarted.duration(to: .now), .milliseconds(250), "the event path never waits on containerd")
        let deadline = ContinuousClock.now + .seconds(10)
        while cache.isPending(identity), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertFalse(cache.isPending(identity), "the lookup ended at its deadline")
        XCTAssertEqual(cache.misses.value("containerd", .timeout), 1, "the timeout is counted")
        XCTAssertNil(cache.metadata(for: identity), "no metadata: the event keeps its id only")
        XCTAssertTrue(sink.all().contains { $0.contains("did not answer") && $0.contains(identity.shortID) }, "the timeout is logged: \(sink.all())")
    }

    func testAMissingSocketIsCountedAndNeverAsked() {
        let cache = ContainerMetadataCache(sockets: [RuntimeSocket(runtime: "containerd", path: dir + "/none.sock", api: .containerdGRPC)],
                                           logger: Self.quietLogger())
        defer { cache.close() }
        XCTAssertNil(cache.metadata(for: ContainerIdentity(id: LayoutIDs.random(), runtime: "containerd")))
        XCTAssertEqual(cache.requestCount, 0)
        XCTAssertEqual(cache.misses.value("containerd", .noSocket), 1)
    }
}
