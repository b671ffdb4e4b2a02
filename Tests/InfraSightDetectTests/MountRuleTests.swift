import InfraSightCore
@testable import InfraSightDetect
import XCTest

/// The default rules on mount events: mount(2) and the new mount API in a container, and what stays
/// quiet (the host, failed calls, the runtime's own setup, open_tree and fsopen alone).
final class MountRuleTests: XCTestCase {
    func mount(_ syscall: String, source: String = "", target: String = "", fsType: String = "", flags: UInt64 = 0,
               container: String = "0123456789ab", comm: String = "sh", ret: Int64 = 0) -> Event {
        var e = DetectTestEvents.base(.mount, comm: comm)
        e.containerID = container
        var d = MountDetail()
        d.syscall = syscall; d.source = source; d.target = target; d.fsType = fsType; d.flags = flags
        e.mount = d
        e.ret = ret
        return e
    }

    func testTheNewMountAPIInAContainerRaisesAndTheRestStaysQuiet() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [
            mount("fsopen", fsType: "ext4", ret: 3),
            mount("fsmount", flags: 0x8, ret: 4),
            mount("move_mount", target: "/mnt", flags: 0x4),
            mount("open_tree", source: "/", flags: 1, ret: 5),
            mount("move_mount", target: "/mnt", container: ""),            // the host
            mount("move_mount", target: "/mnt", ret: -1),                  // failed (EPERM)
            mount("move_mount", target: "/run/runc/x", comm: "runc:[2:INIT]"),
            mount("mount", source: "none", target: "/mnt", fsType: "tmpfs"),
        ])
        XCTAssertEqual(alerts.map(\.record.rule), ["Mount API used in container", "Mount API used in container",
                                                   "Mount launched in container"])
        let message = alerts.dropFirst().first?.record.message ?? ""
        XCTAssertTrue(message.contains("Mount API move_mount (from <NA> to /mnt, flags 4) in container 0123456789ab by sh"), message)
    }
}
