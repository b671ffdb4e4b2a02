import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
@testable import InfraSightAgent
#if canImport(Glibc)
import Glibc
#endif

/// A trivial BPF program load through the raw bpf(2) syscall: a socket filter `r0 = 0; exit`.
enum TrivialBPFProgram {
    static let BPF_PROG_LOAD = 5
    /// mov64 r0, 0 ; exit
    static let insns: [UInt8] = [0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]

    /// bpf(BPF_PROG_LOAD) of the program with `name` (at most 15 bytes) and `size` bytes of union bpf_attr;
    /// returns the program fd (closed here) or -errno.
    static func load(name: String, progType: UInt32 = 1, size: Int = 128) -> Int {
        var attr = [UInt8](repeating: 0, count: 128)
        let license: [CChar] = Array("GPL".utf8CString)
        return insns.withUnsafeBytes { code in
            license.withUnsafeBytes { lic in
                func put<T>(_ v: T, _ o: Int) { withUnsafeBytes(of: v) { for (i, x) in $0.enumerated() { attr[o + i] = x } } }
                put(progType, 0); put(UInt32(insns.count / 8), 4)
                put(UInt64(UInt(bitPattern: code.baseAddress)), 8); put(UInt64(UInt(bitPattern: lic.baseAddress)), 16)
                for (i, c) in name.utf8.prefix(15).enumerated() { attr[48 + i] = c }
                let r = attr.withUnsafeBytes {
                    ProbeSyscalls.call(ProbeSyscalls.bpf, BPF_PROG_LOAD, Int(bitPattern: $0.baseAddress), size)
                }
                if r >= 0 { Glibc.close(Int32(r)) }
                return r
            }
        }
    }
}

/// Real kernel tests of the `kernel` probe: this process really calls finit_module, init_module (this
/// kernel has no modules: ENOSYS, and a file that is no module could not load anyway; the attempt is
/// what is recorded) and bpf(BPF_PROG_LOAD) of a trivial socket filter, and every decoded field is
/// checked against what was passed.
extension ProbeKernelTests {
    func testModuleAndProgramLoadsAreRecordedAtTheAttemptWithWhatWasPassed() throws {
        let probe = try makeProbe(.kernel)
        defer { probe.close() }
        // No module tracepoints here: the every-syscall hook filtered by number, plus sys_enter_bpf.
        XCTAssertTrue(probe.hookDescription.contains("raw_tracepoint sys_enter"), probe.hookDescription)
        XCTAssertTrue(probe.hookDescription.contains("sys_enter_bpf"), probe.hookDescription)

        let file = tmp + "/not-a-module.ko"
        FileManager.default.createFile(atPath: file, contents: Data("not a module\n".utf8))
        let real = try XCTUnwrap(realpath(file, nil).map { p -> String in defer { free(p) }; return String(cString: p) })
        let fd = open(file, O_RDONLY)
        defer { close(fd) }
        let image = [UInt8](repeating: 0x7f, count: 4321)
        let longParams = String(repeating: "p", count: 300)

        var rets: [Int] = []
        ProbeSyscalls.withPath("debug=1 level=2") { params in
            rets.append(ProbeSyscalls.call(ProbeSyscalls.finitModule, Int(fd), params, 2))
        }
        image.withUnsafeBytes { img in
            ProbeSyscalls.withPath("x=1") { params in
                rets.append(ProbeSyscalls.call(ProbeSyscalls.initModule, Int(bitPattern: img.baseAddress), image.count, params))
            }
        }
        ProbeSyscalls.withPath(longParams) { params in
            rets.append(ProbeSyscalls.call(ProbeSyscalls.finitModule, 9999, params, 0))   // EBADF: no file behind it
        }
        rets.append(TrivialBPFProgram.load(name: "is_kreach"))
        rets.append(TrivialBPFProgram.load(name: "cut_by_size", size: 48))   // prog_name lies past 48 bytes: not read
        // Quiet: other bpf() commands (a map create with an empty attr, EINVAL) and other syscalls.
        var empty = [UInt8](repeating: 0, count: 64)
        let quiet = empty.withUnsafeMutableBytes { ProbeSyscalls.call(ProbeSyscalls.bpf, 0, Int(bitPattern: $0.baseAddress), 64) }
        XCTAssertLessThan(quiet, 0)
        _ = getpid()

        // Modules are off in this kernel (ENOSYS); elsewhere the file is refused (ENOEXEC/EINVAL): never 0.
        for r in rets.prefix(3) { XCTAssertLessThan(r, 0, "a module load must not succeed here") }
        XCTAssertGreaterThanOrEqual(rets[3], 0, "the trivial socket filter loads as root")

        let recs = collect(probe) { $0.count >= 5 }
        usleep(100_000)
        let all = recs + collect(probe, timeout: 0.2) { _ in false }
        let events = all.compactMap { r -> KernelReachEvent? in if case .kernel(let k) = r { return k }; return nil }
        XCTAssertEqual(events.map(\.syscall), [.finitModule, .initModule, .finitModule, .bpf, .bpf], "counters \(probe.counters())")
        guard events.count == 5 else { return }
        for e in events {
            XCTAssertEqual(e.common.pid, me); XCTAssertEqual(e.common.tid, UInt32(ProbeSyscalls.gettid()))
            XCTAssertEqual(e.common.ppid, UInt32(getppid())); XCTAssertEqual(e.common.uid, getuid())
            XCTAssertEqual(e.common.ret, 0, "recorded at sys_enter: no outcome"); XCTAssertEqual(e.common.latencyNs, 0)
            XCTAssertGreaterThan(e.common.cgroupId, 0); XCTAssertEqual(KernelRecord.kernel(e).probe, .kernel)
        }
        let f = events[0]
        XCTAssertEqual(f.fd, fd); XCTAssertEqual(f.moduleFlags, 2); XCTAssertEqual(f.params, "debug=1 level=2")
        XCTAssertEqual(f.resolved, ResolvedPath(path: real, lexical: false, truncated: false))
        XCTAssertFalse(f.paramsTruncated); XCTAssertEqual(f.progName, "")
        let i = events[1]
        XCTAssertEqual(i.fd, -1); XCTAssertEqual(i.imageLen, UInt64(image.count)); XCTAssertEqual(i.params, "x=1")
        XCTAssertEqual(i.resolved, .none)
        let bad = events[2]
        XCTAssertEqual(bad.fd, 9999); XCTAssertEqual(bad.resolved, .none, "no file behind the fd")
        XCTAssertTrue(bad.paramsTruncated); XCTAssertEqual(bad.params, String(repeating: "p", count: 255))
        let b = events[3]
        XCTAssertEqual(b.progType, 1); XCTAssertEqual(b.insnCnt, 2); XCTAssertEqual(b.progName, "is_kreach")
        XCTAssertEqual(b.expectedAttachType, 0); XCTAssertEqual(b.fd, -1); XCTAssertEqual(b.params, "")
        let cut = events[4]
        XCTAssertEqual(cut.progType, 1); XCTAssertEqual(cut.insnCnt, 2)
        XCTAssertEqual(cut.progName, "", "attr bytes past the size passed are not the caller's")
        let c = probe.counters()
        XCTAssertEqual(c.enterMisses, 0)
    }

