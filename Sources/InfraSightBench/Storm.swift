import Foundation

/// The openat generator (`infrasight-bench storm`): open+close of one file in a tight loop, or paced
/// to a rate; every `markerEvery`-th call opens `<markerDir>/<seq>` instead (a missing file: the
/// failed open is still an event) so the end-to-end row can find it in ClickHouse.
/// Prints `calls=N seconds=S rate=R`; one call is one openat(2) plus, when it succeeded, one close(2).
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
}
