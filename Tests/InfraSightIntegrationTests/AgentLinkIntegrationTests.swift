import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The `link` probe through the real agent and broker, with strace as the oracle: a real Python helper
/// makes every link, removal and rename call, with absolute names, names relative to dirfds and to a
/// cwd it changes, and calls that fail. Every call strace saw must arrive in order with the paths,
/// dirfds, flags and return value strace printed, and with both paths resolved onto the directory
/// strace named for the dirfd (`-y`) or the cwd its `chdir` set; nothing else may arrive.
extension AgentProbeIntegrationTests {
    static let linkHelper = """
    import os, sys
    d = sys.argv[1]
    os.makedirs(d + '/a'); os.makedirs(d + '/b')
    open(d + '/b/f', 'w').close()
    a = os.open(d + '/a', os.O_RDONLY | os.O_DIRECTORY); b = os.open(d + '/b', os.O_RDONLY | os.O_DIRECTORY)
    os.symlink('../b/f', d + '/a/s1')
    os.symlink('/etc/shadow', 's2', dir_fd=a)
    os.link(d + '/b/f', d + '/a/h1')
    os.link('f', 'h2', src_dir_fd=b, dst_dir_fd=a)
    os.unlink(d + '/a/h1')
    os.unlink('h2', dir_fd=a)
    os.mkdir(d + '/a/sub'); os.rmdir('sub', dir_fd=a)
    os.chdir(d + '/a')
    os.rename('../b/f', './g')
    os.rename('g', 'f', src_dir_fd=a, dst_dir_fd=b)
    for call in (lambda: os.unlink('missing'), lambda: os.rename(d + '/nope', 'x'), lambda: os.link('gone', 'y')):
        try:
            call()
        except OSError:
            pass
    """

    /// strace's quoted string argument without its quotes.
    static func unquoted(_ s: String) -> String {
        s.hasPrefix("\"") && s.hasSuffix("\"") && s.count >= 2 ? String(s.dropFirst().dropLast()) : s
    }

    /// The oracle's lexical normalisation: `.` dropped, `..` taking one component off (never above /).
    static func normalised(_ path: String) -> String {
        var out: [Substring] = []
        for c in path.split(separator: "/") {
            if c == "." { continue }
            if c == ".." { _ = out.popLast(); continue }
            out.append(c)
        }
        return "/" + out.joined(separator: "/")
    }

    static let linkFlags = ["0": 0, "AT_SYMLINK_FOLLOW": 0x400, "AT_REMOVEDIR": 0x200, "RENAME_NOREPLACE": 1]

