#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole (small) file with plain `open`/`read`, stopping after a byte limit, so a huge or
/// endless file (a FIFO, /dev/zero) cannot exhaust memory. Works for procfs files, whose size
/// `stat` reports as 0.
enum BoundedFileReader {
    /// Up to `maxBytes` bytes of the file at `path`, or nil if it can't be opened or read.
    static func contents(of path: String, maxBytes: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while result.count < maxBytes {
            let want = min(chunk.count, maxBytes - result.count)
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, want) }
            if got < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if got == 0 { break }
            result.append(contentsOf: chunk[0..<got])
        }
        return result
    }
}
