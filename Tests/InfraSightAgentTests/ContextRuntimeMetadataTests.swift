import Foundation
import Logging
import NIOCore
import XCTest
@testable import InfraSightAgent

/// Container runtime metadata: decoding the runtimes' answers (recorded from real podman; CRI-O's
/// from its schema), the unix-socket HTTP client and the cache against a real unix-socket HTTP server
/// in the test serving those answers, `--runtime-socket` parsing. The end-to-end run with real podman
/// is PodmanMetadataIntegrationTests.
final class ContextRuntimeMetadataTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "is-rt-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    // MARK: Decoding

    func testDockerAPIAnswerFromRealPodman() throws {
        let m = try XCTUnwrap(RuntimeInspectDecoder.dockerAPI(Array(RecordedRuntimeAnswers.podmanInspect.utf8)))
        XCTAssertEqual(m.name, "wtcg-test", "leading / dropped")
        XCTAssertEqual(m.image, "localhost/infrasight-busybox:test", "Config.Image, not the image id")
        XCTAssertEqual(m.labels, ["app": "demo", "team": "infra"])
        XCTAssertEqual([m.podName, m.podNamespace, m.podUID], ["", "", ""])
    }

    func testCRIOAnswerGivesKubernetesNamesFromTheCRILabels() throws {
        let m = try XCTUnwrap(RuntimeInspectDecoder.crio(Array(RecordedRuntimeAnswers.crioInspect.utf8)))
        XCTAssertEqual(m.name, "nginx", "the CRI container name, not k8s_…")
        XCTAssertEqual(m.image, "docker.io/library/nginx:1.27")
        XCTAssertEqual(m.podName, "web-0")
        XCTAssertEqual(m.podNamespace, "shop")
        XCTAssertEqual(m.podUID, "6f1c1c2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f")
        XCTAssertEqual(m.labels["app"], "web")
    }

    func testUndecodableAnswersAreNil() {
        for body in ["", "[]", "null", "{", "\"x\""] {
            XCTAssertNil(RuntimeInspectDecoder.dockerAPI(Array(body.utf8)), body)
            XCTAssertNil(RuntimeInspectDecoder.crio(Array(body.utf8)), body)
        }
        let odd = RuntimeInspectDecoder.dockerAPI(Array(#"{"Name":7,"Config":{"Labels":{"a":1,"b":"x"}}}"#.utf8))
        XCTAssertEqual(odd, ContainerMetadata(name: "", image: "", labels: ["b": "x"]))
    }

    // MARK: --runtime-socket

    func testRuntimeSocketFlag() throws {
        XCTAssertEqual(try RuntimeSocket.configured([]), RuntimeSocket.defaults)
        XCTAssertEqual(try RuntimeSocket.configured(["off"]), [])
        let s = try RuntimeSocket.configured(["podman=/tmp/p.sock", "crio=/x/crio.sock"])
        XCTAssertEqual(s.first { $0.runtime == "podman" }?.path, "/tmp/p.sock")
        XCTAssertEqual(s.first { $0.runtime == "cri-o" }?.path, "/x/crio.sock")
        XCTAssertEqual(s.first { $0.runtime == "docker" }?.path, "/var/run/docker.sock")
        XCTAssertEqual(s.first { $0.runtime == "containerd" }?.path, "/run/containerd/containerd.sock")
        XCTAssertEqual(s.first { $0.runtime == "containerd" }?.api, .containerdGRPC)
        XCTAssertEqual(try RuntimeSocket.configured(["containerd=/x/c.sock"]).first { $0.runtime == "containerd" }?.path, "/x/c.sock")
        for bad in ["podman", "podman=", "containerd", "rkt=/x"] {
            XCTAssertThrowsError(try RuntimeSocket.configured([bad]), bad)
        }
        XCTAssertEqual(RuntimeSocket.defaults[0].inspectPath(containerID: "ab"), "/containers/ab/json")
        XCTAssertEqual(RuntimeSocket.defaults[2].inspectPath(containerID: "ab"), "/containers/ab")
    }

    // MARK: Client

    func testClientReadsPlainAndChunkedAnswersAndTimesOut() throws {
        let server = try UnixSocketHTTPTestServer(path: dir + "/d.sock", routes: [
            "/plain": .init(status: 200, body: RecordedRuntimeAnswers.podmanInspect),
            "/chunked": .init(status: 200, body: RecordedRuntimeAnswers.podmanInspect, chunked: true),
        ])
        defer { server.stop() }
        let client = UnixSocketHTTPClient(socketPath: server.path, timeout: .seconds(5))
        for path in ["/plain", "/chunked", "/missing"] {
            let r = try get(client, path).get()
            XCTAssertEqual(r.status, path == "/missing" ? 404 : 200, path)
            if path != "/missing" { XCTAssertEqual(String(decoding: r.body, as: UTF8.self), RecordedRuntimeAnswers.podmanInspect, path) }
        }
        let small = UnixSocketHTTPClient(socketPath: server.path, maxBodyBytes: 100)
        XCTAssertThrowsError(try get(small, "/plain").get())
        XCTAssertThrowsError(try get(UnixSocketHTTPClient(socketPath: dir + "/none.sock"), "/plain").get())
        server.holdAnswers = true
        XCTAssertThrowsError(try get(UnixSocketHTTPClient(socketPath: server.path, timeout: .milliseconds(300)), "/plain").get()) { error in
            XCTAssertTrue("\(error)".contains("no answer in time"), "\(error)")
        }
    }

    func get(_ client: UnixSocketHTTPClient, _ path: String) -> Result<UnixSocketHTTPClient.Response, Error> {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<UnixSocketHTTPClient.Response, Error>?
        client.get(path) { result = $0; done.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success, "the client never called back")
        return result ?? .failure(UnixSocketHTTPClient.Failure.timedOut)
    }

    // MARK: Cache

    /// Collects log messages.
    final class LogSink: LogHandler, @unchecked Sendable {
        let lock = NSLock()
        var messages: [String] = []
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? { get { metadata[key] } set { metadata[key] = newValue } }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            lock.lock(); messages.append("\(level) \(message)"); lock.unlock()
        }
        func all() -> [String] { lock.lock(); defer { lock.unlock() }; return messages }
    }

    /// Polls the cache (as the event path does) until it answers; nil if it never does.
    func eventually(_ cache: ContainerMetadataCache, _ c: ContainerIdentity, _ until: (ContainerMetadata?) -> Bool = { $0 != nil }) -> ContainerMetadata? {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let m = cache.metadata(for: c)
            if until(m) { return m }
            usleep(10_000)
        }
        return nil
    }

    /// Polls `condition` (bounded) until it holds.
    func waitFor(_ condition: () -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(30)
        while !condition() {
            guard Date() < deadline else { XCTFail("condition never held", file: file, line: line); return }
            usleep(5_000)
        }
    }

    func testCacheFetchesAsynchronouslyOncePerContainerAndCachesAnswers() throws {
        let id = RecordedRuntimeAnswers.podmanContainerID, missing = String(repeating: "e", count: 64)
        let server = try UnixSocketHTTPTestServer(path: dir + "/podman.sock", routes: [
            "/containers/\(id)/json": .init(status: 200, body: RecordedRuntimeAnswers.podmanInspect, chunked: true),
        ])
        defer { server.stop() }
        let sink = LogSink()
        let clock = ManualClock()
        let cache = ContainerMetadataCache(sockets: [RuntimeSocket(runtime: "podman", path: server.path, api: .dockerEngine)],
                                           logger: Logger(label: "t", factory: { _ in sink }), negativeTTL: 30,
                                           clock: { clock.now })
        let container = ContainerIdentity(id: id, runtime: "podman")
        XCTAssertNil(cache.metadata(for: container), "the first lookup never waits for the socket")
        let m = try XCTUnwrap(eventually(cache, container), "the answer lands in the cache")
        XCTAssertEqual(m.name, "wtcg-test")
        XCTAssertEqual(server.requests("/containers/\(id)/json"), 1, "one request per container, however often it is looked up while pending")
        let sent = cache.requestCount
        for _ in 0..<100 { XCTAssertEqual(cache.metadata(for: container), m) }
        XCTAssertEqual(cache.requestCount, sent, "cached: no more requests")

        // Negative caching: a container the runtime does not know is asked once per TTL.
        let unknown = ContainerIdentity(id: missing, runtime: "podman")
        XCTAssertNil(cache.metadata(for: unknown))
        waitFor { cache.metadata(for: unknown) == nil && server.requests("/containers/\(missing)/json") == 1 }
        waitFor { !cache.isPending(unknown) }
        for _ in 0..<50 { XCTAssertNil(cache.metadata(for: unknown)) }
        XCTAssertEqual(server.requests("/containers/\(missing)/json"), 1, "absent within the TTL: not asked again")
        clock.now += 31_000_000_000
        XCTAssertNil(cache.metadata(for: unknown))
        waitFor { cache.metadata(for: unknown) == nil && server.requests("/containers/\(missing)/json") == 2 }
        XCTAssertEqual(server.requests("/containers/\(missing)/json"), 2, "asked again after the TTL")
        XCTAssertFalse(sink.all().contains { $0.contains("404") }, "404 is an ordinary answer, not logged")
    }

    /// A request that fails (here: no answer in time) is retried after `failureRetry`, not after the
    /// 30 s of a "no such container" answer: a runtime that was slow once is asked again soon.
    func testFailedRequestIsRetriedSoonerThanAnAbsentContainer() throws {
        let id = RecordedRuntimeAnswers.podmanContainerID
        let server = try UnixSocketHTTPTestServer(path: dir + "/slow.sock", routes: [
            "/containers/\(id)/json": .init(status: 200, body: RecordedRuntimeAnswers.podmanInspect),
        ])
        defer { server.stop() }
        server.holdAnswers = true
        let clock = ManualClock()
        let cache = ContainerMetadataCache(sockets: [RuntimeSocket(runtime: "podman", path: server.path, api: .dockerEngine)],
                                           logger: Logger(label: "t", factory: { _ in LogSink() }), negativeTTL: 30,
                                           failureRetry: 3, requestTimeout: .milliseconds(200), clock: { clock.now })
        let container = ContainerIdentity(id: id, runtime: "podman")
        XCTAssertNil(cache.metadata(for: container))
        waitFor { !cache.isPending(container) }
        XCTAssertEqual(cache.requestCount, 1)
        clock.now += 2_000_000_000
        for _ in 0..<20 { XCTAssertNil(cache.metadata(for: container)) }
        XCTAssertEqual(cache.requestCount, 1, "within failureRetry: not asked again")
        server.holdAnswers = false
        clock.now += 2_000_000_000
        let m = eventually(cache, container)
        XCTAssertEqual(m?.name, "wtcg-test", "asked again after failureRetry, long before the 30 s TTL")
        XCTAssertEqual(cache.requestCount, 2)
    }

    func testNoSocketAndUnconfiguredRuntimeAreLoggedOnceAndNeverAsked() throws {
        let sink = LogSink()
        let cache = ContainerMetadataCache(sockets: [RuntimeSocket(runtime: "docker", path: dir + "/no-docker.sock", api: .dockerEngine)],
                                           logger: Logger(label: "t", factory: { _ in sink }))
        for _ in 0..<20 {
            XCTAssertNil(cache.metadata(for: ContainerIdentity(id: LayoutIDs.random(), runtime: "docker")))
            XCTAssertNil(cache.metadata(for: ContainerIdentity(id: LayoutIDs.random(), runtime: "containerd")))
        }
        XCTAssertEqual(cache.requestCount, 0)
        let info = sink.all().filter { $0.hasPrefix("info") }
        XCTAssertEqual(info.filter { $0.contains("no docker socket at \(dir)/no-docker.sock") }.count, 1, "\(info)")
        XCTAssertEqual(info.filter { $0.contains("no runtime socket configured for containerd") }.count, 1, "\(info)")
        XCTAssertEqual(info.count, 2, "\(info)")
        XCTAssertEqual(cache.misses.value("docker", .noSocket), 20, "each miss counted")
        XCTAssertEqual(cache.misses.value("containerd", .noSocket), 20, "each miss counted")
    }

    func testCacheStaysBounded() throws {
        let server = try UnixSocketHTTPTestServer(path: dir + "/c.sock", routes: [:])
        defer { server.stop() }
        let cache = ContainerMetadataCache(sockets: [RuntimeSocket(runtime: "cri-o", path: server.path, api: .crio)],
                                           logger: Logger(label: "t", factory: { _ in LogSink() }), capacity: 8, maxInFlight: 2)
        let ids = (0..<40).map { _ in LayoutIDs.random() }
        for id in ids { waitFor { _ = cache.metadata(for: ContainerIdentity(id: id, runtime: "cri-o")); return server.requests("/containers/\(id)") >= 1 } }
        XCTAssertEqual(ids.filter { server.requests("/containers/\($0)") == 1 }.count, 40, "each asked once, on its own endpoint")
        // The earliest ids were evicted (bounded), so they are asked again.
        let first = ids[0]
        waitFor { _ = cache.metadata(for: ContainerIdentity(id: first, runtime: "cri-o")); return server.requests("/containers/\(first)") == 2 }
        XCTAssertEqual(server.requests("/containers/\(first)"), 2)
    }
}

/// A monotonic clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64 = 1_000
    var now: UInt64 {
        get { lock.lock(); defer { lock.unlock() }; return value }
        set { lock.lock(); value = newValue; lock.unlock() }
    }
}

/// Random 64-hex container ids.
enum LayoutIDs {
    static func random() -> String { (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }.joined() }
}
