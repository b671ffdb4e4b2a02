import Foundation
import InfraSightCore
import XCTest
@testable import InfraSightAgent
#if canImport(Glibc)
import Glibc
#endif

/// Loss accounting is exact under overflow: a tiny ring buffer, a slow consumer and a storm of N
/// opens from one dedicated process; every one of the N is either received in user space or counted
/// lost for that process in the kernel (`lost_tgids`). Needs root and BPF; FAILS (never skips)
/// without them.
final class AgentLossAccountingTests: XCTestCase {
    static let storm = 20_000

    /// A python3 child: prints "ready", waits for "go", opens `path` N times, prints "done", waits
    /// for its stdin to close. Between "go" and "done" it makes no other open.
    final class StormChild {
        let process = Process()
        let stdin = Pipe(), stdout = Pipe()
        init(path: String, count: Int) throws {
            let script = """
            import os, sys
            p = sys.argv[1]; n = int(sys.argv[2])
            sys.stdout.write("ready\\n"); sys.stdout.flush()
            sys.stdin.readline()
            for _ in range(n):
                os.close(os.open(p, os.O_RDONLY))
            sys.stdout.write("done\\n"); sys.stdout.flush()
            sys.stdin.readline()
            """
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", script, path, String(count)]
            process.standardInput = stdin
            process.standardOutput = stdout
            try process.run()
        }
        var pid: UInt32 { UInt32(process.processIdentifier) }
        func expect(_ word: String) throws {
            var line = Data()
            while true {
                let byte = stdout.fileHandleForReading.readData(ofLength: 1)
                guard !byte.isEmpty else { throw NSError(domain: "storm child exited before \(word)", code: 1) }
                if byte == Data("\n".utf8) { break }
                line.append(byte)
            }
            guard String(decoding: line, as: UTF8.self) == word else {
                throw NSError(domain: "storm child said \(String(decoding: line, as: UTF8.self)), wanted \(word)", code: 1)
            }
        }
        func send(_ s: String) { stdin.fileHandleForWriting.write(Data((s + "\n").utf8)) }
        func finish() {
            try? stdin.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    func testReceivedPlusLostEqualsSyscallsUnderOverflow() throws {
        let ring = 16 << 10
        let probe: BPFProbe
        do {
            probe = try BPFProbe(.open, ringBufferBytes: ring, excludedPids: [UInt32(getpid())])
        } catch {
            XCTFail("kernel refused the open probe (need root + BPF, `make -C bpf`): \(error)")
            throw error
        }
        defer { probe.close() }
        XCTAssertEqual(probe.ringBufferBytes, ring)
        XCTAssertTrue(probe.countsLossPerProcess, "open.bpf.o has no lost_tgids map: rebuild with `make -C bpf`")

        let dir = NSTemporaryDirectory() + "is-loss-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/storm-target"
        FileManager.default.createFile(atPath: path, contents: Data("x".utf8))

        let child = try StormChild(path: path, count: Self.storm)
        defer { child.finish() }
        try child.expect("ready")
        let pid = child.pid
        // Everything the child did while starting is in the ring or counted: drain it and take the baseline.
        probe.consume { _ in }
        probe.consume { _ in }
        let lostBefore = probe.lostRecords(tgid: pid)

        var received = 0, otherPaths = 0
        func take(_ r: KernelRecord) {
            guard r.common.pid == pid else { return }
            received += 1
            if case .open(let ev) = r, ev.path == path {} else { otherPaths += 1 }
        }
        let started = Date()
        child.send("go")
        // The slow consumer: drains every 20 ms while the storm runs (the child reports "done" on stdout).
        let done = DispatchSemaphore(value: 0)
        let reader = Thread { [child] in
            _ = try? child.expect("done")
            done.signal()
        }
        reader.start()
        while done.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
            probe.consume(take)
            XCTAssertLessThan(Date().timeIntervalSince(started), 60, "storm did not finish")
            if Date().timeIntervalSince(started) > 60 { break }
        }
        // The child's syscalls have all returned: each record is in the ring or counted lost.
        probe.consume(take)
        probe.consume(take)
        let lost = Int(probe.lostRecords(tgid: pid) - lostBefore)
        let totals = probe.counters()
        print("loss storm: N=\(Self.storm) received=\(received) lost=\(lost) ring=\(ring) B; probe totals: emitted=\(totals.emitted) reserve_failed=\(totals.reserveFailures) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")

        XCTAssertEqual(received + lost, Self.storm, "received \(received) + lost \(lost) must equal the \(Self.storm) opens exactly")
        XCTAssertEqual(otherPaths, 0, "records of the storm process that are not its opens")
        XCTAssertGreaterThan(lost, 0, "a \(ring)-byte ring with a slow consumer must overflow")
        XCTAssertGreaterThanOrEqual(Int(totals.reserveFailures), lost, "per-process losses are part of the total")
        XCTAssertEqual(totals.stashFailures, 0)
        XCTAssertEqual(totals.decodeErrors, 0)
    }

