import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The `kernel` probe through the real agent and broker, with strace as the oracle: a real Python helper
/// calls finit_module on a file that is no module, init_module on a small fake image (this kernel has no
/// modules: ENOSYS; the attempt is what is recorded), bpf(BPF_PROG_LOAD) of a trivial socket filter, and
/// bpf(BPF_MAP_CREATE) (not a program load: not reported). Every finit_module, init_module and
/// BPF_PROG_LOAD strace saw must arrive, in order, with the file, parameters, length, program type,
/// instruction count and name strace printed; nothing else may. The agent attaches the kernel probe
/// first (`probes` starts with it), so the programs it loads for every later probe pass the hook: none
/// of them may be reported (self-exclusion).
extension AgentProbeIntegrationTests {
    static let kernelHelper = """
    import ctypes, os, struct, sys
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    path = sys.argv[1]
    open(path, 'wb').write(b'not a module\\n')
    fd = os.open(path, os.O_RDONLY)
    libc.syscall(313, fd, b'a=1 b=two', 2)
    image = ctypes.create_string_buffer(b'\\x7fELF' + b'\\0' * 96, 100)
    libc.syscall(175, image, 100, b'c=3')
    insns = ctypes.create_string_buffer(bytes([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]), 16)
    lic = ctypes.create_string_buffer(b'GPL')
    attr = ctypes.create_string_buffer(128)
    struct.pack_into('IIQQ', attr, 0, 1, 2, ctypes.addressof(insns), ctypes.addressof(lic))
    attr[48:55] = b'it_prog'
    r = libc.syscall(321, 5, attr, 128)
    assert r >= 0, ctypes.get_errno()
    os.close(r)
    libc.syscall(321, 0, ctypes.create_string_buffer(64), 64)
    """

    static let moduleInitFlags = ["0": 0, "MODULE_INIT_IGNORE_MODVERSIONS": 1, "MODULE_INIT_IGNORE_VERMAGIC": 2,
                                  "MODULE_INIT_COMPRESSED_FILE": 4]
    static let progTypes = ["BPF_PROG_TYPE_SOCKET_FILTER": 1, "BPF_PROG_TYPE_KPROBE": 2, "BPF_PROG_TYPE_TRACEPOINT": 5]

    func testModuleAndProgramLoadsMatchWhatStraceSaw() throws {
        try ready()
        let dir = NSTemporaryDirectory() + "is-kernel-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.kernelHelper.write(toFile: dir + "/helper.py", atomically: true, encoding: .utf8)
        let trace = dir + "/strace.out"
        let strace = SC.spawn(["/usr/bin/strace", "-f", "-y", "-qq", "-s", "256", "-e", "trace=init_module,finit_module,bpf",
                               "-o", trace, "/usr/bin/python3", dir + "/helper.py", dir + "/fake.ko"])
        XCTAssertEqual(SC.wait(strace), 0, "strace + helper failed")
        let text = try String(contentsOfFile: trace, encoding: .utf8)
        let calls = Self.parseStrace(text.replacingOccurrences(of: "\\)\\s+= ", with: ") = ", options: .regularExpression))
        guard let helperPid = calls.first(where: { $0.name == "finit_module" })?.pid else { return XCTFail("strace saw no finit_module: \(text)") }
        let mine = calls.filter { $0.pid == helperPid }
        XCTAssertEqual(mine.map(\.name), ["finit_module", "init_module", "bpf", "bpf"], text)
        // The oracle, by the probe's policy: module loads and BPF_PROG_LOAD only.
        let kept = mine.filter { $0.name != "bpf" || $0.args.first == "BPF_PROG_LOAD" }
        XCTAssertEqual(kept.map(\.name), ["finit_module", "init_module", "bpf"])
        // Modules are off in this kernel (ENOSYS); elsewhere the fake file is refused: never loaded.
        for c in kept.prefix(2) { XCTAssertLessThan(c.ret, 0, "\(c)") }
        XCTAssertGreaterThanOrEqual(kept.last?.ret ?? -1, 0, "the socket filter loads as root")

        let loads = events(.kernel, count: kept.count) { $0.pid == helperPid }
        XCTAssertEqual(loads.count, kept.count)
        for (e, c) in zip(loads, kept) {
            assertCommon(e, ret: 0, pid: helperPid)   // the attempt: no outcome on the event
            XCTAssertEqual(e.latencyNs, 0)
            let raw = c.args.joined(separator: ", ")
            XCTAssertEqual(e.kernel.syscall, c.name, raw)
            switch c.name {
            case "finit_module":
                // finit_module(3</tmp/.../fake.ko>, "a=1 b=two", MODULE_INIT_IGNORE_VERMAGIC)
                XCTAssertEqual(e.kernel.fd, StraceCall.fd(c.args[0]).fd, raw)
                XCTAssertEqual(e.kernel.resolvedPath, Self.capture("^[0-9]+<([^>]+)>", in: c.args[0]), raw)
                XCTAssertEqual(e.kernel.params, Self.capture("^\"(.*)\"$", in: c.args[1]), raw)
                XCTAssertEqual(Int(e.kernel.moduleFlags), Self.moduleInitFlags[c.args[2]], raw)
                XCTAssertEqual(e.kernel.imageLen, 0)
            case "init_module":
                // init_module(0x7f…, 100, "c=3")
                XCTAssertEqual(e.kernel.imageLen, UInt64(c.args[1]), raw)
                XCTAssertEqual(e.kernel.params, Self.capture("^\"(.*)\"$", in: c.args[2]), raw)
                XCTAssertEqual(e.kernel.fd, -1); XCTAssertEqual(e.kernel.resolvedPath, "")
            default:
                XCTAssertEqual(Int(e.kernel.progType), Self.progTypes[Self.capture("prog_type=([A-Z_]+)", in: raw) ?? ""], raw)
                XCTAssertEqual(e.kernel.insnCnt, UInt32(Self.capture("insn_cnt=([0-9]+)", in: raw) ?? ""), raw)
                XCTAssertEqual(e.kernel.progName, Self.capture("prog_name=\"([^\"]*)\"", in: raw), raw)
                XCTAssertEqual(e.kernel.params, ""); XCTAssertEqual(e.kernel.fd, -1)
            }
        }
        // Nothing beyond the oracle, and nothing of the agent's own program loads.
        usleep(1_000_000)
        Self.lock.lock()
        let extra = Self.received.filter { $0.event.pid == helperPid && $0.event.probe == "kernel" }
        let agentPid = UInt32(Self.agent?.process.processIdentifier ?? 0)
        let own = Self.received.filter { $0.event.pid == agentPid && $0.event.probe == "kernel" }
        Self.lock.unlock()
        XCTAssertEqual(extra.count, kept.count, "\(extra.map(\.event))")
        XCTAssertEqual(Self.probes.first, .kernel, "attached first, so the agent's later program loads pass the hook")
        XCTAssertGreaterThan(agentPid, 0)
        XCTAssertTrue(own.isEmpty, "the agent's own program loads were reported: \(own.map(\.event.kernel))")
    }
}
