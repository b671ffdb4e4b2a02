import InfraSightCore
@testable import InfraSightDetect
import XCTest

/// The default rules on link events: symlinks and hard links to credentials, shell history and log
/// files removed or renamed away, their exceptions (failed calls, log rotators, benign names), and the
/// fields they read (fd.name is the created or removed name, link.old_name the other one, resolved).
final class LinkRuleTests: XCTestCase {
    func link(_ syscall: String, path: String, resolved: String, old: String = "", oldResolved: String = "",
              ret: Int64 = 0, comm: String = "ln", pid: UInt32 = 4242) -> Event {
        var e = DetectTestEvents.base(.link, pid: pid, comm: comm)
        var d = LinkDetail()
        d.syscall = syscall; d.path = path; d.oldPath = old; d.dirfd = -100; d.oldDirfd = -100
        d.resolvedPath = resolved; d.resolvedLexical = true
        d.oldResolvedPath = oldResolved; d.oldResolvedLexical = !old.isEmpty
        e.link = d
        e.ret = ret
        return e
    }

    func rules(_ events: [Event]) throws -> [String] {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        return try DetectTestEvents.run(engine, events).map(\.record.rule)
    }

    func testSymlinkAndHardlinkToCredentialsRaise() throws {
        XCTAssertEqual(try rules([
            link("symlinkat", path: "s", resolved: "/tmp/s", old: "../../etc/shadow", oldResolved: "/etc/shadow"),
            link("symlink", path: "/tmp/r", resolved: "/tmp/r", old: "/", oldResolved: "/", pid: 2),
            link("linkat", path: "h", resolved: "/tmp/h", old: "/etc/sudoers", oldResolved: "/etc/sudoers", pid: 3),
            // not: a symlink to an ordinary file, a failed link, a rename of a credential file (not a link)
            link("symlink", path: "/tmp/x", resolved: "/tmp/x", old: "/etc/hosts", oldResolved: "/etc/hosts", pid: 4),
            link("link", path: "/tmp/y", resolved: "/tmp/y", old: "/etc/shadow", oldResolved: "/etc/shadow", ret: -18, pid: 5),
        ]), ["Create symlink over sensitive files", "Create symlink over sensitive files", "Create hardlink over sensitive files"])
    }

    func testShellHistoryRemovedOrRenamedAwayRaises() throws {
        XCTAssertEqual(try rules([
            link("unlinkat", path: ".bash_history", resolved: "/root/.bash_history", comm: "rm"),
            link("renameat2", path: "x", resolved: "/home/u/x", old: ".zsh_history", oldResolved: "/home/u/.zsh_history", comm: "mv", pid: 2),
            // not: zsh saving its history by renaming a new copy over it, a failed removal, another file
            link("rename", path: "/home/u/.zsh_history", resolved: "/home/u/.zsh_history", old: "/home/u/.zsh_history.new",
                 oldResolved: "/home/u/.zsh_history.new", comm: "zsh", pid: 3),
            link("unlink", path: ".bash_history", resolved: "/root/.bash_history", ret: -2, comm: "rm", pid: 4),
            link("unlink", path: "notes", resolved: "/root/notes", comm: "rm", pid: 5),
        ]), ["Delete or rename shell history", "Delete or rename shell history"])
    }

    func testLogFilesRemovedOutsideRotationRaise() throws {
        XCTAssertEqual(try rules([
            link("unlinkat", path: "auth.log", resolved: "/var/log/auth.log", comm: "rm"),
            link("renameat", path: "/tmp/a", resolved: "/tmp/a", old: "syslog", oldResolved: "/var/log/syslog", comm: "mv", pid: 2),
            // not: logrotate's rotation, a package manager, a file renamed into /var/log, a failed call
            link("rename", path: "/var/log/syslog.1", resolved: "/var/log/syslog.1", old: "/var/log/syslog",
                 oldResolved: "/var/log/syslog", comm: "logrotate", pid: 3),
            link("unlink", path: "/var/log/dpkg.log.9", resolved: "/var/log/dpkg.log.9", comm: "dpkg", pid: 4),
            link("rename", path: "/var/log/new.log", resolved: "/var/log/new.log", old: "/tmp/n", oldResolved: "/tmp/n", comm: "mv", pid: 5),
            link("unlink", path: "/var/log/x", resolved: "/var/log/x", ret: -13, comm: "rm", pid: 6),
        ]), ["Log file removed", "Log file removed"])
    }

    func testLinkFieldsReadOnlyTheirProbe() throws {
        let book = try RuleBook(yaml: """
        - rule: fields
          condition: >
            evt.probe = link and evt.type = renameat2 and fd.name = /b/new and fd.filename = new and fd.directory = /b
            and link.old_name = /a/old and link.old_passed_name = ../a/old and link.flags = 1 and fd.passed_name = new
          output: "%link.old_name -> %fd.name"
          priority: INFO
          tags: [T1]
        - rule: none on open
          condition: evt.probe = open and (link.old_name exists or link.flags exists)
          output: "x"
          priority: INFO
          tags: [T1]
        """)
        var rename = link("renameat2", path: "new", resolved: "/b/new", old: "../a/old", oldResolved: "/a/old", comm: "mv")
        rename.link.flags = 1
        let engine = DetectionEngine(book: book, detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [rename, DetectTestEvents.open("/etc/hosts")])
        XCTAssertEqual(alerts.map(\.record.rule), ["fields"])
        XCTAssertEqual(alerts.first?.record.message, "/a/old -> /b/new")
    }
}
