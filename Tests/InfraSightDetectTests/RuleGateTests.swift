import InfraSightCore
import XCTest
@testable import InfraSightDetect

/// The gate is an optimisation: it must never turn away an event its rule's condition accepts. Every
/// default single-event rule is run, with and without its gate, over events that vary exactly the facts
/// the gate reads (failed or not, open for read or write) and the paths the rules look for.
final class RuleGateTests: XCTestCase {
    func testGatesOfTheDefaultRules() throws {
        let book = try RuleBook(files: [])
        let byName = Dictionary(uniqueKeysWithValues: book.rules.map { ($0.name, $0) })
        // The gates the default macros imply.
        XCTAssertEqual(byName["Crontab modified"]?.gate.write, true)
        XCTAssertEqual(byName["Crontab modified"]?.gate.failed, false)
        XCTAssertEqual(byName["Read sensitive file untrusted"]?.gate.write, false)
        XCTAssertEqual(byName["Repeated denied access to sensitive files"]?.gate.failed, true)
        XCTAssertNil(byName["Repeated denied access to sensitive files"]?.gate.write)
        // An `or` whose branches need different probes: each probe's events get their branch's gate.
        let history = try XCTUnwrap(byName["Delete or rename shell history"])
        XCTAssertNil(history.gate.write, "no gate for the rule as a whole")
        XCTAssertEqual(history.gate(for: .open).write, true, "an open can only match by truncating")
        XCTAssertEqual(history.gate(for: .open).failed, false)
        XCTAssertEqual(history.gate(for: .link).failed, false)
        XCTAssertNil(history.gate(for: .link).write)
    }

    func testNoGateTurnsAwayAMatch() throws {
        let book = try RuleBook(files: [])
        let paths = ["/home/u/.bash_history", "/etc/shadow", "/etc/crontab", "/etc/cron.d/x", "/etc/systemd/system/x.service", "/etc/ld.so.preload",
                     "/root/.ssh/authorized_keys", "/var/log/syslog", "/tmp/x", "/home/u/.aws/credentials", "/sys/fs/cgroup/release_agent",
                     "../../etc/passwd", "/srv/drop/payload"]
        var events: [Event] = []
        for path in paths {
            for flags: UInt32 in [0, 0o1, 0o2 | 0o100, 0o1000 | 0o1] {
                for ret: Int64 in [3, -13] {
                    events.append(DetectTestEvents.open(path, flags: flags, ret: ret, comm: "bash"))
                }
            }
            var chmod = DetectTestEvents.chmod(path, mode: 0o4755)
            events.append(chmod)
            chmod.ret = -1
            events.append(chmod)
            events.append(DetectTestEvents.exec(path, argv: [path], comm: "sh", parentComm: "nginx"))
            for (syscall, ret) in [("unlink", Int64(0)), ("renameat2", 0), ("symlink", 0), ("linkat", -17)] {
                var e = DetectTestEvents.base(.link, comm: "bash")
                var d = LinkDetail()
                d.syscall = syscall; d.path = path; d.resolvedPath = path; d.oldPath = path; d.oldResolvedPath = path
                d.dirfd = -100; d.oldDirfd = -100
                e.link = d
                e.ret = ret
                events.append(e)
            }
        }
        var checked = 0, admitted = 0
        for event in events {
            let bytes = try EventCodec.encode(event)
            try bytes.withUnsafeBytes { raw in
                let view = try EventView(validating: raw)
                let probe = view.probeKind!
                for rule in book.rules {
                    guard case .single(let predicate) = rule.kind, rule.probes?.contains(probe) ?? true else { continue }
                    var facts = EventFacts(event: view, probe: probe)
                    let matches = predicate(&facts)
                    checked += 1
                    if matches {
                        admitted += 1
                        XCTAssertTrue(rule.gate(for: probe).admits(view, probe: probe), "gate of '\(rule.name)' turns away a match: \(probe) \(event.eventID) ret \(view.ret)")
                    }
                }
            }
        }
        XCTAssertGreaterThan(admitted, 10, "the events must match some rules for the check to mean anything (\(checked) checks)")
    }
}
