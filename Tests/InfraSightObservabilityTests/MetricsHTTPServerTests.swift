import Foundation
import InfraSightCore
import InfraSightObservability
import Logging
import ServiceLifecycle
import XCTest

/// `MetricsHTTPServer` over real loopback TCP: the exposition of real `StageCounters`, `/healthz`,
/// 404/405, keep-alive, and shutdown inside a ServiceGroup next to a real `BlockingStageService`.
final class MetricsHTTPServerTests: XCTestCase {
    let logger = Logger(label: "infrasight.observability.tests")
    var servers: [MetricsHTTPServer] = []

    override func tearDown() {
        for server in servers { server.close() }
        servers = []
        super.tearDown()
    }

    func startServer(_ exposition: MetricsExposition,
                     health: @escaping MetricsHTTPServer.HealthCheck = { .healthy }) async throws -> Int {
        let server = MetricsHTTPServer(address: MetricsAddress(host: "127.0.0.1", port: 0),
                                       exposition: exposition, logger: logger, health: health)
        servers.append(server)
        try await server.start()
        let port = try XCTUnwrap(server.boundPort)
        XCTAssertGreaterThan(port, 0)
        Task { try await server.run() }
        return port
    }

    /// The agent's swift-metrics counters and its kernel counters (set at any time, exported at scrape
    /// time) in one `/metrics`, named as the pipeline peers name them, and accepted by promtool.
    func testMetricsServesStageCountersAndKernelCountersAtScrapeTime() async throws {
        let registry = MetricsBootstrap.bootstrap()
        let counters = StageCounters(stage: "agent")
        let exposition = MetricsExposition(registry: registry)
        exposition.export(CounterGaugeExporter(counters: counters, registry: registry))
        let port = try await startServer(exposition)

        counters.add(.received, 5)
        counters.add(.produced, 4)
        counters.add(.dropped, 1, reason: "delivery")
        counters.add(.dropped, 2, reason: "enqueue")
        counters.set("kernel_emitted", 100)
        counters.set("lost{ringbuf_reserve}", 7)
        counters.set("lost{decode}", 0)
        counters.set("filtered{excluded_pid}", 12)
        counters.set("argv_truncated", 3)

        let first = try HTTPTestClient.get(port: port, "/metrics")
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        let text = first.body
        Exposition.assertValue("infrasight_agent_received_total", 5, in: text)
        Exposition.assertValue("infrasight_agent_produced_total", 4, in: text)
        Exposition.assertValue(#"infrasight_agent_dropped_total{reason="delivery"}"#, 1, in: text)
        Exposition.assertValue(#"infrasight_agent_dropped_total{reason="enqueue"}"#, 2, in: text)
        Exposition.assertValue(#"infrasight_agent_events_total{probe="execve"}"#, 100, in: text)
        Exposition.assertValue(#"infrasight_agent_events_lost_total{probe="execve",reason="ringbuf_reserve"}"#, 7, in: text)
        Exposition.assertValue(#"infrasight_agent_events_lost_total{probe="execve",reason="decode"}"#, 0, in: text)
        Exposition.assertValue(#"infrasight_agent_events_filtered_total{probe="execve",reason="excluded_pid"}"#, 12, in: text)
        Exposition.assertValue(#"infrasight_agent_events_truncated_total{probe="execve"}"#, 3, in: text)
        XCTAssertEqual(Exposition.type(of: "infrasight_agent_events_lost_total", in: text), "counter")
        XCTAssertEqual(Exposition.type(of: "infrasight_agent_received_total", in: text), "counter")
        XCTAssertTrue(text.contains("# HELP infrasight_agent_received_total "), text)
        XCTAssertTrue(text.contains("# HELP infrasight_agent_events_lost_total "), text)

        // New absolute values show at the next scrape, without anything else calling the exporter.
        counters.set("lost{ringbuf_reserve}", 9)
        counters.set("kernel_emitted", 250)
        counters.add(.received)
        let second = try HTTPTestClient.get(port: port, "/metrics").body
        Exposition.assertValue(#"infrasight_agent_events_lost_total{probe="execve",reason="ringbuf_reserve"}"#, 9, in: second)
        Exposition.assertValue(#"infrasight_agent_events_total{probe="execve"}"#, 250, in: second)
        Exposition.assertValue("infrasight_agent_received_total", 6, in: second)

        try Promtool.checkMetrics(second)
    }

    /// Per-partition consumer lag becomes `infrasight_<stage>_consumer_lag{topic,partition}`; the summed
    /// `lag` key is not exported (PromQL sums); the result passes promtool.
    func testConsumerLagIsAGaugePerPartition() async throws {
        let registry = MetricsBootstrap.bootstrap()
        let counters = StageCounters(stage: "sink")
        let exposition = MetricsExposition(registry: registry)
        exposition.export(CounterGaugeExporter(counters: counters, registry: registry))
        let port = try await startServer(exposition)

        counters.add(.received, 10)
        counters.add(.inserted, 8)
        counters.add(.deadLettered, reason: "malformed")
        counters.add(.retried, 3, reason: "clickhouse")
        counters.set("lag{infrasight.events.execve/0}", 42)
        counters.set("lag{infrasight.events.execve/1}", 7)
        counters.set("lag", 49)

        var text = try HTTPTestClient.get(port: port, "/metrics").body
        Exposition.assertValue(#"infrasight_sink_consumer_lag{topic="infrasight.events.execve",partition="0"}"#, 42, in: text)
        Exposition.assertValue(#"infrasight_sink_consumer_lag{topic="infrasight.events.execve",partition="1"}"#, 7, in: text)
        XCTAssertEqual(Exposition.type(of: "infrasight_sink_consumer_lag", in: text), "gauge")
        XCTAssertNil(Exposition.value(of: "infrasight_sink_lag", in: text), text)
        Exposition.assertValue("infrasight_sink_inserted_total", 8, in: text)
        Exposition.assertValue(#"infrasight_sink_dead_lettered_total{reason="malformed"}"#, 1, in: text)
        Exposition.assertValue(#"infrasight_sink_retried_total{reason="clickhouse"}"#, 3, in: text)

        counters.set("lag{infrasight.events.execve/0}", 0) // a gauge goes down, too
        text = try HTTPTestClient.get(port: port, "/metrics").body
        Exposition.assertValue(#"infrasight_sink_consumer_lag{topic="infrasight.events.execve",partition="0"}"#, 0, in: text)
        try Promtool.checkMetrics(text)
    }

    func testHealthzFollowsTheHealthCheck() async throws {
        let state = HealthBox()
        let port = try await startServer(MetricsExposition(registry: MetricsBootstrap.registry),
                                         health: { state.value })
        let client = try HTTPTestClient(port: port)
        var response = try client.request("GET", "/healthz")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, "ok\n")

        state.value = .unhealthy(reason: "ClickHouse unreachable")
        response = try client.request("GET", "/healthz")
        XCTAssertEqual(response.status, 503)
        XCTAssertTrue(response.body.contains("ClickHouse unreachable"), response.body)

        state.value = .healthy
        response = try client.request("GET", "/healthz?verbose=1")
        XCTAssertEqual(response.status, 200)
    }

    /// 404 elsewhere, 405 (with Allow) for other methods, all on one kept-alive connection; a request
    /// body is read and ignored; `Connection: close` is honoured.
    func testNotFoundMethodNotAllowedAndKeepAlive() async throws {
        let port = try await startServer(MetricsExposition(registry: MetricsBootstrap.registry))
        let client = try HTTPTestClient(port: port)

        let missing = try client.request("GET", "/")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(try client.request("GET", "/metricsx").status, 404)

        let post = try client.request("POST", "/metrics", body: "some=body")
        XCTAssertEqual(post.status, 405)
        XCTAssertEqual(post.headers["allow"], "GET")
        XCTAssertEqual(try client.request("DELETE", "/healthz").status, 405)
        let head = try client.request("HEAD", "/metrics")
        XCTAssertEqual(head.status, 405)

        // The same connection still serves after all of those.
        XCTAssertEqual(try client.request("GET", "/healthz").status, 200)
        let closing = try client.request("GET", "/healthz", headers: ["Connection: close"])
        XCTAssertEqual(closing.status, 200)
        XCTAssertEqual(closing.headers["connection"], "close")
        XCTAssertTrue(client.peerClosed())
    }

    func testATakenPortFailsAtStart() async throws {
        let port = try await startServer(MetricsExposition(registry: MetricsBootstrap.registry))
        let second = MetricsHTTPServer(address: MetricsAddress(host: "127.0.0.1", port: port),
                                       exposition: MetricsExposition(registry: MetricsBootstrap.registry),
                                       logger: logger)
        do {
            try await second.start()
            second.close()
            XCTFail("binding a taken port should fail")
        } catch {}
    }

    /// The production wiring: a real `BlockingStageService` wrapped in `HealthTrackingService` and the
    /// server in one ServiceGroup. Healthy while the loop runs, the stage's own health shows through,
    /// and graceful shutdown stops the loop and the listener.
    func testGracefulShutdownStopsStageAndServer() async throws {
        let stage = LoopingStage()
        let tracked = HealthTrackingService(BlockingStageService(stage: stage, logger: logger),
                                            detail: { stage.health })
        XCTAssertEqual(tracked.health, .unhealthy(reason: "starting"))
        let server = MetricsHTTPServer(address: MetricsAddress(host: "127.0.0.1", port: 0),
                                       exposition: MetricsExposition(registry: MetricsBootstrap.registry),
                                       logger: logger, health: { tracked.health })
        servers.append(server)
        try await server.start()
        let port = try XCTUnwrap(server.boundPort)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: server), .init(service: tracked)], logger: logger))
        let running = Task { try await group.run() }

        let deadline = Date().addingTimeInterval(10)
        while !stage.started.isSet && Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        XCTAssertTrue(stage.started.isSet, "stage loop never started")
        XCTAssertEqual(try HTTPTestClient.get(port: port, "/healthz").status, 200)

        stage.state.value = .unhealthy(reason: "broker unreachable")
        let sick = try HTTPTestClient.get(port: port, "/healthz")
        XCTAssertEqual(sick.status, 503)
        XCTAssertTrue(sick.body.contains("broker unreachable"), sick.body)

        let idle = try HTTPTestClient(port: port) // an open keep-alive connection must not block shutdown
        XCTAssertEqual(try idle.request("GET", "/metrics").status, 200)

        await group.triggerGracefulShutdown()
        try await running.value
        XCTAssertTrue(stage.stopped.isSet, "the stage loop did not return")
        XCTAssertEqual(tracked.health, .unhealthy(reason: "stopped"))
        XCTAssertThrowsError(try HTTPTestClient.get(port: port, "/healthz"), "listener still open after shutdown")
        XCTAssertTrue(idle.peerClosed(), "idle connection left open after shutdown")
    }
}

/// A thread-safe health value the tests flip.
final class HealthBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _value = HealthStatus.healthy
    var value: HealthStatus {
        get { lock.lock(); defer { lock.unlock() }; return _value }
        set { lock.lock(); _value = newValue; lock.unlock() }
    }
}

/// A real blocking stage: loops until told to stop, reporting its own health.
final class LoopingStage: BlockingStage, @unchecked Sendable {
    let name = "looping"
    let started = StopFlag()
    let stopped = StopFlag()
    let state = HealthBox()
    var health: HealthStatus { state.value }

    func runLoop(stop: StopFlag) throws {
        started.set()
        while !stop.isSet { stop.sleep(ms: 5) }
        stopped.set()
    }
}
