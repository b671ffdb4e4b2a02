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

    /// The reader maps the data area once (`RingBufferReader`), so a record that runs past the end is
    /// joined from its two pieces: on a 16 KiB ring, records of varying lengths wrap every dozen or so
    /// records, and every one must arrive whole, in order, with nothing lost or undecodable.
    func testRecordsThatWrapAroundASmallRingArriveWhole() throws {
        let me = UInt32(getpid())
        let ring = try EventRing(bytes: 16 << 10)
        defer { ring.close() }
        XCTAssertEqual(ring.bytes, 16 << 10)
        // Only this process is traced: other processes' opens would fill so small a ring.
        let onlyMe = KernelFilterTables(filter: try EventFilter(allow: FilterArguments(pids: ["\(me)"]), deny: FilterArguments(),
                                                               userID: { _ in nil }),
                                        cgroupIDs: { _ in [] })
        let open = try BPFProbe(.open, sharedRing: ring, excludedPids: [], filter: onlyMe)
        defer { open.close() }

        let dir = NSTemporaryDirectory() + "is-ring-wrap-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Names of 1 to 97 bytes: the records' lengths differ, so their ends fall all over the page.
        let expected = (0..<400).map { i in dir + "/" + String(repeating: "w", count: 1 + (i * 37) % 97) + "-\(i)" }
        var seen: [String] = []
        for path in expected {
            let fd = Glibc.open(path, O_RDONLY)  // ENOENT: the attempt is recorded all the same
            if fd >= 0 { Glibc.close(fd) }
            ring.consume { record in
                if case .open(let o) = record, o.common.pid == me, o.path.hasPrefix(dir + "/") { seen.append(o.path) }
            }
        }
        let deadline = Date().addingTimeInterval(5)
        while seen.count < expected.count, Date() < deadline {
            ring.consume { record in
                if case .open(let o) = record, o.common.pid == me, o.path.hasPrefix(dir + "/") { seen.append(o.path) }
            }
            usleep(2000)
        }
        XCTAssertEqual(seen, expected, "every record whole and in order, wrapped or not")
        XCTAssertEqual(ring.decodeErrors, 0)
        XCTAssertGreaterThan(ring.wrappedRecords, 5, "records ran past the end of the ring and were joined")
        XCTAssertEqual(open.counters().reserveFailures, 0, "the ring never filled")
    }
}
