import Foundation
#if canImport(Glibc)
import Glibc
#endif
import InfraSightTestSupport
import XCTest
@testable import InfraSightEnrich

final class ErrnoNameTests: XCTestCase {
    /// `#define ENAME <number>` lines of a C header; alias lines (`#define EWOULDBLOCK EAGAIN`) are skipped.
    private func numericDefines(inHeader path: String) throws -> [(name: String, value: Int32)] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var result: [(String, Int32)] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 3, fields[0] == "#define", fields[1].hasPrefix("E"),
                  let value = Int32(fields[2]) else { continue }
            result.append((String(fields[1]), value))
        }
        return result
    }

    func testEveryEntryMatchesTheSystemHeaders() throws {
        let headers = ["/usr/include/asm-generic/errno-base.h", "/usr/include/asm-generic/errno.h"]
        guard headers.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else {
            throw TestSupportError("kernel UAPI headers not installed")
        }
        var fromHeaders: [Int32: String] = [:]
        for header in headers {
            for (name, value) in try numericDefines(inHeader: header) {
                XCTAssertNil(fromHeaders[value], "duplicate number \(value) in headers")
                fromHeaders[value] = name
            }
        }
        XCTAssertEqual(fromHeaders.count, 131, "asm-generic defines 131 numbered errors (1…133 minus 41, 58)")
        XCTAssertEqual(fromHeaders[133], "EHWPOISON")
        for value in Int32(0)...Int32(600) where !(512...531).contains(value) {
            XCTAssertEqual(ErrnoName.name(for: value), fromHeaders[value], "errno \(value)")
        }
    }

    func testSampleAgainstGlibcConstants() {
        let sample: [(Int32, String)] = [
            (EPERM, "EPERM"), (ENOENT, "ENOENT"), (ESRCH, "ESRCH"), (EINTR, "EINTR"), (EIO, "EIO"),
            (EBADF, "EBADF"), (EAGAIN, "EAGAIN"), (EWOULDBLOCK, "EAGAIN"), (ENOMEM, "ENOMEM"),
            (EACCES, "EACCES"), (EFAULT, "EFAULT"), (EBUSY, "EBUSY"), (EEXIST, "EEXIST"),
            (ENOTDIR, "ENOTDIR"), (EISDIR, "EISDIR"), (EINVAL, "EINVAL"), (EMFILE, "EMFILE"),
            (ENOSPC, "ENOSPC"), (EPIPE, "EPIPE"), (ERANGE, "ERANGE"), (EDEADLK, "EDEADLK"),
            (ENAMETOOLONG, "ENAMETOOLONG"), (ENOSYS, "ENOSYS"), (ENOTEMPTY, "ENOTEMPTY"),
            (ELOOP, "ELOOP"), (ENOTSOCK, "ENOTSOCK"), (EOPNOTSUPP, "EOPNOTSUPP"),
            (ENOTSUP, "EOPNOTSUPP"), (EADDRINUSE, "EADDRINUSE"), (ECONNREFUSED, "ECONNREFUSED"),
            (ECONNRESET, "ECONNRESET"), (ETIMEDOUT, "ETIMEDOUT"), (EINPROGRESS, "EINPROGRESS"),
            (EALREADY, "EALREADY"), (ESTALE, "ESTALE"), (EDQUOT, "EDQUOT"), (ECANCELED, "ECANCELED"),
            (EOWNERDEAD, "EOWNERDEAD"), (ENOTRECOVERABLE, "ENOTRECOVERABLE"), (ERFKILL, "ERFKILL"),
            (EHWPOISON, "EHWPOISON"),
        ]
        for (value, name) in sample {
            XCTAssertEqual(ErrnoName.name(for: value), name, "errno \(value)")
        }
    }

    func testKernelInternalCodes() {
        // include/linux/errno.h of the kernel (not shipped to user space).
        let expected: [Int32: String] = [
            512: "ERESTARTSYS", 513: "ERESTARTNOINTR", 514: "ERESTARTNOHAND", 515: "ENOIOCTLCMD",
            516: "ERESTART_RESTARTBLOCK", 517: "EPROBE_DEFER", 518: "EOPENSTALE", 519: "ENOPARAM",
            521: "EBADHANDLE", 522: "ENOTSYNC", 523: "EBADCOOKIE", 524: "ENOTSUPP", 525: "ETOOSMALL",
            526: "ESERVERFAULT", 527: "EBADTYPE", 528: "EJUKEBOX", 529: "EIOCBQUEUED",
            530: "ERECALLCONFLICT", 531: "ENOGRACE",
        ]
        for value in Int32(505)...Int32(540) {
            XCTAssertEqual(ErrnoName.name(for: value), expected[value], "errno \(value)")
        }
    }

    func testOutOfRangeValues() {
        for value: Int32 in [0, -1, -2, 41, 58, 134, 511, 520, 532, 4095, .max, .min] {
            XCTAssertNil(ErrnoName.name(for: value), "errno \(value)")
        }
    }

    func testReturnCodes() {
        XCTAssertEqual(ErrnoName.name(forReturnCode: -2), "ENOENT")
        XCTAssertEqual(ErrnoName.name(forReturnCode: -13), "EACCES")
        XCTAssertEqual(ErrnoName.name(forReturnCode: -11), "EAGAIN")
        XCTAssertEqual(ErrnoName.name(forReturnCode: -512), "ERESTARTSYS")
        XCTAssertEqual(ErrnoName.name(forReturnCode: -133), "EHWPOISON")
        // Success values (counts, fds, addresses) are not errors.
        for ret: Int64 in [0, 1, 2, 512, 4096, .max, -4096, -4097, -1 << 40, .min] {
            XCTAssertNil(ErrnoName.name(forReturnCode: ret), "ret \(ret)")
        }
    }
}
