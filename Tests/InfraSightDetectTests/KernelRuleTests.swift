import Foundation
import InfraSightCore
@testable import InfraSightDetect
import XCTest

/// The default rules on kernel-reach events: a module load attempt by anyone (init_module, finit_module),
/// a BPF program load by a process outside the known BPF users, what each leaves out, and the fields.
final class KernelRuleTests: XCTestCase {
    func kernel(_ syscall: String, comm: String = "python3", pid: UInt32 = 4242, path: String = "", params: String = "",
                imageLen: UInt64 = 0, progType: UInt32 = 0, progName: String = "", insns: UInt32 = 0) -> Event {
        var e = DetectTestEvents.base(.kernel, pid: pid, comm: comm)
        var d = KernelDetail()
        d.syscall = syscall; d.fd = syscall == "finit_module" ? 3 : -1; d.resolvedPath = path; d.params = params
        d.imageLen = imageLen; d.progType = progType; d.progName = progName; d.insnCnt = insns
        e.kernel = d
        return e
    }

    static let module = "Linux Kernel Module Injection Detected"
    static let bpf = "BPF program loaded by an unexpected process"

    func testModuleLoadAttemptsRaiseWhoeverMakesThem() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [
            kernel("finit_module", path: "/tmp/rootkit.ko", params: "hide=1"),
            kernel("init_module", comm: "insmod", pid: 2, imageLen: 4096),
            kernel("init_module", comm: "systemd-udevd", pid: 3, imageLen: 10),   // no exception: the attempt counts
            kernel("bpf", comm: "systemd", pid: 4, progType: 8),                   // a known BPF user: nothing
        ])
        XCTAssertEqual(alerts.map(\.record.rule), [Self.module, Self.module, Self.module])
        XCTAssertEqual(alerts.map(\.record.pid), [4242, 2, 3])
        let message = alerts.first?.record.message ?? ""
        XCTAssertTrue(message.hasPrefix("Kernel module load attempted by python3 (finit_module file=/tmp/rootkit.ko params=hide=1"), message)
        XCTAssertEqual(alerts.first?.record.tags.contains("T1547.006"), true)
    }

    func testProgramLoadsRaiseOutsideTheKnownLoaders() throws {
        let engine = DetectionEngine(book: try RuleBook(files: []), detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [
            kernel("bpf", progType: 1, progName: "filter", insns: 2),
            kernel("bpf", comm: "infrasight", pid: 2, progType: 5),
            kernel("bpf", comm: "tetragon", pid: 3, progType: 26),
            kernel("bpf", comm: "bpftool", pid: 4, progType: 2, progName: "hide_pid"),
        ])
        XCTAssertEqual(alerts.map(\.record.rule), [Self.bpf, Self.bpf])
        XCTAssertEqual(alerts.map(\.record.pid), [4242, 4])
        XCTAssertEqual(alerts.first?.record.message.hasPrefix("BPF program load by python3 (type 1 name=filter insns=2"), true,
                       alerts.first?.record.message ?? "")
    }

    func testKernelFieldsReadOnlyTheirProbe() throws {
        let book = try RuleBook(yaml: """
        - rule: fields
          condition: evt.type = finit_module and fd.name = /tmp/m.ko and kernel.params = "x=1" and kernel.image_len = 0 and kernel.prog_type = 0
          output: "%kernel.params %fd.name"
          priority: INFO
          tags: [T1]
        - rule: bpf fields
          condition: evt.type = bpf and kernel.prog_type = 26 and kernel.prog_name = tr and kernel.insn_cnt = 9 and kernel.attach_type = 0
          output: "%kernel.prog_name"
          priority: INFO
          tags: [T1]
        - rule: none on open
          condition: evt.probe = open and (kernel.params exists or kernel.prog_type exists or kernel.image_len exists)
          output: "x"
          priority: INFO
          tags: [T1]
        """)
        let engine = DetectionEngine(book: book, detectedBy: "test")
        let alerts = try DetectTestEvents.run(engine, [
            kernel("finit_module", path: "/tmp/m.ko", params: "x=1"),
            kernel("bpf", pid: 2, progType: 26, progName: "tr", insns: 9),
            DetectTestEvents.open("/etc/hosts"),
        ])
        XCTAssertEqual(alerts.map(\.record.rule), ["fields", "bpf fields"])
        XCTAssertEqual(alerts.map(\.record.message), ["x=1 /tmp/m.ko", "tr"])
    }
}
