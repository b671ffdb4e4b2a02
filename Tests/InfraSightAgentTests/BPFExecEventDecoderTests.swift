import CEventLayout
import XCTest
@testable import InfraSightAgent

/// Builds synthetic `struct infrasight_exec_event` records (variable length, like the kernel).
struct ExecRecordBuilder {
    var version: UInt16 = 2
    var kind: UInt16 = 1
    var flags: UInt32 = 0
    var bootNs: UInt64 = 1_000_000_123
    var latencyNs: UInt64 = 4567
    var ret: Int64 = 0
    var cgroupId: UInt64 = 0xC0FFEE
    var pid: UInt32 = 100, tid: UInt32 = 101, ppid: UInt32 = 1, uid: UInt32 = 1000, gid: UInt32 = 1001
    var argc: UInt32 = 0
    var comm: [UInt8] = Array("echo".utf8)
    var filename: [UInt8] = Array("/bin/echo".utf8) + [0]
    var filenameLen: UInt32?
    var argv: [UInt8] = []
    var argvLen: UInt32?
    /// Bytes of argv actually present in the record (default: all of `argv`).
    var argvPresent: Int?
    /// The resolved path's bytes after argv (with their NUL when the kernel wrote one), and its length field.
    var resolved: [UInt8] = []
    var resolvedLen: UInt32?

    static func joined(_ args: [String]) -> [UInt8] { args.flatMap { Array($0.utf8) + [0] } }

    func bytes() -> [UInt8] {
        let present = argvPresent ?? argv.count
        var b = [UInt8](repeating: 0, count: 608 + present + resolved.count)
        func put<T>(_ v: T, _ off: Int) { withUnsafeBytes(of: v) { for (i, x) in $0.enumerated() { b[off + i] = x } } }
        put(version, 0); put(kind, 2); put(flags, 4); put(bootNs, 8); put(latencyNs, 16); put(ret, 24)
        put(cgroupId, 32); put(pid, 40); put(tid, 44); put(ppid, 48); put(uid, 52); put(gid, 56); put(argc, 60)
        let fnLen = filenameLen ?? UInt32(filename.firstIndex(of: 0) ?? filename.count)
        put(fnLen, 64)
        put(argvLen ?? UInt32(argv.count), 68)
        for (i, x) in comm.prefix(16).enumerated() { b[72 + i] = x }
        for (i, x) in filename.prefix(512).enumerated() { b[88 + i] = x }
        put(resolvedLen ?? UInt32(resolved.firstIndex(of: 0) ?? resolved.count), 600)
        for (i, x) in argv.prefix(present).enumerated() { b[608 + i] = x }
        for (i, x) in resolved.enumerated() { b[608 + present + i] = x }
        return b
    }
}

final class BPFExecEventDecoderTests: XCTestCase {
    func testLayoutMatchesSharedHeader() {
        XCTAssertEqual(MemoryLayout<infrasight_exec_event>.size, 4704)
        XCTAssertEqual(ExecEventDecoder.maxRecordSize, 4704 + 512)
        XCTAssertEqual(MemoryLayout<infrasight_exec_event>.offset(of: \.resolved_len), ExecEventDecoder.offResolvedLen)
        XCTAssertEqual(MemoryLayout<infrasight_exec_event>.offset(of: \.argv), ExecEventDecoder.offArgv)
        XCTAssertEqual(MemoryLayout<infrasight_exec_event>.offset(of: \.pid), ExecEventDecoder.offPid)
        XCTAssertEqual(MemoryLayout<infrasight_exec_event>.offset(of: \.argv_len), ExecEventDecoder.offArgvLen)
        XCTAssertEqual(MemoryLayout<infrasight_exec_event>.offset(of: \.comm), ExecEventDecoder.offComm)
        XCTAssertEqual(MemoryLayout<infrasight_exec_event>.offset(of: \.filename), ExecEventDecoder.offFilename)
        XCTAssertEqual(ExecEventDecoder.headerSize, 608)
        XCTAssertEqual(ExecEventDecoder.maxArgs, 64)
        XCTAssertEqual(ExecEventDecoder.maxArgvBytes, 4096)
    }

