import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Gives back the code pages that only start-up used. A page fault in a file mapping maps the cached
/// pages around it too (fault-around, 64 KiB), and every mapped page counts in the resident size. The
/// one `infrasight` binary carries every stage's code (and gRPC, TLS, protobuf); start-up (argument
/// parsing over every command, BPF loading) touches code all over it and the Swift runtime, and those
/// pages stayed mapped for the agent's whole life against its 64 MB budget. Dropping the mappings of
/// executable (`r-xp`) file pages once, after start-up, keeps the file's cached pages but unmaps them
/// from this process; what the steady state runs faults back in (a few thousand minor faults, once).
/// Only code that is never written is touched: read-only, executable, private file mappings.
public enum StartupCodePages {
    /// `MADV_DONTNEED` on every `r-xp` file mapping of this process; returns how many.
    @discardableResult
    public static func release() -> Int {
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return 0 }
        var released = 0
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "r-xp", fields[5].hasPrefix("/") else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16), end > start,
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            if madvise(address, Int(end - start), MADV_DONTNEED) == 0 { released += 1 }
        }
        return released
    }
}
