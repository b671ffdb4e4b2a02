import InfraSightCore
@testable import InfraSightDetect
import XCTest

/// The setid fields and the "Setuid to root by a non-root process" default rule on built events: who
/// counts as non-root (the real uid), which calls and ids count as becoming root, and what is left out.
final class SetidRuleTests: XCTestCase {
    static let rule = "Setuid to root by a non-root process"

    /// A set*id event: `old` = (uid, euid, suid, gid, egid, sgid) before, `asked` = the requested triple.
    static func setid(_ call: String, old: [UInt32], asked: [Int64], ret: Int64 = 0, comm: String = "tool") -> Event {
        var e = DetectTestEvents.base(.setid, comm: comm, exe: "/opt/\(comm)", uid: old[0])
        var d = SetidDetail()
        d.syscall = call
        d.oldUid = old[0]; d.oldEuid = old[1]; d.oldSuid = old[2]; d.oldGid = old[3]; d.oldEgid = old[4]; d.oldSgid = old[5]
        d.newReal = asked[0]; d.newEffective = asked[1]; d.newSaved = asked[2]
        e.setid = d
        e.ret = ret
        return e
    }

    func testDefaultRuleFiresWhenARealNonRootProcessAsksForUidOrEuidZero() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let nobody: [UInt32] = [65534, 0, 0, 65534, 65534, 65534]   // a set-user-id-root program run by nobody
        let raised = try DetectTestEvents.run(engine, [
            Self.setid("setuid", old: nobody, asked: [0, -1, -1]),
            Self.setid("setreuid", old: [1000, 1000, 1000, 100, 100, 100], asked: [-1, 0, -1]),
            Self.setid("setresuid", old: nobody, asked: [0, 0, 0]),
        ])
        XCTAssertEqual(raised.map(\.record.rule), [Self.rule, Self.rule, Self.rule])
        XCTAssertTrue(raised[0].record.message.contains("tool became root with setuid (old uid=65534 euid=0, new uid=0 euid=0"),
                      raised[0].record.message)
        XCTAssertTrue(raised[1].record.message.contains("new uid=-1 euid=0"), raised[1].record.message)
    }

    func testDefaultRuleLeavesOutRootDaemonsFailuresGidsAndPrivilegeTools() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let nobody: [UInt32] = [65534, 0, 0, 65534, 65534, 65534]
        let raised = try DetectTestEvents.run(engine, [
            Self.setid("setresuid", old: [0, 1000, 0, 0, 0, 0], asked: [-1, 0, -1]),    // root regains its euid
            Self.setid("setuid", old: nobody, asked: [0, -1, -1], ret: -1),               // EPERM
            Self.setid("setgid", old: nobody, asked: [0, -1, -1]),                        // gid 0 is not root
            Self.setid("setresuid", old: nobody, asked: [65534, 65534, 65534]),           // drops, not raises
            Self.setid("setresuid", old: [1000, 0, 0, 100, 100, 100], asked: [0, 0, 0], comm: "sudo"),
            Self.setid("capset", old: nobody, asked: [-1, -1, -1]),
        ])
        XCTAssertEqual(raised.map(\.record.rule), [])
    }

    func testRequestedIdFieldsByFamilyAndPosition() throws {
        let book = try RuleBook(yaml: """
        - rule: show
          desc: every setid event
          condition: evt.probe = setid
          output: "%setid.call %setid.new_uid %setid.new_euid %setid.new_suid %setid.new_gid %setid.new_egid %setid.new_sgid %setid.old_euid %setid.old_egid"
          priority: INFO
        """)
        let engine = DetectionEngine(book: book, detectedBy: "test")
        let old: [UInt32] = [1, 2, 3, 4, 5, 6]
        let raised = try DetectTestEvents.run(engine, [
            Self.setid("setuid", old: old, asked: [7, -1, -1]),
            Self.setid("setregid", old: old, asked: [-1, 8, -1]),
            Self.setid("setresuid", old: old, asked: [9, 10, 11]),
            Self.setid("setgid", old: old, asked: [12, -1, -1]),
        ])
        XCTAssertEqual(raised.map(\.record.message), [
            "setuid 7 7 -1 -1 -1 -1 2 5",      // setuid sets the effective uid to its argument
            "setregid -1 -1 -1 -1 8 -1 2 5",
            "setresuid 9 10 11 -1 -1 -1 2 5",
            "setgid -1 -1 -1 12 12 -1 2 5",
        ])
    }
}