    /// The classic raw_syscalls:sys_enter fallback sees the same module loads (forced: this kernel
    /// would pick the raw tracepoint).
    func testClassicRawSyscallsFallbackSeesModuleLoads() throws {
        let base = ProbeSpec.spec(for: .kernel)
        let only = try XCTUnwrap(base.variants.first { $0.name == "raw_syscalls" })
        let probe = try BPFProbe(spec: ProbeSpec(probe: .kernel, object: "kernel", variants: [only]),
                                 objectPath: BPFObjectLocator.path(for: "kernel"), excludedPids: [])
        defer { probe.close() }
        XCTAssertTrue(probe.hookDescription.contains("raw_syscalls:sys_enter"), probe.hookDescription)
        let image = [UInt8](repeating: 1, count: 77)
        image.withUnsafeBytes { img in
            ProbeSyscalls.withPath("") { params in
                _ = ProbeSyscalls.call(ProbeSyscalls.initModule, Int(bitPattern: img.baseAddress), image.count, params)
            }
        }
        let recs = collect(probe) { !$0.isEmpty }
        guard case .kernel(let e)? = recs.first else { return XCTFail("no record: \(probe.counters())") }
        XCTAssertEqual(e.syscall, .initModule); XCTAssertEqual(e.imageLen, 77); XCTAssertEqual(e.params, "")
        XCTAssertFalse(e.common.flags.contains(.paramsReadFailed))
    }

    func testKernelReachExclusionAppliesAtSysEnter() throws {
        let probe = try makeProbe(.kernel)
        defer { probe.close() }
        try probe.addExcludedPid(me)
        ProbeSyscalls.withPath("") { params in _ = ProbeSyscalls.call(ProbeSyscalls.finitModule, 0, params, 0) }
        XCTAssertGreaterThanOrEqual(TrivialBPFProgram.load(name: "excluded"), 0)
        usleep(50_000)
        XCTAssertTrue(collect(probe, timeout: 0.3) { _ in false }.isEmpty)
        XCTAssertGreaterThanOrEqual(probe.counters().excluded, 2, "\(probe.counters())")
    }
}
