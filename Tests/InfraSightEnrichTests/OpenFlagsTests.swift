import Foundation
import Glibc
import InfraSightCore
@testable import InfraSightEnrich
import InfraSightTestSupport
import XCTest

/// `OpenFlags` text and its numeric values, checked against the system headers.
final class OpenFlagsTests: XCTestCase {
    func testCommonOpenFlags() {
        XCTAssertEqual(OpenFlags.openText(flags: 0), "O_RDONLY")
        XCTAssertEqual(OpenFlags.openText(flags: 0o2000000), "O_RDONLY|O_CLOEXEC")
        XCTAssertEqual(OpenFlags.openText(flags: 0o1 | 0o100 | 0o1000), "O_WRONLY|O_CREAT|O_TRUNC")
        XCTAssertEqual(OpenFlags.openText(flags: 0o2 | 0o100 | 0o200 | 0o2000000), "O_RDWR|O_CREAT|O_EXCL|O_CLOEXEC")
        XCTAssertEqual(OpenFlags.openText(flags: 0o1 | 0o2000 | 0o100), "O_WRONLY|O_CREAT|O_APPEND")
        XCTAssertEqual(OpenFlags.openText(flags: 0o3), "O_ACCMODE")
        XCTAssertEqual(OpenFlags.openText(flags: 0o200000 | 0o4000 | 0o2000000), "O_RDONLY|O_NONBLOCK|O_DIRECTORY|O_CLOEXEC")
        XCTAssertEqual(OpenFlags.openText(flags: 0o10000000 | 0o400000), "O_RDONLY|O_NOFOLLOW|O_PATH")
    }

    func testCompositeFlagsPrintOnce() {
        XCTAssertEqual(OpenFlags.openText(flags: 0o1 | 0o4010000), "O_WRONLY|O_SYNC")
        XCTAssertEqual(OpenFlags.openText(flags: 0o1 | 0o10000), "O_WRONLY|O_DSYNC")
        XCTAssertEqual(OpenFlags.openText(flags: 0o2 | 0o20200000), "O_RDWR|O_TMPFILE")
        XCTAssertEqual(OpenFlags.openText(flags: 0o200000), "O_RDONLY|O_DIRECTORY")
        // The lone "half" bits are not valid flags on their own: shown as hex.
        XCTAssertEqual(OpenFlags.openText(flags: 0o4000000), "O_RDONLY|0x100000")
        XCTAssertEqual(OpenFlags.openText(flags: 0o20000000), "O_RDONLY|0x400000")
    }

    func testUnknownBitsAsOneHexValue() {
        XCTAssertEqual(OpenFlags.openText(flags: 0x8000_0000 | 0x4000_0000 | 0o100), "O_RDONLY|O_CREAT|0xc0000000")
        XCTAssertEqual(OpenFlags.openText(flags: UInt32.max),
                       "O_ACCMODE|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_APPEND|O_NONBLOCK|O_SYNC|FASYNC|O_DIRECT|O_LARGEFILE|O_TMPFILE|O_NOFOLLOW|O_NOATIME|O_CLOEXEC|O_PATH|0xff80003c")
    }

    func testResolveBitsFollowOpenFlags() {
        XCTAssertEqual(OpenFlags.openText(flags: 0, resolve: 8), "O_RDONLY|RESOLVE_BENEATH")
        XCTAssertEqual(OpenFlags.openText(flags: 0o2000000, resolve: 0x3f),
                       "O_RDONLY|O_CLOEXEC|RESOLVE_NO_XDEV|RESOLVE_NO_MAGICLINKS|RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH|RESOLVE_IN_ROOT|RESOLVE_CACHED")
        XCTAssertEqual(OpenFlags.openText(flags: 0, resolve: 0x10 | 0x100), "O_RDONLY|RESOLVE_IN_ROOT|0x100")
        XCTAssertEqual(OpenFlags.resolveText(0), "")
        XCTAssertEqual(OpenFlags.resolveText(4), "RESOLVE_NO_SYMLINKS")
    }