    func testDecodesAllFieldsAndArgvExactly() throws {
        var r = ExecRecordBuilder()
        r.ret = -2
        r.flags = 1 << 5
        r.argv = ExecRecordBuilder.joined(["/bin/echo", "a", "", "two words", "ünï"])
        let e = try ExecEventDecoder.decode(r.bytes())
        XCTAssertEqual(e, KernelExecEvent(bootTimeNs: 1_000_000_123, latencyNs: 4567, pid: 100, tid: 101, ppid: 1,
                                          uid: 1000, gid: 1001, cgroupId: 0xC0FFEE, ret: -2, comm: "echo",
                                          filename: "/bin/echo", argv: ["/bin/echo", "a", "", "two words", "ünï"],
                                          argvTruncated: false, flags: .execveat))
    }

    func testEmptyArgv() throws {
        let e = try ExecEventDecoder.decode(ExecRecordBuilder().bytes())
        XCTAssertEqual(e.argv, [])
        XCTAssertFalse(e.argvTruncated)
    }

    func testShortRecordsThrow() {
        for n in [0, 1, 8, 40, 599, 607] {
            let bytes = Array(ExecRecordBuilder().bytes().prefix(n))
            XCTAssertThrowsError(try ExecEventDecoder.decode(bytes)) {
                XCTAssertEqual($0 as? ExecEventDecodeError, .tooShort(n))
            }
        }
        XCTAssertThrowsError(try ExecEventDecoder.decode(UnsafeRawBufferPointer(start: nil, count: 0)))
    }

    func testUnknownVersionOrKindThrows() {
        var r = ExecRecordBuilder()
        r.version = 1   // the layout before the resolved path
        XCTAssertThrowsError(try ExecEventDecoder.decode(r.bytes())) {
            XCTAssertEqual($0 as? ExecEventDecodeError, .unsupportedVersion(1))
        }
        r.version = 2
        r.kind = 7
        XCTAssertThrowsError(try ExecEventDecoder.decode(r.bytes())) {
            XCTAssertEqual($0 as? ExecEventDecodeError, .unexpectedKind(7))
        }
    }

    func testArgvLengthLargerThanRecordIsClampedAndFlagged() throws {
        var r = ExecRecordBuilder()
        r.argv = ExecRecordBuilder.joined(["x", "yy"])
        r.argvLen = 4000   // lies: only 5 bytes present
        let e = try ExecEventDecoder.decode(r.bytes())
        XCTAssertEqual(e.argv, ["x", "yy"])
        XCTAssertTrue(e.argvTruncated)

        r.argvLen = 0xFFFF_FFFF
        XCTAssertEqual(try ExecEventDecoder.decode(r.bytes()).argv, ["x", "yy"])
    }

    func testArgvLengthShorterThanRecordWins() throws {
        var r = ExecRecordBuilder()
        r.argv = ExecRecordBuilder.joined(["abc", "def"])
        r.argvLen = 4       // only "abc\0"
        let e = try ExecEventDecoder.decode(r.bytes())
        XCTAssertEqual(e.argv, ["abc"])
        XCTAssertFalse(e.argvTruncated)
    }

    func testArgvBeyondByteLimitIsCut() throws {
        var r = ExecRecordBuilder()
        r.argv = [UInt8](repeating: UInt8(ascii: "a"), count: 5000) + [0]
        let e = try ExecEventDecoder.decode(r.bytes())
        XCTAssertEqual(e.argv.count, 1)
        XCTAssertEqual(e.argv[0].utf8.count, 4096)
        XCTAssertTrue(e.argvTruncated)
    }

    func testUnterminatedLastArgIsKeptAndFlagged() throws {
        var r = ExecRecordBuilder()
        r.argv = ExecRecordBuilder.joined(["one"]) + Array("tw".utf8)
        let e = try ExecEventDecoder.decode(r.bytes())
        XCTAssertEqual(e.argv, ["one", "tw"])
        XCTAssertTrue(e.argvTruncated)
    }

