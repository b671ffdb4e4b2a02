import Foundation
import InfraSightCore
import XCTest
@testable import InfraSightAgent
#if canImport(Glibc)
import Glibc
#endif

/// The agent loads every probe into one `EventRing`: records of different probes must all arrive,
/// in kernel order, through the one consumer, and a probe on a shared ring consumes nothing itself.
/// Real kernel, root: FAILS (never skips) without BPF.
final class ProbeSharedRingKernelTests: XCTestCase {
    func testTwoProbesWriteIntoOneSharedRing() throws {
        let me = UInt32(getpid())
        let ring = try EventRing(bytes: 1 << 20)
        defer { ring.close() }
        XCTAssertEqual(ring.bytes, 1 << 20)
        let open = try BPFProbe(.open, sharedRing: ring, excludedPids: [])
        defer { open.close() }
        let chmod = try BPFProbe(.chmod, sharedRing: ring, excludedPids: [])
        defer { chmod.close() }
        XCTAssertEqual(open.ringBufferBytes, ring.bytes, "a probe on a shared ring reports the ring's size")

        let path = NSTemporaryDirectory() + "is-shared-ring-\(getpid())"
        FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
        defer { unlink(path) }
        for _ in 0..<3 {
            let fd = Glibc.open(path, O_RDONLY)
            if fd >= 0 { Glibc.close(fd) }
            _ = Glibc.chmod(path, 0o600)
        }
        var seen: [Probe] = []
        let deadline = Date().addingTimeInterval(10)
        repeat {
            XCTAssertEqual(open.consume { _ in XCTFail("the shared ring's owner consumes it") }, 0)
            ring.consume { record in
                guard record.common.pid == me else { return }
                switch record {
                case .open(let o) where o.path == path: seen.append(.open)
                case .chmod(let c) where c.path == path: seen.append(.chmod)
                default: break
                }
            }
            if seen.count >= 6 { break }
            usleep(2000)
        } while Date() < deadline
        XCTAssertEqual(seen, [.open, .chmod, .open, .chmod, .open, .chmod], "both probes' records, in order, from one ring")
        XCTAssertEqual(ring.decodeErrors, 0)
        XCTAssertEqual(open.counters().emitted + chmod.counters().emitted >= 6, true)
    }
}
