import Foundation
import InfraSightCore
@testable import InfraSightEnrich
import InfraSightTestSupport
import XCTest

/// `ReverseDNSResolver`, its LRU cache, and the `reverse-dns` step.
final class ReverseDNSTests: XCTestCase {
    private func connect(to addr: [UInt8]) -> Event {
        var d = SocketDetail()
        d.family = addr.count == 4 ? 2 : 10
        d.remoteAddr = Data(addr)
        var e = Event()
        e.probe = "connect"
        e.socket = d
        return e
    }

    private func waitUntil(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    /// The real resolver: 127.0.0.1 is "localhost" in /etc/hosts.
    func testLoopbackResolvesInTheBackground() throws {
        guard (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8))?.contains("localhost") == true else {
            throw TestSupportError("/etc/hosts has no localhost")
        }
        let step = ReverseDNSStep()
        defer { step.resolver.stop() }
        var first = connect(to: [127, 0, 0, 1])
        step.apply(to: &first)
        XCTAssertEqual(first.enriched.remoteHostname, "", "a miss never waits")
        XCTAssertTrue(waitUntil { step.resolver.counts.resolved + step.resolver.counts.failed == 1 })
        var later = connect(to: [127, 0, 0, 1])
        step.apply(to: &later)
        XCTAssertEqual(later.enriched.remoteHostname, "localhost")
        let counts = step.resolver.counts
        XCTAssertEqual(counts.misses, 1)
        XCTAssertEqual(counts.hits, 1)
        XCTAssertEqual(counts.enqueued, 1)
        XCTAssertEqual(counts.dropped, 0)
    }

    func testSystemLookupOfIPv4MappedLoopback() {
        XCTAssertEqual(ReverseDNSResolver.systemLookup("127.0.0.1"), "localhost")
        XCTAssertNil(ReverseDNSResolver.systemLookup("not an address"))
    }

    func testNegativeCachingAndSingleLookupPerAddress() {
        let calls = LockedCounter()
        let resolver = ReverseDNSResolver(lookup: { _ in calls.increment(); return nil })
        defer { resolver.stop() }
        for _ in 0..<100 { XCTAssertEqual(resolver.name(for: "192.0.2.1"), "") }
        XCTAssertTrue(waitUntil { resolver.counts.failed == 1 })
        // Some of the first 100 may already be negative hits (the lookup can finish during the loop);
        // after the failure is recorded every lookup must be one.
        let before = resolver.counts.negativeHits
        for _ in 0..<100 { XCTAssertEqual(resolver.name(for: "192.0.2.1"), "") }
        XCTAssertEqual(calls.value, 1, "pending addresses are not queued twice; negatives are cached")
        XCTAssertEqual(resolver.counts.negativeHits - before, 100)
        XCTAssertEqual(resolver.counts.enqueued, 1)
    }

    func testTimeoutCachesNegativeThenLateAnswerWins() {
        var options = ReverseDNSResolver.Options()
        options.timeoutSeconds = 0.1
        let release = DispatchSemaphore(value: 0)
        let resolver = ReverseDNSResolver(options: options, lookup: { _ in release.wait(); return "slow.example" })
        defer { resolver.stop() }
        _ = resolver.name(for: "192.0.2.7")
        XCTAssertTrue(waitUntil { resolver.counts.timedOut == 1 })
        XCTAssertEqual(resolver.name(for: "192.0.2.7"), "", "timed out: negative for now")
        release.signal()
        XCTAssertTrue(waitUntil { resolver.name(for: "192.0.2.7") == "slow.example" })
    }

    func testBoundedQueueCountsDrops() {
        var options = ReverseDNSResolver.Options()
        options.queueCapacity = 4
        options.maxConcurrentLookups = 1
        options.timeoutSeconds = 60
        let release = DispatchSemaphore(value: 0)
        let resolver = ReverseDNSResolver(options: options, lookup: { _ in release.wait(); return nil })
        defer {
            resolver.stop()
            for _ in 0..<20 { release.signal() }
        }
        _ = resolver.name(for: "10.0.0.0")
        XCTAssertTrue(waitUntil { resolver.counts.enqueued == 1 })
        usleep(100_000)   // the dispatcher took 10.0.0.0; the queue is empty again
        for i in 1...10 { _ = resolver.name(for: "10.0.0.\(i)") }
        let c = resolver.counts
        XCTAssertEqual(c.enqueued, 5)
        XCTAssertEqual(c.dropped, 6)
        XCTAssertEqual(c.misses, 11)
    }

    func testLRUEvictsLeastRecentlyUsedAndExpires() {
        var cache = LRUCache<String, String>(capacity: 2)
        cache.set("a", "A", expiresNanos: 100)
        cache.set("b", "B", expiresNanos: 100)
        XCTAssertEqual(cache.get("a", nowNanos: 0), "A")   // a is now most recent
        cache.set("c", "C", expiresNanos: 100)            // evicts b
        XCTAssertNil(cache.get("b", nowNanos: 0))
        XCTAssertEqual(cache.get("a", nowNanos: 0), "A")
        XCTAssertEqual(cache.get("c", nowNanos: 0), "C")
        XCTAssertEqual(cache.count, 2)
        XCTAssertNil(cache.get("a", nowNanos: 100), "expired")
        cache.set("a", "A2", expiresNanos: 200)
        XCTAssertEqual(cache.get("a", nowNanos: 150), "A2")
        for i in 0..<1000 { cache.set("k\(i)", "v", expiresNanos: 1000) }
        XCTAssertEqual(cache.count, 2)
        XCTAssertEqual(cache.get("k999", nowNanos: 0), "v")
        XCTAssertEqual(cache.get("k998", nowNanos: 0), "v")
    }

    func testStepIgnoresEventsWithoutRemoteAddress() {
        let resolver = ReverseDNSResolver(lookup: { _ in XCTFail("no lookup expected"); return nil })
        let step = ReverseDNSStep(resolver: resolver)
        var unix = Event()
        var d = SocketDetail()
        d.family = 1
        d.unixPath = "/run/x.sock"
        unix.socket = d
        step.apply(to: &unix)
        var open = Event()
        open.open = OpenDetail()
        step.apply(to: &open)
        XCTAssertEqual(resolver.counts, ReverseDNSResolver.Counts())
    }
}