    func testMoreThan64ArgsKeeps64AndFlags() throws {
        var r = ExecRecordBuilder()
        r.argv = ExecRecordBuilder.joined((0..<70).map { "a\($0)" })
        let e = try ExecEventDecoder.decode(r.bytes())
        XCTAssertEqual(e.argv, (0..<64).map { "a\($0)" })
        XCTAssertTrue(e.argvTruncated)

        r.argv = ExecRecordBuilder.joined((0..<64).map { "b\($0)" })
        let exact = try ExecEventDecoder.decode(r.bytes())
        XCTAssertEqual(exact.argv.count, 64)
        XCTAssertFalse(exact.argvTruncated)
    }

    func testKernelTruncationFlagIsReported() throws {
        var r = ExecRecordBuilder()
        r.flags = 1 // INFRASIGHT_F_ARGV_TRUNCATED
        r.argv = ExecRecordBuilder.joined(["a"])
        let e = try ExecEventDecoder.decode(r.bytes())
        XCTAssertTrue(e.argvTruncated)
        XCTAssertTrue(e.flags.contains(.argvTruncated))
    }

    func testFilenameWithoutNulIsBoundedAndFlagged() throws {
        var r = ExecRecordBuilder()
        r.filename = [UInt8](repeating: UInt8(ascii: "f"), count: 512)
        r.filenameLen = 0xFFFF_FFFF
        let e = try ExecEventDecoder.decode(r.bytes())
        XCTAssertEqual(e.filename.utf8.count, 512)
        XCTAssertTrue(e.flags.contains(.filenameTruncated))
    }

    func testFilenameLengthOnlyShortens() throws {
        var r = ExecRecordBuilder()
        r.filename = Array("/bin/echo".utf8) + [0]
        r.filenameLen = 4
        XCTAssertEqual(try ExecEventDecoder.decode(r.bytes()).filename, "/bin")
        r.filenameLen = 300   // longer than the string: stops at NUL
        let e = try ExecEventDecoder.decode(r.bytes())
        XCTAssertEqual(e.filename, "/bin/echo")
        XCTAssertFalse(e.flags.contains(.filenameTruncated))
    }

    func testCommWithoutNul() throws {
        var r = ExecRecordBuilder()
        r.comm = Array("0123456789abcdefXYZ".utf8)
        XCTAssertEqual(try ExecEventDecoder.decode(r.bytes()).comm, "0123456789abcdef")
    }

    func testInvalidUTF8IsReplacedNotFatal() throws {
        var r = ExecRecordBuilder()
        r.argv = [0xFF, 0xFE, 0x41, 0]
        XCTAssertEqual(try ExecEventDecoder.decode(r.bytes()).argv, ["\u{FFFD}\u{FFFD}A"])
    }

    /// A successful exec's resolved path (RESOLVED_FILE) follows argv's bytes and is the new binary.
    func testResolvedFileFollowsArgv() throws {
        var r = ExecRecordBuilder()
        r.filename = Array("../bin/tool".utf8) + [0]
        r.argv = ExecRecordBuilder.joined(["tool", "-x"])
        r.resolved = Array("/opt/real/tool".utf8) + [0]
        r.flags = (1 << 4) | (1 << 18)
        let e = try ExecEventDecoder.decode(r.bytes())
        XCTAssertEqual(e.argv, ["tool", "-x"])
        XCTAssertEqual(e.filename, "../bin/tool")
        XCTAssertEqual(e.resolved, ResolvedPath(path: "/opt/real/tool", lexical: false, truncated: false))
    }

    /// A failed exec carries the cwd (RESOLVED_DIR): the filename is joined onto it, lexically; the
    /// walk's truncation and a cut filename both mark it truncated.
    func testResolvedDirIsJoinedWithTheFilename() throws {
        var r = ExecRecordBuilder()
        r.ret = -2
        r.filename = Array("./.hidden/../tool".utf8) + [0]
        r.argv = ExecRecordBuilder.joined(["./.hidden/../tool"])
        r.resolved = Array("/home/u/work".utf8) + [0]
        r.flags = 1 << 19
        XCTAssertEqual(try ExecEventDecoder.decode(r.bytes()).resolved,
                       ResolvedPath(path: "/home/u/work/tool", lexical: true, truncated: false))
        r.flags = (1 << 19) | (1 << 20)
        XCTAssertTrue(try ExecEventDecoder.decode(r.bytes()).resolved.truncated)
        r.flags = 1 << 19
        r.filename = Array(repeating: UInt8(ascii: "a"), count: 512)   // no NUL: cut
        XCTAssertTrue(try ExecEventDecoder.decode(r.bytes()).resolved.truncated)
    }