    func testAtFlags() {
        XCTAssertEqual(OpenFlags.atText(0), "")
        XCTAssertEqual(OpenFlags.atText(0x100), "AT_SYMLINK_NOFOLLOW")
        XCTAssertEqual(OpenFlags.atText(0x1000), "AT_EMPTY_PATH")
        XCTAssertEqual(OpenFlags.atText(0x1100), "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH")
        XCTAssertEqual(OpenFlags.atText(0x200), "0x200")
        XCTAssertEqual(OpenFlags.atText(0x100 | 0x200), "AT_SYMLINK_NOFOLLOW|0x200")
    }

    func testStepFillsFlagsTextPerProbe() {
        var open = Event()
        var od = OpenDetail()
        od.flags = 0o1 | 0o100 | 0o1000
        open.open = od
        OpenFlagsStep().apply(to: &open)
        XCTAssertEqual(open.enriched.flagsText, "O_WRONLY|O_CREAT|O_TRUNC")

        var chmod = Event()
        var cd = ChmodDetail()
        cd.flags = 0x100
        chmod.chmod = cd
        OpenFlagsStep().apply(to: &chmod)
        XCTAssertEqual(chmod.enriched.flagsText, "AT_SYMLINK_NOFOLLOW")

        var exec = Event()
        var ed = ExecDetail()
        ed.flags = 0x1000
        exec.exec = ed
        OpenFlagsStep().apply(to: &exec)
        XCTAssertEqual(exec.enriched.flagsText, "AT_EMPTY_PATH")

        var plainExec = Event()
        plainExec.exec = ExecDetail()
        OpenFlagsStep().apply(to: &plainExec)
        XCTAssertEqual(plainExec.enriched.flagsText, "")
        XCTAssertFalse(plainExec.hasEnriched)
    }

    // MARK: values against the system

    /// Glibc's constants (what the C library of this x86_64 host passes to the kernel).
    func testValuesMatchGlibc() throws {
        #if arch(x86_64)
        XCTAssertEqual(OpenFlags.O_RDONLY, UInt32(O_RDONLY))
        XCTAssertEqual(OpenFlags.O_WRONLY, UInt32(O_WRONLY))
        XCTAssertEqual(OpenFlags.O_RDWR, UInt32(O_RDWR))
        XCTAssertEqual(OpenFlags.O_ACCMODE, UInt32(O_ACCMODE))
        XCTAssertEqual(OpenFlags.O_CREAT, UInt32(O_CREAT))
        XCTAssertEqual(OpenFlags.O_EXCL, UInt32(O_EXCL))
        XCTAssertEqual(OpenFlags.O_NOCTTY, UInt32(O_NOCTTY))
        XCTAssertEqual(OpenFlags.O_TRUNC, UInt32(O_TRUNC))
        XCTAssertEqual(OpenFlags.O_APPEND, UInt32(O_APPEND))
        XCTAssertEqual(OpenFlags.O_NONBLOCK, UInt32(O_NONBLOCK))
        XCTAssertEqual(OpenFlags.O_DSYNC, UInt32(O_DSYNC))
        XCTAssertEqual(OpenFlags.FASYNC, UInt32(O_ASYNC))
        XCTAssertEqual(OpenFlags.O_DIRECTORY, UInt32(O_DIRECTORY))
        XCTAssertEqual(OpenFlags.O_NOFOLLOW, UInt32(O_NOFOLLOW))
        XCTAssertEqual(OpenFlags.O_CLOEXEC, UInt32(O_CLOEXEC))
        XCTAssertEqual(OpenFlags.O_SYNC, UInt32(O_SYNC))
        XCTAssertEqual(OpenFlags.AT_SYMLINK_NOFOLLOW, UInt32(AT_SYMLINK_NOFOLLOW))
        XCTAssertEqual(OpenFlags.AT_SYMLINK_FOLLOW, UInt32(AT_SYMLINK_FOLLOW))
        // O_DIRECT, O_NOATIME, O_PATH, O_TMPFILE, AT_EMPTY_PATH, AT_NO_AUTOMOUNT are _GNU_SOURCE-only and O_LARGEFILE is 0 in a
        // 64-bit glibc (the kernel's value is what the event carries): checked against the kernel
        // headers below.
        #else
        throw XCTSkip("OpenFlags carries the x86_64 values")
        #endif
    }