    /// Runs one StormChild of `count` opens of `path` to completion while draining `probe`; returns the
    /// records of that child (all must be opens of `path`) and its pid.
    func runStorm(_ probe: BPFProbe, path: String, count: Int, beforeGo: (UInt32) throws -> Void = { _ in }) throws -> (pid: UInt32, received: Int) {
        let child = try StormChild(path: path, count: count)
        defer { child.finish() }
        try child.expect("ready")
        let pid = child.pid
        probe.consume { _ in }
        try beforeGo(pid)
        var received = 0
        child.send("go")
        try child.expect("done")
        let deadline = Date().addingTimeInterval(10)
        var idle = 0
        while Date() < deadline, idle < 5 {   // drained: five empty polls in a row
            let n = probe.consume { r in
                guard r.common.pid == pid else { return }
                if case .open(let ev) = r, ev.path == path { received += 1 } else { XCTFail("unexpected record \(r)") }
            }
            idle = n == 0 ? idle + 1 : 0
            usleep(10_000)
        }
        return (pid, received)
    }

    /// The per-process rate limit (like Tetragon's throttling): a process flooding one probe gets
    /// exactly its quota through; every other record is dropped in the kernel and counted for that
    /// process; a quiet process is untouched; removing the limit lets everything through again.
    func testRateLimitLetsTheQuotaThroughAndCountsEveryThrottledRecordPerProcess() throws {
        let probe: BPFProbe
        do {
            probe = try BPFProbe(.open, ringBufferBytes: 8 << 20, excludedPids: [UInt32(getpid())])
        } catch {
            XCTFail("kernel refused the open probe (need root + BPF, `make -C bpf`): \(error)")
            throw error
        }
        defer { probe.close() }
        let dir = NSTemporaryDirectory() + "is-throttle-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/flood-target"
        FileManager.default.createFile(atPath: path, contents: Data("x".utf8))

        let quota: UInt64 = 50, flood = 5000
        // The limit is set once the child has started (its interpreter's own opens are not counted).
        let flooder = try runStorm(probe, path: path, count: flood) { _ in
            try probe.setRateLimit(maxEvents: quota, windowNs: 30_000_000_000)
        }
        let throttled = probe.throttledRecordsByProcess()
        XCTAssertEqual(flooder.received, Int(quota), "the flooding process gets exactly its quota through")
        XCTAssertEqual(throttled[flooder.pid], UInt64(flood) - quota, "every other open is counted throttled for that pid: \(throttled)")
        XCTAssertEqual(probe.lostRecords(tgid: flooder.pid), 0, "nothing lost to the ring buffer")
        XCTAssertGreaterThanOrEqual(probe.counters().throttled, UInt64(flood) - quota)

        // Under the limit (its interpreter's startup opens count too, so the quota is well above them).
        try probe.setRateLimit(maxEvents: 1000, windowNs: 30_000_000_000)
        let quiet = try runStorm(probe, path: path, count: 30)
        XCTAssertEqual(quiet.received, 30, "a process under the limit is not throttled")
        XCTAssertNil(probe.throttledRecordsByProcess()[quiet.pid])

        try probe.setRateLimit(maxEvents: 0, windowNs: 1)
        let free = try runStorm(probe, path: path, count: 500)
        XCTAssertEqual(free.received, 500, "limit 0 lets everything through")
        XCTAssertNil(probe.throttledRecordsByProcess()[free.pid])

        probe.forgetThrottledRecords(tgids: [flooder.pid])
        XCTAssertNil(probe.throttledRecordsByProcess()[flooder.pid])
    }
    /// execve counts its ring-buffer losses per process too: a python3 child spawns N short `/bin/true`
    /// processes (each one exec, in its own tgid) into a tiny ring drained only afterwards; for every spawned
    /// pid, its exec record is either received or counted lost for that pid in `lost_tgids`.
    func testExecveLossIsCountedPerProcessUnderOverflow() throws {
        let ring = 16 << 10, spawns = 1500
        let probe: BPFProbe
        do {
            probe = try BPFProbe(.execve, ringBufferBytes: ring, excludedPids: [UInt32(getpid())])
        } catch {
            XCTFail("kernel refused the execve probe (need root + BPF, `make -C bpf`): \(error)")
            throw error
        }
        defer { probe.close() }
        XCTAssertTrue(probe.countsLossPerProcess, "execve.bpf.o has no lost_tgids map: rebuild with `make -C bpf`")

        let script = """
        import os, sys
        n = int(sys.argv[1])
        sys.stdout.write("ready\\n"); sys.stdout.flush()
        sys.stdin.readline()
        pids = []
        for _ in range(n):
            pid = os.posix_spawn("/bin/true", ["true"], {})
            os.waitpid(pid, 0)
            pids.append(pid)
        sys.stdout.write(" ".join(map(str, pids)) + "\\n"); sys.stdout.flush()
        sys.stdin.readline()
        """
        let child = Process(), stdin = Pipe(), stdout = Pipe()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        child.arguments = ["-c", script, String(spawns)]
        child.standardInput = stdin
        child.standardOutput = stdout
        try child.run()
        defer { try? stdin.fileHandleForWriting.close(); child.waitUntilExit() }
        func line() -> String {
            var bytes = Data()
            while true {
                let b = stdout.fileHandleForReading.readData(ofLength: 1)
                if b.isEmpty || b == Data("\n".utf8) { return String(decoding: bytes, as: UTF8.self) }
                bytes.append(b)
            }
        }
        XCTAssertEqual(line(), "ready")
        probe.consume { _ in }

        var execsByPid: [UInt32: Int] = [:]
        func take(_ r: KernelRecord) {
            if case .exec(let e) = r, e.ret == 0 { execsByPid[e.pid, default: 0] += 1 }
        }
        // Nothing is drained while the child spawns: the ring fills and every later exec is lost.
        stdin.fileHandleForWriting.write(Data("go\n".utf8))
        let pidLine = line()
        probe.consume(take)
        probe.consume(take)
        let pids = pidLine.split(separator: " ").compactMap { UInt32($0) }
        XCTAssertEqual(pids.count, spawns, "the child reports every spawned pid")
        let lostByPid = probe.lostRecordsByProcess()
        var received = 0, lost = 0
        for pid in pids {
            let r = execsByPid[pid] ?? 0, l = Int(lostByPid[pid] ?? 0)
            XCTAssertEqual(r + l, 1, "pid \(pid): \(r) exec records received, \(l) counted lost")
            received += r
            lost += l
        }
        print("execve loss storm: N=\(spawns) received=\(received) lost=\(lost) ring=\(ring) B")
        XCTAssertGreaterThan(lost, 0, "a \(ring)-byte ring with a slow consumer must overflow")
        XCTAssertGreaterThanOrEqual(Int(probe.counters().reserveFailures), lost)
    }
}
