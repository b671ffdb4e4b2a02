import Foundation
import XCTest
@testable import InfraSightAgent
#if canImport(Glibc)
import Glibc
#endif

/// Real kernel tests of the execve probe through the one sensor path (`BPFProbe(.execve)`): load
/// bpf/build/execve.bpf.o, attach, exec children, read the ring buffer. They need root and a
/// BPF-capable kernel and FAIL (never skip) when the kernel refuses.
final class BPFExecveProbeTests: XCTestCase {
    private func objectPath() throws -> String {
        do {
            return try BPFObjectLocator.path(for: "execve.bpf.o")
        } catch {
            XCTFail("execve.bpf.o not built — run `make -C bpf` first. \(error)")
            throw error
        }
    }

    private func makeProbe(excluding extra: [UInt32] = [], ringBytes: Int = 8 << 20) throws -> BPFProbe {
        let path = try objectPath()
        do {
            return try BPFProbe(spec: ProbeSpec.spec(for: .execve), objectPath: path, ringBufferBytes: ringBytes,
                                excludedPids: [UInt32(getpid())] + extra)
        } catch {
            XCTFail("kernel refused the execve probe (need root + BPF): \(error)")
            throw error
        }
    }

    /// Runs `exe args` to completion, stdout/stderr discarded; returns its pid.
    @discardableResult
    private func run(_ exe: String, _ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    /// Polls every 2 ms until `done(collected)` or the timeout; returns everything collected.
    private func collect(_ probe: BPFProbe, timeout: TimeInterval = 10,
                         until done: ([KernelExecEvent]) -> Bool) -> [KernelExecEvent] {
        var events: [KernelExecEvent] = []
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            probe.consume { if case .exec(let e) = $0 { events.append(e) } }
            if done(events) { break }
            usleep(2000)
        } while Date() < deadline
        return events
    }

    func testSuccessfulExecOfChildIsReportedExactly() throws {
        let probe = try makeProbe()
        defer { probe.close() }
        XCTAssertTrue(probe.hookDescription.contains("tracepoint syscalls:sys_enter_execve/sys_exit_execve"),
                      probe.hookDescription)
        let tag = "tag-\(UUID().uuidString)"
        let args = [tag, "two words", "", "ünïcödé", "--flag=1"]
        let pid = try run("/bin/echo", args)
        let events = collect(probe) { $0.contains { $0.pid == UInt32(pid) } }
        guard let e = events.first(where: { $0.pid == UInt32(pid) }) else {
            return XCTFail("no event for child \(pid); got \(events.count) others; counters \(probe.counters())")
        }
        XCTAssertEqual(e.filename, "/bin/echo")
        XCTAssertEqual(e.argv, ["/bin/echo"] + args)
        XCTAssertFalse(e.argvTruncated)
        XCTAssertEqual(e.tid, UInt32(pid))
        XCTAssertEqual(e.ppid, UInt32(getpid()))
        XCTAssertEqual(e.uid, 0)
        XCTAssertEqual(e.gid, getgid())
        XCTAssertEqual(e.ret, 0)
        XCTAssertEqual(e.comm, "echo")
        XCTAssertGreaterThan(e.latencyNs, 0)
        XCTAssertGreaterThan(e.cgroupId, 0)
        XCTAssertTrue(e.flags.contains(.argvFromNewImage))
        XCTAssertFalse(e.flags.contains(.execveat))
        XCTAssertFalse(e.flags.contains(.exeUnlinked), "a binary on disk is not fileless")
        XCTAssertFalse(e.flags.contains(.exeMemfd))
        // boot time is CLOCK_BOOTTIME at enter: a little before now
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        let now = UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
        XCTAssertLessThan(e.bootTimeNs, now)
        XCTAssertLessThan(now - e.bootTimeNs, 60_000_000_000)
        let c = probe.counters()
        XCTAssertGreaterThan(c.emitted, 0)
        XCTAssertEqual(c.reserveFailures, 0)
        XCTAssertEqual(c.decodeErrors, 0)
    }