    /// No RESOLVED flag: no resolved path, whatever bytes follow argv; a lying resolved_len only shortens.
    func testResolvedNeedsItsFlagAndLengthOnlyShortens() throws {
        var r = ExecRecordBuilder()
        r.argv = ExecRecordBuilder.joined(["a"])
        r.resolved = Array("/bin/true".utf8) + [0]
        XCTAssertEqual(try ExecEventDecoder.decode(r.bytes()).resolved, .none)
        r.flags = 1 << 18
        r.resolvedLen = 4
        XCTAssertEqual(try ExecEventDecoder.decode(r.bytes()).resolved.path, "/bin")
        r.resolvedLen = 100_000
        XCTAssertEqual(try ExecEventDecoder.decode(r.bytes()).resolved.path, "/bin/true")
        r.resolved = []   // record ends right after argv: flagged but absent
        r.resolvedLen = 9
        XCTAssertEqual(try ExecEventDecoder.decode(r.bytes()).resolved, ResolvedPath(path: "", lexical: false, truncated: true))
        r.flags = 1 << 19
        XCTAssertEqual(try ExecEventDecoder.decode(r.bytes()).resolved, ResolvedPath(path: "", lexical: true, truncated: true),
                       "no directory: the filename is not joined onto nothing")
    }

    func testRandomBytesNeverCrash() {
        var rng = SystemRandomNumberGenerator()
        for i in 0..<400 {
            let n = Int.random(in: 0...5000, using: &rng)
            var bytes = [UInt8](repeating: 0, count: n)
            bytes.withUnsafeMutableBytes { buf in
                var g = SystemRandomNumberGenerator()
                for j in stride(from: 0, to: buf.count - 7, by: 8) { buf.storeBytes(of: g.next() as UInt64, toByteOffset: j, as: UInt64.self) }
            }
            if i % 2 == 0, n >= 4 { bytes[0] = 2; bytes[1] = 0; bytes[2] = 1; bytes[3] = 0 } // valid version/kind
            if let e = try? ExecEventDecoder.decode(bytes) {
                XCTAssertLessThanOrEqual(e.argv.count, 64)
                XCTAssertLessThanOrEqual(e.argv.reduce(0) { $0 + $1.utf8.count + 1 }, 4096 * 3 + 64) // U+FFFD is 3 bytes
                XCTAssertLessThanOrEqual(e.filename.unicodeScalars.count, 512)
                XCTAssertLessThanOrEqual(e.resolved.path.unicodeScalars.count, 512 + 512 + 1)   // a join of dir and filename
            }
        }
    }
}

final class BPFObjectLocatorTests: XCTestCase {
    func testSearchOrder() {
        let c = BPFObjectLocator.candidates(for: "execve", environment: ["INFRASIGHT_BPF_DIR": "/opt/x"],
                                            executablePath: "/usr/local/bin/infrasight", currentDirectory: "/work")
        XCTAssertEqual(Array(c.prefix(4)), ["/opt/x/execve.bpf.o", "/usr/local/share/infrasight/bpf/execve.bpf.o",
                                            "/usr/local/bin/bpf/execve.bpf.o", "/work/bpf/build/execve.bpf.o"])
        XCTAssertTrue(c.contains("/usr/local/bpf/build/execve.bpf.o"))
        XCTAssertTrue(c.contains("/bpf/build/execve.bpf.o"))
        XCTAssertEqual(Set(c).count, c.count)
    }

    func testMissingObjectNamesWhereItLooked() {
        XCTAssertThrowsError(try BPFObjectLocator.path(for: "no-such-object.bpf.o")) { error in
            XCTAssertTrue("\(error)".contains("make -C bpf"), "\(error)")
        }
    }
}