    func testLinkEventsMatchWhatStraceSaw() throws {
        try ready()
        let dir = NSTemporaryDirectory() + "is-link-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.linkHelper.write(toFile: dir + "/helper.py", atomically: true, encoding: .utf8)
        let trace = dir + "/strace.out", work = dir + "/w"
        let strace = SC.spawn(["/usr/bin/strace", "-f", "-y", "-qq", "-e",
                               "trace=chdir,symlink,symlinkat,link,linkat,unlink,unlinkat,rename,renameat,renameat2",
                               "-o", trace, "/usr/bin/python3", "-B", dir + "/helper.py", work])
        XCTAssertEqual(SC.wait(strace), 0, "strace + helper failed")
        let calls = Self.parseStrace(try String(contentsOfFile: trace, encoding: .utf8))
        guard let helperPid = calls.first(where: { $0.name == "symlink" })?.pid else { return XCTFail("strace saw no symlink() call") }

        // The oracle: each call's paths, dirfds and flags as strace printed them, its directories from
        // the dirfd's `<path>` or the cwd of the last chdir.
        struct Expected { var name: String, path: String, old: String, dirfd: Int32, oldDirfd: Int32, flags: UInt32, ret: Int64
                          var resolved: String, oldResolved: String }
        var cwd = FileManager.default.currentDirectoryPath
        var expected: [Expected] = []
        func directory(_ arg: String) -> (fd: Int32, path: String) {
            if arg == "AT_FDCWD" { return (-100, cwd) }
            guard let lt = arg.firstIndex(of: "<") else { return (StraceCall.fd(arg).fd, "?") }
            return (StraceCall.fd(arg).fd, String(arg[arg.index(after: lt)...].dropLast()))
        }
        func resolved(_ dir: String, _ path: String) -> String { Self.normalised(path.hasPrefix("/") ? path : dir + "/" + path) }
        for c in calls where c.pid == helperPid {
            let q = c.args.map(Self.unquoted)
            var e = Expected(name: c.name, path: "", old: "", dirfd: -100, oldDirfd: -100, flags: 0, ret: c.ret, resolved: "", oldResolved: "")
            switch c.name {
            case "chdir":
                if c.ret == 0 { cwd = resolved(cwd, q[0]) }
                continue
            case "symlink", "link", "rename":
                (e.old, e.path) = (q[0], q[1])
                e.resolved = resolved(cwd, e.path); e.oldResolved = resolved(cwd, e.old)
            case "symlinkat":
                let d = directory(c.args[1])
                (e.old, e.dirfd, e.path) = (q[0], d.fd, q[2])
                e.resolved = resolved(d.path, e.path)
            case "unlink":
                e.path = q[0]; e.resolved = resolved(cwd, e.path)
            case "unlinkat":
                let d = directory(c.args[0])
                (e.dirfd, e.path, e.flags) = (d.fd, q[1], UInt32(Self.linkFlags[c.args[2]] ?? -1))
                e.resolved = resolved(d.path, e.path)
            default: // linkat, renameat, renameat2
                let od = directory(c.args[0]), nd = directory(c.args[2])
                (e.oldDirfd, e.old, e.dirfd, e.path) = (od.fd, q[1], nd.fd, q[3])
                e.flags = c.args.count > 4 ? UInt32(Self.linkFlags[c.args[4]] ?? -1) : 0
                e.resolved = resolved(nd.path, e.path); e.oldResolved = resolved(od.path, e.old)
            }
            if c.name.hasPrefix("symlink") {   // the target, from the link's directory
                e.oldResolved = e.old.hasPrefix("/") ? Self.normalised(e.old)
                    : Self.normalised((e.resolved as NSString).deletingLastPathComponent + "/" + e.old)
            }
            expected.append(e)
        }
        XCTAssertEqual(expected.map(\.name).filter { ["symlink", "symlinkat", "link", "linkat", "unlink", "unlinkat"].contains($0) },
                       ["symlink", "symlinkat", "link", "linkat", "unlink", "unlinkat", "unlinkat", "unlink", "link"], "\(calls)")
        XCTAssertEqual(expected.filter { $0.ret < 0 }.count, 3, "three calls fail: \(calls)")

        let got = events(.link, count: expected.count) { $0.pid == helperPid }
        for (e, x) in zip(got, expected) {
            assertCommon(e, ret: x.ret, pid: helperPid)
            let l = e.link
            XCTAssertEqual(l.syscall, x.name)
            XCTAssertEqual([l.path, l.oldPath], [x.path, x.old], x.name)
            XCTAssertEqual([l.dirfd, l.oldDirfd], [x.dirfd, x.oldDirfd], x.name)
            XCTAssertEqual(l.flags, x.flags, x.name)
            XCTAssertEqual(l.resolvedPath, x.resolved, x.name)
            XCTAssertEqual(l.oldResolvedPath, x.oldResolved, x.name)
            XCTAssertTrue(l.resolvedLexical); XCTAssertEqual(l.oldResolvedLexical, !x.old.isEmpty, x.name)
            XCTAssertFalse(l.resolvedTruncated || l.oldResolvedTruncated || l.pathTruncated || l.oldPathTruncated, x.name)
        }
        // Nothing beyond the oracle.
        usleep(1_000_000)
        Self.lock.lock()
        let extra = Self.received.filter { $0.event.pid == helperPid && $0.event.probe == "link" }
        Self.lock.unlock()
        XCTAssertEqual(extra.count, expected.count, "\(extra.map(\.event))")
    }
}
