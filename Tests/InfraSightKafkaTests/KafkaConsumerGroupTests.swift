import Foundation
import InfraSightKafka
import InfraSightTestSupport
import XCTest

final class KafkaConsumerGroupTests: KafkaBrokerTestCase {
    /// Explicit commit() and a commit from onRevoke during close() both stick: a new member of the group
    /// only gets what was produced afterwards.
    func testCommitThenRejoinHasNoRedelivery() throws {
        try broker.createTopic("commits", partitions: 2)
        try produce("commits", (0..<20).map { "a\($0)" })

        let first = try KafkaConsumer(config: clientConfig, groupId: "commit-group", topics: ["commits"])
        var processed: [TopicPartition: Int64] = [:]
        var revoked: [[TopicPartition]] = []
        first.onRevoke = { [unowned first] partitions in
            revoked.append(partitions)
            let mine = processed.filter { partitions.contains($0.key) }
            do { try first.commit(mine) } catch { XCTFail("commit in onRevoke: \(error)") }
        }
        let batch1 = try consume(first) { $0.count >= 20 }
        XCTAssertEqual(batch1.count, 20)
        for m in batch1 { processed[m.topicPartition] = max(processed[m.topicPartition] ?? 0, m.offset + 1) }
        try first.commit(processed)
        XCTAssertEqual(first.lag().values.reduce(0, +), 0, "lag after commit: \(first.lag())")
        XCTAssertEqual(Set(first.lag().keys), Set(first.assignment()))

        // More messages, processed but committed only from onRevoke when leaving the group.
        try produce("commits", (0..<5).map { "b\($0)" })
        // The cached high watermark follows within a fetch round (fetch.wait.max.ms), so allow a moment.
        let lagDeadline = Date().addingTimeInterval(5)
        while first.lag().values.reduce(0, +) != 5 && Date() < lagDeadline { usleep(100_000) }
        XCTAssertEqual(first.lag().values.reduce(0, +), 5, "lag: \(first.lag())")
        let batch2 = try consume(first) { $0.count >= 5 }
        XCTAssertEqual(batch2.map { text($0.value)! }.sorted(), (0..<5).map { "b\($0)" })
        for m in batch2 { processed[m.topicPartition] = max(processed[m.topicPartition] ?? 0, m.offset + 1) }
        first.close()
        XCTAssertEqual(Set(revoked.flatMap { $0 }), Set(processed.keys), "onRevoke ran in close()")

        try produce("commits", (0..<3).map { "c\($0)" })
        let second = try KafkaConsumer(config: clientConfig, groupId: "commit-group", topics: ["commits"])
        let got = try consume(second, timeout: 20) { $0.count >= 3 }
        let extra = try consume(second, timeout: 2) { _ in false }
        XCTAssertEqual((got + extra).map { text($0.value)! }.sorted(), ["c0", "c1", "c2"])
        second.close()
    }

