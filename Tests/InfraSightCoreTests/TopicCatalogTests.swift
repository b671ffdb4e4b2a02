import Foundation
@testable import InfraSightCore
import XCTest

/// The topic contract: names, catalog, and the committed topics/catalog.json.
final class TopicCatalogTests: XCTestCase {
    func testEveryProbeHasARawAndAnEnrichedTopic() {
        let names = Set(TopicCatalog.all().map(\.name))
        for probe in Probe.allCases {
            XCTAssertTrue(names.contains("infrasight.raw.\(probe.rawValue)"))
            XCTAssertTrue(names.contains("infrasight.events.\(probe.rawValue)"))
        }
        XCTAssertTrue(names.contains("infrasight.dlq"))
        XCTAssertTrue(names.contains("infrasight.stats"))
    }

    func testRetentionReachesTopicConfig() {
        for t in TopicCatalog.all() {
            XCTAssertEqual(t.topicConfig["retention.ms"], String(t.retentionMs))
            XCTAssertGreaterThan(t.partitions, 0)
            XCTAssertFalse(t.key.isEmpty)
            XCTAssertFalse(t.schema.isEmpty)
        }
    }

    func testPatternsMatchOnlyTheirTopics() throws {
        let raw = try NSRegularExpression(pattern: TopicNames.rawPattern)
        let enriched = try NSRegularExpression(pattern: TopicNames.enrichedPattern)
        func matches(_ r: NSRegularExpression, _ s: String) -> Bool {
            r.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
        }
        XCTAssertTrue(matches(raw, "infrasight.raw.execve"))
        XCTAssertFalse(matches(raw, "infrasight.events.execve"))
        XCTAssertFalse(matches(raw, "infrasightXraw.execve"))
        XCTAssertTrue(matches(enriched, "infrasight.events.execve"))
        XCTAssertFalse(matches(enriched, "infrasight.dlq"))
    }

    func testProbeOfTopic() {
        XCTAssertEqual(TopicNames.probe(ofTopic: "infrasight.raw.execve"), .execve)
        XCTAssertEqual(TopicNames.probe(ofTopic: "infrasight.events.execve"), .execve)
        XCTAssertNil(TopicNames.probe(ofTopic: "infrasight.raw.nope"))
        XCTAssertNil(TopicNames.probe(ofTopic: "infrasight.dlq"))
    }

    /// topics/catalog.json is what operators read; it must be exactly what the code creates.
    func testCommittedCatalogMatchesTheCode() throws {
        var root = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        let data = try Data(contentsOf: root.appendingPathComponent("topics/catalog.json"))
        let committed = try JSONDecoder().decode([TopicDescriptor].self, from: data)
        XCTAssertEqual(committed, TopicCatalog.all(), "regenerate with `make catalog`")
    }
}