    /// `#define NAME value` lines of a header, values parsed as C integer literals (octal/hex/decimal)
    /// or `(A|B)` of earlier names.
    private func defines(_ path: String) throws -> [String: UInt64] {
        guard FileManager.default.fileExists(atPath: path) else { throw TestSupportError("\(path) not installed") }
        var result: [String: UInt64] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 3, words[0] == "#define" else { continue }
            let name = String(words[1])
            let value = words[2...].prefix { !$0.hasPrefix("/*") }.joined()
            if let v = cInteger(value) { result[name] = v; continue }
            let inner = value.trimmingCharacters(in: CharacterSet(charactersIn: "()"))
            let parts = inner.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count > 1, parts.allSatisfy({ result[$0] != nil }) {
                result[name] = parts.reduce(0) { $0 | result[$1]! }
            }
        }
        return result
    }

    private func cInteger(_ s: String) -> UInt64? {
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt64(s.dropFirst(2), radix: 16) }
        if s.count > 1, s.hasPrefix("0") { return UInt64(s.dropFirst(), radix: 8) }
        return UInt64(s)
    }

    func testValuesMatchAsmGenericFcntlHeader() throws {
        let h = try defines("/usr/include/asm-generic/fcntl.h")
        let expected: [(String, UInt32)] = [
            ("O_ACCMODE", OpenFlags.O_ACCMODE), ("O_RDONLY", OpenFlags.O_RDONLY), ("O_WRONLY", OpenFlags.O_WRONLY),
            ("O_RDWR", OpenFlags.O_RDWR), ("O_CREAT", OpenFlags.O_CREAT), ("O_EXCL", OpenFlags.O_EXCL),
            ("O_NOCTTY", OpenFlags.O_NOCTTY), ("O_TRUNC", OpenFlags.O_TRUNC), ("O_APPEND", OpenFlags.O_APPEND),
            ("O_NONBLOCK", OpenFlags.O_NONBLOCK), ("O_DSYNC", OpenFlags.O_DSYNC), ("FASYNC", OpenFlags.FASYNC),
            ("O_DIRECT", OpenFlags.O_DIRECT), ("O_LARGEFILE", OpenFlags.O_LARGEFILE),
            ("O_DIRECTORY", OpenFlags.O_DIRECTORY), ("O_NOFOLLOW", OpenFlags.O_NOFOLLOW),
            ("O_NOATIME", OpenFlags.O_NOATIME), ("O_CLOEXEC", OpenFlags.O_CLOEXEC), ("__O_SYNC", OpenFlags.__O_SYNC),
            ("O_SYNC", OpenFlags.O_SYNC), ("O_PATH", OpenFlags.O_PATH), ("__O_TMPFILE", OpenFlags.__O_TMPFILE),
            ("O_TMPFILE", OpenFlags.O_TMPFILE),
        ]
        for (name, value) in expected {
            XCTAssertEqual(h[name], UInt64(value), name)
        }
        // Every named flag in our table is one of the header's names.
        for (mask, name) in OpenFlags.openTable { XCTAssertEqual(h[name], UInt64(mask), name) }
    }

    func testValuesMatchOpenat2Header() throws {
        let h = try defines("/usr/include/linux/openat2.h")
        for (mask, name) in OpenFlags.resolveTable { XCTAssertEqual(h[name], mask, name) }
        XCTAssertEqual(OpenFlags.resolveTable.count, h.keys.filter { $0.hasPrefix("RESOLVE_") }.count)
    }

    func testValuesMatchLinuxFcntlHeader() throws {
        let h = try defines("/usr/include/linux/fcntl.h")
        for (mask, name) in OpenFlags.atTable { XCTAssertEqual(h[name], UInt64(mask), name) }
    }
}
