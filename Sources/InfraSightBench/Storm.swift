import Foundation

/// The openat generator, run as a child process of the driver. One call = openat(2) of one file plus,
/// when it succeeded, close(2); only the openat is traced (the open probe), so one call = one event.
///
/// - `storm SECONDS RATE PATH [MARKER_DIR EVERY]` (time mode): a tight loop, or paced to RATE; every
///   EVERY-th call opens `<MARKER_DIR>/<seq>` instead (a missing file: the failed open is still an
///   event) so the end-to-end row can find it in ClickHouse. Prints `calls=N seconds=S rate=R markers=M`.
/// - `storm-count COUNT PATH` (count mode): forks one child that makes exactly COUNT calls as fast as it
///   can and exits. The child does nothing else (no exec, no dynamic loader), so every `file_events` row
///   with its pid is one of those calls. Prints `pid=P start=T` (T: Unix time, s) as the child starts,
///   then `calls=N seconds=S rate=R pid=P` when it exits.
enum Storm {
    static func run(seconds: Double, rate: Double, path: String, markerDir: String?, markerEvery: Int) -> Never {
        let start = Date()
        var calls = 0
        var seq = 0
        @inline(__always) func once() {
            if let markerDir, markerEvery > 0, calls % markerEvery == 0 {
                seq += 1
                let fd = open(markerDir + "/" + String(seq), O_RDONLY)
                if fd >= 0 { close(fd) }
            } else {
                let fd = open(path, O_RDONLY)
                if fd >= 0 { close(fd) }
            }
            calls += 1
        }
        if rate <= 0 {
            while true {
                for _ in 0..<1000 { once() }
                if Date().timeIntervalSince(start) >= seconds { break }
            }
        } else {
            while true {
                let elapsed = Date().timeIntervalSince(start)
                if elapsed >= seconds { break }
                let due = Int(rate * elapsed)
                while calls < due { once() }
                usleep(500)
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        print("calls=\(calls) seconds=\(String(format: "%.3f", elapsed)) rate=\(Int(Double(calls) / elapsed)) markers=\(seq)")
        exit(0)
    }

    static func runCount(_ count: Int, path: String) -> Never {
        fflush(stdout)
        let cpath = strdup(path)!
        let start = Date()
        let pid = fork()
        if pid == 0 {
            // The child: only the calls, then _exit (no atexit handlers, no stdio flush).
            var i = 0
            while i < count {
                let fd = open(cpath, O_RDONLY)
                if fd >= 0 { close(fd) }
                i += 1
            }
            _exit(0)
        }
        guard pid > 0 else { print("fork failed: \(errno)"); exit(1) }
        print("pid=\(pid) start=\(String(format: "%.6f", start.timeIntervalSince1970))")
        fflush(stdout)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let elapsed = Date().timeIntervalSince(start)
        print("calls=\(count) seconds=\(String(format: "%.3f", elapsed)) rate=\(Int(Double(count) / elapsed)) pid=\(pid)")
        exit(status == 0 ? 0 : 1)
    }
}