    /// Fileless execution is flagged on the exec event: a memfd (both flags) and a binary removed while
    /// open (unlinked only), each exec'd from its fd by python's fexecve (execveat AT_EMPTY_PATH).
    func testExecOfAMemfdAndOfADeletedBinaryAreFlagged() throws {
        let python = "/usr/bin/python3"
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: python), "python3 is needed (scripts/deps.sh installs it)")
        let probe = try makeProbe()
        defer { probe.close() }
        let dir = NSTemporaryDirectory() + "is-fileless-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: dir + "/gone")
        let memfd = try run(python, ["-c", "import os; fd = os.memfd_create('isx', 0); os.write(fd, open('/bin/true', 'rb').read()); os.execve(fd, ['isx'], {})"])
        let deleted = try run(python, ["-c", "import os; fd = os.open('\(dir)/gone', os.O_RDONLY); os.unlink('\(dir)/gone'); os.execve(fd, ['gone'], {})"])
        let events = collect(probe) { got in [memfd, deleted].allSatisfy { pid in got.contains { $0.pid == UInt32(pid) && $0.ret == 0 && $0.flags.contains(.execveat) } } }
        func exec(_ pid: Int32) -> KernelExecEvent? { events.first { $0.pid == UInt32(pid) && $0.flags.contains(.execveat) } }
        let m = try XCTUnwrap(exec(memfd), "no execveat event for the memfd exec (pid \(memfd))")
        XCTAssertEqual(m.ret, 0)
        XCTAssertTrue(m.flags.contains(.exeUnlinked) && m.flags.contains(.exeMemfd), "memfd exec flags \(m.flags), resolved \(m.resolved)")
        let d = try XCTUnwrap(exec(deleted), "no execveat event for the deleted binary (pid \(deleted))")
        XCTAssertEqual(d.ret, 0)
        XCTAssertTrue(d.flags.contains(.exeUnlinked), "deleted binary flags \(d.flags)")
        XCTAssertFalse(d.flags.contains(.exeMemfd))
        // The python interpreters that ran first (execve of /usr/bin/python3) are not flagged.
        for e in events where e.pid == UInt32(memfd) && !e.flags.contains(.execveat) { XCTAssertFalse(e.flags.contains(.exeUnlinked)) }
    }

    func testFailedExecIsAnEventWithENOENT() throws {
        let probe = try makeProbe()
        defer { probe.close() }
        let missing = "/nonexistent/x-\(UUID().uuidString.prefix(8))"
        let shell = try run("/bin/sh", ["-c", "\(missing) a b"])
        let events = collect(probe) { $0.contains { $0.filename == missing } }
        guard let e = events.first(where: { $0.filename == missing }) else {
            return XCTFail("no ENOENT event for \(missing); counters \(probe.counters())")
        }
        XCTAssertEqual(e.ret, -2)
        XCTAssertEqual(e.argv, [missing, "a", "b"])
        XCTAssertFalse(e.argvTruncated)
        XCTAssertTrue(e.pid == UInt32(shell) || e.ppid == UInt32(shell), "pid \(e.pid) ppid \(e.ppid) shell \(shell)")
        XCTAssertFalse(e.flags.contains(.argvFromNewImage))
        XCTAssertGreaterThan(e.latencyNs, 0)
    }

    func testTwoHundredDistinctCommandsFromAFreshChild() throws {
        let probe = try makeProbe()
        defer { probe.close() }
        let tag = UUID().uuidString.prefix(8)
        let shell = try run("/bin/sh", ["-c", "i=0; while [ $i -lt 200 ]; do i=$((i+1)); /bin/echo \(tag)-$i \"x y $i\"; done"])
        let events = collect(probe) { $0.filter { $0.ppid == UInt32(shell) }.count >= 200 }
        let mine = events.filter { $0.ppid == UInt32(shell) && $0.filename == "/bin/echo" }
        XCTAssertEqual(mine.count, 200, "counters \(probe.counters())")
        let expected = Set((1...200).map { ["/bin/echo", "\(tag)-\($0)", "x y \($0)"] })
        XCTAssertEqual(Set(mine.map(\.argv)), expected)
        XCTAssertTrue(mine.allSatisfy { $0.ret == 0 && !$0.argvTruncated })
        XCTAssertEqual(probe.counters().reserveFailures, 0)
    }

    func testArgvLimits() throws {
        let probe = try makeProbe()
        defer { probe.close() }
        let many = (1...70).map { "m\($0)" }
        let p1 = try run("/bin/echo", many)
        let big = [String(repeating: "x", count: 3000), String(repeating: "y", count: 3000)]
        let p2 = try run("/bin/echo", big)
        let exact = (1...63).map { "e\($0)" }   // + argv[0] = 64 args: not truncated
        let p3 = try run("/bin/echo", exact)
        let events = collect(probe) { evs in [p1, p2, p3].allSatisfy { p in evs.contains { $0.pid == UInt32(p) } } }
        func event(_ pid: Int32) throws -> KernelExecEvent {
            try XCTUnwrap(events.first { $0.pid == UInt32(pid) }, "no event for \(pid)")
        }
        let e1 = try event(p1)
        XCTAssertEqual(e1.argv, Array((["/bin/echo"] + many).prefix(64)))
        XCTAssertTrue(e1.argvTruncated)
        let e2 = try event(p2)
        XCTAssertTrue(e2.argvTruncated)
        XCTAssertEqual(e2.argv.reduce(0) { $0 + $1.utf8.count + 1 }, 4096 + 1) // last one cut, no NUL
        XCTAssertEqual(e2.argv.prefix(2), ["/bin/echo", big[0]])
        let e3 = try event(p3)
        XCTAssertEqual(e3.argv, ["/bin/echo"] + exact)
        XCTAssertFalse(e3.argvTruncated)
        XCTAssertGreaterThanOrEqual(probe.counters().truncated, 2)
    }

    func testExcludedPidProducesNoEvents() throws {
        let probe = try makeProbe()
        defer { probe.close() }
        let marker = "excluded-\(UUID().uuidString)"
        let control = "control-\(UUID().uuidString)"
        // The shell waits on stdin, we exclude it, then it execs /bin/echo in place (same pid).
        let sh = Process()
        sh.executableURL = URL(fileURLWithPath: "/bin/sh")
        sh.arguments = ["-c", "read x; exec /bin/echo \(marker)"]
        let input = Pipe()
        sh.standardInput = input
        sh.standardOutput = FileHandle.nullDevice
        try sh.run()
        try probe.addExcludedPid(UInt32(sh.processIdentifier))
        let before = probe.counters().excluded
        input.fileHandleForWriting.write("go\n".data(using: .utf8)!)
        sh.waitUntilExit()
        let controlPid = try run("/bin/echo", [control])
        let events = collect(probe) { $0.contains { $0.pid == UInt32(controlPid) } }
        XCTAssertTrue(events.contains { $0.argv == ["/bin/echo", control] }, "control event missing")
        XCTAssertFalse(events.contains { $0.argv.contains(marker) }, "excluded pid was traced")
        // (the shell's own exec of /bin/sh happened before the exclusion and may be reported)
        XCTAssertFalse(events.contains { $0.pid == UInt32(sh.processIdentifier) && $0.filename == "/bin/echo" })
        XCTAssertGreaterThan(probe.counters().excluded, before)
    }

    func testRingSizeIsRoundedToPowerOfTwo() throws {
        let probe = try makeProbe(ringBytes: 300_000)
        defer { probe.close() }
        XCTAssertEqual(probe.ringBufferBytes, 512 * 1024)
        XCTAssertEqual(EventRing.roundedSize(1), 4096)
        XCTAssertEqual(EventRing.roundedSize(8 << 20), 8 << 20)
    }

    func testClearErrorsWhenTheObjectIsBad() throws {
        XCTAssertThrowsError(try BPFProbe(spec: ProbeSpec.spec(for: .execve), objectPath: "/nonexistent/execve.bpf.o",
                                          excludedPids: [])) { error in
            XCTAssertTrue("\(error)".contains("make -C bpf"), "\(error)")
        }
        let junk = FileManager.default.temporaryDirectory.appendingPathComponent("junk-\(UUID().uuidString).bpf.o")
        try Data("not an ELF file".utf8).write(to: junk)
        defer { try? FileManager.default.removeItem(at: junk) }
        XCTAssertThrowsError(try BPFProbe(spec: ProbeSpec.spec(for: .execve), objectPath: junk.path, excludedPids: [])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("bpf_object__open_file"), text)
            XCTAssertTrue(text.contains("errno"), text)
        }
    }

    func testCloseIsIdempotentAndStopsDelivery() throws {
        let probe = try makeProbe()
        probe.close()
        probe.close()
        XCTAssertEqual(probe.consume { _ in }, 0)
        XCTAssertThrowsError(try probe.addExcludedPid(1))
    }
}
