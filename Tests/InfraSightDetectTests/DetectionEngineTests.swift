import InfraSightCore
@testable import InfraSightDetect
import XCTest

/// The engine on built events: single rules on resolved paths, sequences in event-time order whatever the
/// arrival order, thresholds, deterministic ids, and the offsets state holds back.
final class DetectionEngineTests: XCTestCase {
    let t0: UInt64 = 1_700_000_000_000_000_000

    func testRelativeAndTraversalPathsAreJudgedResolved() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [
            DetectTestEvents.open("shadow", cwd: "/etc"),
            DetectTestEvents.open("../../etc/./shadow", cwd: "/usr/share"),
            DetectTestEvents.open("/etc/passwd"),
        ])
        XCTAssertEqual(alerts.map(\.record.rule), ["Read sensitive file untrusted", "Read sensitive file untrusted", "Directory traversal monitored file read"])
        XCTAssertTrue(alerts[0].record.message.contains("Sensitive file /etc/shadow opened"), alerts[0].record.message)
        XCTAssertTrue(alerts[0].record.message.contains("passed=shadow"), alerts[0].record.message)
    }

    func testPathNormalisation() {
        func lexical(_ p: String, _ cwd: String) -> String {
            let out = Array(p.utf8).withUnsafeBytes { path in Array(cwd.utf8).withUnsafeBytes { PathResolution.lexical(path, cwd: $0) } }
            return String(decoding: out, as: UTF8.self)
        }
        XCTAssertEqual(lexical("a/../b/./c", "/x"), "/x/b/c")
        XCTAssertEqual(lexical("../../../../etc", "/a"), "/etc")
        XCTAssertEqual(lexical("//etc///shadow", "/x"), "/etc/shadow")
        XCTAssertEqual(lexical("x", ""), "x")
        XCTAssertEqual(lexical(".", "/"), "/")
    }

    func testSequenceFiresOnceInEventTimeOrderWhateverTheArrivalOrder() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let write = DetectTestEvents.open("/srv/drop/payload", flags: 0o1 | 0o100, timeNs: t0)
        let chmod = DetectTestEvents.chmod("payload", mode: 0o755, timeNs: t0 + 1_000_000)
        var chmodRelative = chmod
        chmodRelative.process.cwd = "/srv/drop"
        let exec = DetectTestEvents.exec("/srv/drop/payload", argv: ["payload"], timeNs: t0 + 2_000_000)
        // Arrival: exec first, then chmod, then the write (three topics, no order between them).
        let alerts = try DetectTestEvents.run(engine, [exec, chmodRelative, write])
        XCTAssertEqual(alerts.map(\.record.rule), ["Drop and execute new binary"])
        XCTAssertEqual(alerts[0].record.eventIDs, [write.eventID, chmod.eventID, exec.eventID])
        XCTAssertEqual(alerts[0].positions.count, 3)
        XCTAssertEqual(engine.heldCount, 0)
        XCTAssertEqual(alerts[0].record.alertID,
                       AlertRecord.identity(rule: "Drop and execute new binary", version: 1, eventIDs: [exec.eventID, write.eventID, chmod.eventID]))
    }

    func testSequenceNeedsTheSameFileTheOrderAndTheWindow() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let otherFile = try DetectTestEvents.run(engine, [
            DetectTestEvents.open("/srv/a", flags: 0o101, timeNs: t0),
            DetectTestEvents.chmod("/srv/b", mode: 0o755, timeNs: t0 + 1),
            DetectTestEvents.exec("/srv/a", argv: ["a"], timeNs: t0 + 2),
        ])
        XCTAssertTrue(otherFile.isEmpty)
        let wrongOrder = try DetectTestEvents.run(engine, [
            DetectTestEvents.exec("/srv/c", argv: ["c"], pid: 7, timeNs: t0),
            DetectTestEvents.open("/srv/c", flags: 0o101, pid: 7, timeNs: t0 + 1),
            DetectTestEvents.chmod("/srv/c", mode: 0o755, pid: 7, timeNs: t0 + 2),
        ])
        XCTAssertTrue(wrongOrder.isEmpty)
        let tooSlow = try DetectTestEvents.run(engine, [
            DetectTestEvents.open("/srv/d", flags: 0o101, pid: 8, timeNs: t0),
            DetectTestEvents.chmod("/srv/d", mode: 0o755, pid: 8, timeNs: t0 + 1),
            DetectTestEvents.exec("/srv/d", argv: ["d"], pid: 8, timeNs: t0 + 61_000_000_000),
        ])
        XCTAssertTrue(tooSlow.isEmpty)
        XCTAssertGreaterThan(engine.heldCount, 0)
        // Held events hold their partition's commit at the lowest offset; expiry releases them.
        XCTAssertEqual(engine.heldOffsets().values.min(), 0)
        engine.expire(wallNowNs: t0 + 3_600_000_000_000)
        XCTAssertEqual(engine.heldCount, 0)
        XCTAssertTrue(engine.heldOffsets().isEmpty)
    }

    func testThresholdFiresOncePerWindowOfCount() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        var events: [Event] = []
        for i in 0..<11 {
            events.append(DetectTestEvents.open("/etc/shadow", ret: -13, pid: 99, timeNs: t0 + UInt64(i) * 100_000_000))
        }
        let alerts = try DetectTestEvents.run(engine, events)
        XCTAssertEqual(alerts.map(\.record.rule), ["Repeated denied access to sensitive files", "Repeated denied access to sensitive files"])
        XCTAssertEqual(alerts[0].record.eventIDs.count, 5)
        XCTAssertEqual(Set(alerts[0].record.eventIDs).intersection(alerts[1].record.eventIDs).count, 0)
    }

    func testLateEventsSkipStatefulRulesButNotSingleOnes() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), latenessNs: 1_000_000_000, detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [
            DetectTestEvents.open("/srv/new", timeNs: t0 + 10_000_000_000),
            DetectTestEvents.open("/srv/late", flags: 0o101, timeNs: t0),   // a sequence step, 10 s late
            DetectTestEvents.open("/etc/shadow", timeNs: t0),
        ])
        XCTAssertEqual(alerts.map(\.record.rule), ["Read sensitive file untrusted"])
        XCTAssertEqual(engine.lateEvents, 1)
        XCTAssertEqual(engine.heldCount, 0)
    }

    /// A restarted worker replays a backlog: one topic's partition is read far ahead of another's. Events
    /// of the lagging one are not late as long as it has not moved past them itself.
    func testLatenessIsJudgedAgainstTheSlowestPartition() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), latenessNs: 1_000_000_000, detectedBy: "test")
        var out: [RaisedAlert] = []
        func feed(_ e: Event, topic: String) throws {
            let bytes = try EventCodec.encode(e)
            try bytes.withUnsafeBytes { raw in
                let view = try EventView(validating: raw)
                engine.process(view, probe: view.probeKind!, at: InputPosition(topic: topic, partition: 0, offset: 0), into: &out)
            }
        }
        try feed(DetectTestEvents.exec("/bin/true", argv: ["true"], pid: 1, timeNs: t0), topic: "infrasight.events.execve")
        try feed(DetectTestEvents.open("/srv/ahead", timeNs: t0 + 60_000_000_000), topic: "infrasight.events.open")
        try feed(DetectTestEvents.chmod("/srv/lagging", mode: 0o755, timeNs: t0 + 1_000), topic: "infrasight.events.chmod")
        XCTAssertEqual(engine.lateEvents, 0)
        XCTAssertEqual(engine.watermarkNs, t0)
    }

    func testForgetDropsRevokedPartitionsAndReloadKeepsUnchangedRules() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        _ = try DetectTestEvents.run(engine, [DetectTestEvents.open("/srv/x", flags: 0o101, timeNs: t0)], partition: 3)
        XCTAssertEqual(engine.heldCount, 1)
        engine.replaceRules(try RuleBook(files: []))
        XCTAssertEqual(engine.heldCount, 1)
        engine.forget([PartitionKey(topic: "infrasight.events.open", partition: 3)])
        XCTAssertEqual(engine.heldCount, 0)
    }

    func testRulesOnNamesAncestryNumbersAndExceptions() throws {
        let book = try RuleBook(yaml: """
        - list: admins
          items: [alice, root]
        - rule: ptrace poke
          condition: evt.probe = open and proc.aname in (sshd) and proc.pid > 100 and not user.name in (admins)
          exceptions:
            - name: known
              fields: [proc.name, fd.name]
              comps: [=, startswith]
              values: [[cat, /var/]]
          output: "%proc.name %fd.name %proc.pname %%"
          priority: INFO
          tags: [T1]
        """)
        let engine = DetectionEngine(book: book, detectedBy: "test")
        var e1 = DetectTestEvents.open("/etc/hosts", pid: 500)
        e1.user = "bob"
        e1.process.ancestors[0].comm = "sshd"
        var e2 = e1; e2.eventID = "x2"; e2.open.path = "/var/log/x"           // excepted
        var e3 = e1; e3.eventID = "x3"; e3.user = "alice"                      // an admin
        var e4 = e1; e4.eventID = "x4"; e4.pid = 50                            // pid too small
        var e5 = e1; e5.eventID = "x5"; e5.process.ancestors[0].comm = "cron"  // other ancestry
        let alerts = try DetectTestEvents.run(engine, [e1, e2, e3, e4, e5])
        XCTAssertEqual(alerts.count, 1)
        XCTAssertEqual(alerts.first?.record.message, "cat /etc/hosts sshd %")
        XCTAssertEqual(alerts.first?.record.severity, "informational")
    }

    func testGlob() {
        func g(_ text: String, _ pattern: String) -> Bool {
            Array(text.utf8).withUnsafeBytes { ByteMatch.glob($0, Array(pattern.utf8)) }
        }
        XCTAssertTrue(g("/home/bob/.ssh/id_rsa", "/home/*/.ssh/id_*"))
        XCTAssertTrue(g("../../etc/x", "*../*../*"))
        XCTAssertFalse(g("../etc/x", "*../*../*"))
        XCTAssertTrue(g("a1", "a[0-9]"))
        XCTAssertFalse(g("ab", "a[!b]"))
        XCTAssertTrue(g("a?", "a\\?"))
        XCTAssertFalse(g("ab", "a\\?"))
    }

    func testAlertRecordRoundTrip() throws {
        var a = AlertRecord()
        a.alertID = AlertRecord.identity(rule: "r", version: 2, eventIDs: ["b", "a"])
        a.rule = "r"; a.ruleVersion = 2; a.severity = "warning"; a.tags = ["T1", "x"]; a.timeNs = 7; a.host = "h"; a.pid = 9
        a.message = "m ü"; a.eventIDs = ["a", "b"]; a.probe = "open"; a.detectedNs = 8; a.detectedBy = "d"; a.uid = 1000
        let bytes = a.encoded()
        let back = try bytes.withUnsafeBytes { try AlertRecord.decode($0) }
        XCTAssertEqual(back, a)
        XCTAssertEqual(a.alertID, AlertRecord.identity(rule: "r", version: 2, eventIDs: ["a", "b"]))
        XCTAssertNotEqual(a.alertID, AlertRecord.identity(rule: "r", version: 3, eventIDs: ["a", "b"]))
        XCTAssertEqual(a.alertID.count, 40)
        XCTAssertThrowsError(try [UInt8]([0x0a, 0x05, 0x61]).withUnsafeBytes { try AlertRecord.decode($0) })
    }
}

/// Which absolute paths are read in place (already normal) and which are rebuilt.
final class PathResolutionTests: XCTestCase {
    func testNormalAbsolute() {
        func normal(_ s: String) -> Bool { Array(s.utf8).withUnsafeBytes { PathResolution.isNormalAbsolute($0) } }
        for s in ["/", "/etc", "/etc/shadow", "/a/.b/c", "/a/..b", "/a/b.", "/.hidden/x"] { XCTAssertTrue(normal(s), s) }
        for s in ["", "etc", "//etc", "/etc//x", "/etc/./x", "/etc/../x", "/etc/.", "/etc/..", "/etc/"] { XCTAssertFalse(normal(s), s) }
    }
}
