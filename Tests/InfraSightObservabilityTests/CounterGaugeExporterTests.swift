import InfraSightCore
import InfraSightObservability
import Prometheus
import XCTest

/// The mapping of `counters.set` keys to Prometheus series, rendered from a private registry.
final class CounterGaugeExporterTests: XCTestCase {
    func render(_ counters: StageCounters, rules: [AbsoluteMetricRule]? = nil) -> (CounterGaugeExporter, () -> String) {
        let registry = PrometheusCollectorRegistry()
        let exporter = CounterGaugeExporter(counters: counters, registry: registry, rules: rules)
        let exposition = MetricsExposition(registry: registry)
        exposition.export(exporter)
        return (exporter, { exposition.render() })
    }

    func testOnlySetValuesAreExported() {
        let counters = StageCounters(stage: "exp1")
        let (_, render) = render(counters)
        counters.set("lag{t/0}", 5)
        let text = render()
        Exposition.assertValue(#"infrasight_exp1_consumer_lag{topic="t",partition="0"}"#, 5, in: text)
        XCTAssertFalse(text.contains("received"), "add()-counters belong to swift-metrics, not the exporter:\n\(text)")
        XCTAssertEqual(counters.absoluteSnapshot(), ["lag{t/0}": 5])
        XCTAssertEqual(counters.snapshot()["lag{t/0}"], 5, "snapshot() keeps every key as before")
    }

    func testKernelCounterGoingBackwardsRestartsTheSeries() {
        let counters = StageCounters(stage: "agent")
        let (_, render) = render(counters)
        let series = #"infrasight_agent_events_lost_total{probe="execve",reason="stash"}"#
        counters.set("lost{stash}", 10)
        Exposition.assertValue(series, 10, in: render())
        counters.set("lost{stash}", 10)
        Exposition.assertValue(series, 10, in: render())
        counters.set("lost{stash}", 4)
        Exposition.assertValue(series, 4, in: render())
        counters.set("lost{stash}", 6)
        Exposition.assertValue(series, 6, in: render())
    }

    /// Per-probe keys (`lost{reason,probe}`) are exported per probe; the probe-less totals beside them
    /// are not (they would double the execve series).
    func testPerProbeKeysShadowTheirTotals() throws {
        let counters = StageCounters(stage: "agent")
        let (_, render) = render(counters)
        counters.set("kernel_emitted{execve}", 20)
        counters.set("kernel_emitted{openat}", 30)
        counters.set("lost{ringbuf_reserve,execve}", 1)
        counters.set("lost{ringbuf_reserve,openat}", 2)
        counters.set("truncated{execve}", 4)
        counters.set("truncated{openat}", 5)
        counters.set("no_socket{connect}", 6)
        counters.set("kernel_emitted", 50)
        counters.set("lost{ringbuf_reserve}", 3)
        counters.set("argv_truncated", 4)
        let text = render()
        Exposition.assertValue(#"infrasight_agent_events_total{probe="execve"}"#, 20, in: text)
        Exposition.assertValue(#"infrasight_agent_events_total{probe="openat"}"#, 30, in: text)
        Exposition.assertValue(#"infrasight_agent_events_lost_total{probe="execve",reason="ringbuf_reserve"}"#, 1, in: text)
        Exposition.assertValue(#"infrasight_agent_events_lost_total{probe="openat",reason="ringbuf_reserve"}"#, 2, in: text)
        Exposition.assertValue(#"infrasight_agent_events_truncated_total{probe="execve"}"#, 4, in: text)
        Exposition.assertValue(#"infrasight_agent_events_truncated_total{probe="openat"}"#, 5, in: text)
        Exposition.assertValue(#"infrasight_agent_events_no_socket_total{probe="connect"}"#, 6, in: text)
        XCTAssertEqual(text.split(separator: "\n").filter { $0.hasPrefix("infrasight_agent_events_total") }.count, 2, text)
        try Promtool.checkMetrics(text)
    }

    /// Keys no rule names are still visible, as gauges; a key whose shape clashes with an earlier
    /// series of the same metric is skipped instead of aborting the process.
    func testUnknownKeysBecomeGaugesAndClashesAreSkipped() throws {
        let counters = StageCounters(stage: "exp2")
        let (exporter, render) = render(counters)
        counters.set("queue_depth{a}", 3)
        counters.set("buffered_total", 8)
        var text = render()
        Exposition.assertValue(#"infrasight_exp2_queue_depth{key="a"}"#, 3, in: text)
        Exposition.assertValue("infrasight_exp2_buffered", 8, in: text)
        XCTAssertEqual(Exposition.type(of: "infrasight_exp2_queue_depth", in: text), "gauge")

        counters.set("queue_depth", 11)
        text = render()
        XCTAssertNil(Exposition.value(of: "infrasight_exp2_queue_depth", in: text))
        XCTAssertEqual(exporter.skippedKeys, ["queue_depth"])
        try Promtool.checkMetrics(text)
    }

    func testKeyParsing() {
        XCTAssertEqual(AbsoluteCounterKey(parsing: "lag"), AbsoluteCounterKey(name: "lag"))
        XCTAssertEqual(AbsoluteCounterKey(parsing: "lost{ringbuf_reserve}"),
                       AbsoluteCounterKey(name: "lost", parts: ["ringbuf_reserve"]))
        XCTAssertEqual(AbsoluteCounterKey(parsing: "lag{infrasight.raw.execve/12}")?.parts, ["infrasight.raw.execve", "12"])
        XCTAssertEqual(AbsoluteCounterKey(parsing: "lag{infrasight.raw.execve/12}")?.label, "infrasight.raw.execve/12")
        XCTAssertEqual(AbsoluteCounterKey(parsing: "lost{stash,openat}")?.parts, ["stash", "openat"])
        XCTAssertEqual(AbsoluteCounterKey(parsing: "x{}")?.parts, [])
        XCTAssertNil(AbsoluteCounterKey(parsing: ""))
        XCTAssertNil(AbsoluteCounterKey(parsing: "{a}"))
        XCTAssertNil(AbsoluteCounterKey(parsing: "a{b"))
        XCTAssertNil(AbsoluteCounterKey(parsing: "a}"))
    }

    func testRuleLabels() {
        let lost = AbsoluteMetricRule.agentKernel()[1]
        XCTAssertEqual(lost.metric, "infrasight_agent_events_lost_total")
        XCTAssertEqual(lost.labels(for: AbsoluteCounterKey(name: "lost", parts: ["decode"]))?.map { "\($0)=\($1)" },
                       ["probe=execve", "reason=decode"])
        XCTAssertEqual(lost.labels(for: AbsoluteCounterKey(parsing: "lost{stash,openat}")!)?.map { "\($0)=\($1)" },
                       ["probe=openat", "reason=stash"])
        XCTAssertNil(lost.labels(for: AbsoluteCounterKey(name: "lost", parts: ["a", "b", "c"])))
        XCTAssertNil(lost.labels(for: AbsoluteCounterKey(name: "other", parts: ["decode"])))
        let lag = AbsoluteMetricRule.consumerLag(stage: "enrich")[0]
        XCTAssertNil(lag.labels(for: AbsoluteCounterKey(name: "lag", parts: ["only-topic"])),
                     "partition has no default")
    }
}