    /// A member that was not polled while another left has a rebalance pending; closing it must not serve
    /// that rebalance inside librdkafka's close, where the callback's `rd_kafka_assign` can wait for ever
    /// (librdkafka issues 4884, 4527; it hung CI). The close runs on its own thread so that a hang fails
    /// this test instead of the run.
    func testClosingAMemberWithARebalancePendingReturns() throws {
        try broker.createTopic("pending", partitions: 4)
        try produce("pending", (0..<40).map { "p\($0)" })
        for (round, pause) in [0, 300_000, 1_000_000, 2_000_000].enumerated() {
            let group = "pending-group-\(round)"
            let options = ["partition.assignment.strategy": "range"]
            let c1 = try KafkaConsumer(config: clientConfig, groupId: group, topics: ["pending"], extraOptions: options)
            let c2 = try KafkaConsumer(config: clientConfig, groupId: group, topics: ["pending"], extraOptions: options)
            var revoked2: [TopicPartition] = []
            // As a stage does: commit what was handled when partitions go (a synchronous commit in the callback).
            c2.onRevoke = { [unowned c2] partitions in
                revoked2 += partitions
                try? c2.commit(Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(0)) }))
            }
            let deadline = Date().addingTimeInterval(45)
            while (c1.assignment().isEmpty || c2.assignment().isEmpty) && Date() < deadline {
                _ = try c1.poll(timeoutMs: 50)
                _ = try c2.poll(timeoutMs: 50)
            }
            XCTAssertFalse(c1.assignment().isEmpty || c2.assignment().isEmpty, "both members have partitions")
            c1.close()
            usleep(useconds_t(pause))   // c2 hears of the rebalance at a heartbeat and queues it, unpolled
            let closed = DispatchSemaphore(value: 0)
            let closing = Thread { c2.close(); closed.signal() }
            closing.start()
            guard closed.wait(timeout: .now() + 60) == .success else {
                return XCTFail("round \(round): close() of a member with a rebalance pending did not return within 60 s")
            }
            XCTAssertFalse(revoked2.isEmpty, "round \(round): onRevoke ran for the closed member")
        }
    }

    /// A broker that stops answering while a member leaves does not hold `close()`: the wait for the group
    /// to take the partitions back ends at its deadline, and the leave request times out (the group learns
    /// of the departure from the session timeout) instead of waiting for ever.
    func testCloseReturnsByItsDeadlineWhenTheBrokerStopsAnswering() throws {
        try broker.createTopic("frozen", partitions: 1)
        let consumer = try KafkaConsumer(config: clientConfig, groupId: "frozen-group", topics: ["frozen"])
        let deadline = Date().addingTimeInterval(30)
        while consumer.assignment().isEmpty && Date() < deadline { _ = try consumer.poll(timeoutMs: 100) }
        XCTAssertFalse(consumer.assignment().isEmpty, "joined the group")
        broker.freeze()
        defer { broker.thaw() }
        let started = Date()
        consumer.close(timeoutMs: 3_000)
        let took = Date().timeIntervalSince(started)
        XCTAssertLessThan(took, 20, "close() took \(took) s against a frozen broker (3 s to give the partitions back)")
        XCTAssertTrue(consumer.assignment().isEmpty, "closed")
    }

    /// Two members of one group on a 4-partition topic split it (cooperative-sticky against tansu).
    func testTwoConsumersSplitPartitions() throws {
        try broker.createTopic("split", partitions: 4)
        let all = Set((0..<4).map { TopicPartition(topic: "split", partition: Int32($0)) })
        let c1 = try KafkaConsumer(config: clientConfig, groupId: "split-group", topics: ["split"])
        var assigned1: [TopicPartition] = []
        c1.onAssign = { assigned1 += $0 }
        let deadline1 = Date().addingTimeInterval(30)
        while c1.assignment().isEmpty && Date() < deadline1 { _ = try c1.poll(timeoutMs: 100) }
        XCTAssertEqual(Set(c1.assignment()), all, "a lone member owns every partition")
        XCTAssertEqual(Set(assigned1), all)

        let c2 = try KafkaConsumer(config: clientConfig, groupId: "split-group", topics: ["split"])
        var revoked1: [TopicPartition] = []
        c1.onRevoke = { revoked1 += $0 }
        let deadline = Date().addingTimeInterval(45)
        var a1: Set<TopicPartition> = [], a2: Set<TopicPartition> = []
        while Date() < deadline {
            _ = try c1.poll(timeoutMs: 100)
            _ = try c2.poll(timeoutMs: 100)
            a1 = Set(c1.assignment()); a2 = Set(c2.assignment())
            if !a1.isEmpty && !a2.isEmpty && a1.union(a2) == all && a1.isDisjoint(with: a2) { break }
        }
        XCTAssertFalse(a1.isEmpty, "c1 has partitions")
        XCTAssertFalse(a2.isEmpty, "c2 has partitions")
        XCTAssertEqual(a1.union(a2), all)
        XCTAssertTrue(a1.isDisjoint(with: a2))
        XCTAssertEqual(Set(revoked1), a2, "c1 was told (onRevoke) which partitions moved")
        c2.close()
        c1.close()
    }

    /// Messages are taken in batches, and a revocation runs only between them: once `onRevoke` has run for
    /// a partition, the member hands out none of its messages (a batch taken before it would otherwise be
    /// handled after its offsets were committed). With each member committing what it handled in
    /// `onRevoke`, a member joining mid-stream leaves every message handled exactly once by the two.
    func testNoMessageOfARevokedPartitionIsHandedOutAfterItsRevoke() throws {
        try broker.createTopic("handover", partitions: 4)
        // Produced while the members consume, so the first member is busy when the second joins.
        let total = 20_000
        let producer = try KafkaProducer(config: clientConfig, extraOptions: ["linger.ms": "1"]) { _ in }
        let failed = LockedCounter()
        let produced = DispatchSemaphore(value: 0)
        let producing = Thread {
            for i in 0..<total {
                do {
                    try producer.send(topic: "handover", key: Array("k\(i)".utf8), value: Array("m\(i)".utf8), token: UInt64(i))
                } catch { failed.increment() }
                if i % 20 == 19 { producer.poll(timeoutMs: 0); usleep(10_000) }
            }
            if !producer.flush(timeoutMs: 30_000) { failed.increment() }
            produced.signal()
        }
        producing.start()

        final class Member {
            var handled: [TopicPartition: Int64] = [:]
            var revoked: Set<TopicPartition> = []
            var seen: [String] = []
            var afterRevoke: [String] = []
            var closing = false
        }
        func join(_ member: Member) throws -> KafkaConsumer {
            // The eager protocol revokes every partition on a join, so whatever a member holds in its current
            // batch at that moment belongs to a revoked partition.
            let consumer = try KafkaConsumer(config: clientConfig, groupId: "handover-group", topics: ["handover"],
                                             extraOptions: ["partition.assignment.strategy": "range"])
            consumer.onRevoke = { [unowned consumer] partitions in
                member.revoked.formUnion(partitions)
                let mine = member.handled.filter { partitions.contains($0.key) }
                // Leaving at the end may race the other member's leave on the eager protocol (unknown
                // member); by then everything was handled, and the counts below still check the handover.
                do { try consumer.commit(mine) } catch { if !member.closing { XCTFail("commit in onRevoke: \(error)") } }
            }
            consumer.onAssign = { member.revoked.subtract($0) }
            return consumer
        }
        func step(_ consumer: KafkaConsumer, _ member: Member) throws {
            _ = try consumer.poll(timeoutMs: 10) { record in
                let tp = TopicPartition(topic: record.topic, partition: record.partition)
                let value = String(decoding: record.value, as: UTF8.self)
                if member.revoked.contains(tp) { member.afterRevoke.append(value) }
                member.seen.append(value)
                member.handled[tp] = record.offset + 1
                usleep(200)
            }
        }

        let first = Member(), second = Member()
        let c1 = try join(first)
        let warm = Date().addingTimeInterval(30)
        while first.seen.count < 500 && Date() < warm { try step(c1, first) }
        XCTAssertGreaterThanOrEqual(first.seen.count, 500, "the first member consumed")
        let c2 = try join(second)
        let deadline = Date().addingTimeInterval(90)
        while first.seen.count + second.seen.count < total && Date() < deadline {
            try step(c1, first)
            try step(c2, second)
        }
        first.closing = true
        second.closing = true
        c1.close()
        c2.close()
        XCTAssertEqual(produced.wait(timeout: .now() + 60), .success, "the producing thread finished")
        producer.close()
        XCTAssertEqual(failed.value, 0, "failed sends")
        XCTAssertTrue(first.afterRevoke.isEmpty, "handed out after their partition's revoke: \(first.afterRevoke.count), e.g. \(first.afterRevoke.prefix(5))")
        XCTAssertFalse(first.revoked.isEmpty, "the join took partitions from the first member")
        XCTAssertFalse(second.seen.isEmpty, "the second member consumed")
        let all = first.seen + second.seen
        XCTAssertEqual(all.count, total, "handled once each (duplicates: \(all.count - Set(all).count))")
        XCTAssertEqual(Set(all), Set((0..<total).map { "m\($0)" }))
    }

    /// A "^regex" subscription gets messages of every matching topic and none of the others.
    func testRegexSubscriptionSeesAllMatchingTopics() throws {
        try broker.createTopic("infrasight.raw.exec", partitions: 2)
        try broker.createTopic("infrasight.raw.net", partitions: 1)
        try broker.createTopic("infrasight.enriched", partitions: 1)
        try produce("infrasight.raw.exec", ["e0", "e1", "e2"])
        try produce("infrasight.raw.net", ["n0", "n1"])
        try produce("infrasight.enriched", ["x0"])

        let consumer = try KafkaConsumer(config: clientConfig, groupId: "regex-group",
                                         topics: ["^infrasight\\.raw\\..*"])
        let got = try consume(consumer) { $0.count >= 5 }
        let extra = try consume(consumer, timeout: 1.5) { _ in false }
        let seen = (got + extra).map { "\($0.topic):\(text($0.value)!)" }.sorted()
        XCTAssertEqual(seen, ["infrasight.raw.exec:e0", "infrasight.raw.exec:e1", "infrasight.raw.exec:e2",
                              "infrasight.raw.net:n0", "infrasight.raw.net:n1"])
        XCTAssertEqual(Set(consumer.assignment().map(\.topic)), ["infrasight.raw.exec", "infrasight.raw.net"])
        consumer.close()
    }
}

