import CEventLayout
import XCTest
@testable import InfraSightAgent

/// Pure decoder tests: layout offsets against the imported C structs, exact decoding of synthetic
/// records of every kind, lying length fields, cut records and random bytes (never a crash).
final class ProbeRecordDecoderTests: XCTestCase {
    typealias D = KernelRecordDecoder

    func testOffsetsMatchTheSharedHeader() {
        XCTAssertEqual(MemoryLayout<infrasight_common>.size, D.commonSize)
        XCTAssertEqual(MemoryLayout<infrasight_common>.offset(of: \.comm), D.offComm)
        XCTAssertEqual(MemoryLayout<infrasight_common>.offset(of: \.syscall), D.offSyscall)
        XCTAssertEqual(MemoryLayout<infrasight_open_event>.offset(of: \.path), D.openPath)
        XCTAssertEqual(MemoryLayout<infrasight_open_event>.offset(of: \.path_len), D.openPathLen)
        XCTAssertEqual(MemoryLayout<infrasight_open_event>.offset(of: \.resolve), D.openResolve)
        XCTAssertEqual(MemoryLayout<infrasight_chmod_event>.offset(of: \.path), D.chmodPath)
        XCTAssertEqual(MemoryLayout<infrasight_open_event>.offset(of: \.resolved_len), D.openResolvedLen)
        XCTAssertEqual(MemoryLayout<infrasight_open_event>.offset(of: \.resolved), D.openResolved)
        XCTAssertEqual(MemoryLayout<infrasight_chmod_event>.offset(of: \.resolved_len), D.chmodResolvedLen)
        XCTAssertEqual(MemoryLayout<infrasight_chmod_event>.offset(of: \.resolved), D.chmodResolved)
        XCTAssertEqual(MemoryLayout<infrasight_socket_event>.offset(of: \.unix_path), D.sockUnixPath)
        XCTAssertEqual(MemoryLayout<infrasight_socket_event>.offset(of: \.remote_addr), D.sockRemoteAddr)
        XCTAssertEqual(MemoryLayout<infrasight_socket_event>.offset(of: \.new_fd), D.sockNewFd)
        XCTAssertEqual(MemoryLayout<infrasight_ptrace_event>.offset(of: \.data), D.ptraceData)
        XCTAssertEqual(MemoryLayout<infrasight_mount_event>.offset(of: \.target), D.mountTarget)
        XCTAssertEqual(MemoryLayout<infrasight_mount_event>.offset(of: \.fstype), D.mountFsType)
        XCTAssertEqual(MemoryLayout<infrasight_exit_event>.offset(of: \.exit_status), D.exitStatus)
        XCTAssertEqual(MemoryLayout<infrasight_setid_event>.offset(of: \.old_uid), D.setidOldIds)
        XCTAssertEqual(MemoryLayout<infrasight_setid_event>.offset(of: \.old_sgid), D.setidOldIds + 20)
        XCTAssertEqual(MemoryLayout<infrasight_setid_event>.offset(of: \.new_real), D.setidNewIds)
        XCTAssertEqual(MemoryLayout<infrasight_setid_event>.offset(of: \.new_saved), D.setidNewIds + 8)
        XCTAssertEqual(MemoryLayout<infrasight_setid_event>.offset(of: \.cap_version), D.setidCapVersion)
        XCTAssertEqual(MemoryLayout<infrasight_setid_event>.offset(of: \.old_cap_effective), D.setidOldCaps)
        XCTAssertEqual(MemoryLayout<infrasight_setid_event>.offset(of: \.old_cap_inheritable), D.setidOldCaps + 16)
        XCTAssertEqual(MemoryLayout<infrasight_setid_event>.offset(of: \.cap_effective), D.setidCaps)
        XCTAssertEqual(MemoryLayout<infrasight_setid_event>.offset(of: \.cap_inheritable), D.setidCaps + 16)
        XCTAssertEqual(MemoryLayout<infrasight_setid_event>.offset(of: \.cap_pid), D.setidCapPid)
        XCTAssertEqual(MemoryLayout<infrasight_link_event>.offset(of: \.dirfd), D.linkDirfd)
        XCTAssertEqual(MemoryLayout<infrasight_link_event>.offset(of: \.old_dirfd), D.linkOldDirfd)
        XCTAssertEqual(MemoryLayout<infrasight_link_event>.offset(of: \.at_flags), D.linkAtFlags)
        XCTAssertEqual(MemoryLayout<infrasight_link_event>.offset(of: \.old_flags), D.linkOldFlags)
        XCTAssertEqual(MemoryLayout<infrasight_link_event>.offset(of: \.path_len), D.linkPathLen)
        XCTAssertEqual(MemoryLayout<infrasight_link_event>.offset(of: \.old_path_len), D.linkOldPathLen)
        XCTAssertEqual(MemoryLayout<infrasight_link_event>.offset(of: \.old_resolved_len), D.linkOldResolvedLen)
        XCTAssertEqual(MemoryLayout<infrasight_link_event>.offset(of: \.resolved_len), D.linkResolvedLen)
        XCTAssertEqual(MemoryLayout<infrasight_link_event>.offset(of: \.path), D.linkPath)
        XCTAssertEqual(MemoryLayout<infrasight_link_event>.offset(of: \.old_path), D.linkOldPath)
        XCTAssertEqual(MemoryLayout<infrasight_link_event>.offset(of: \.old_resolved), D.linkOldResolved)
        XCTAssertEqual(MemoryLayout<infrasight_link_event>.offset(of: \.resolved), D.linkResolved)
    }

    /// A record of `size` bytes with the common header filled.
    func record(kind: UInt16, size: Int, syscall: UInt32, flags: UInt32 = 0) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: size)
        func put<T>(_ v: T, _ o: Int) { withUnsafeBytes(of: v) { for (i, x) in $0.enumerated() { b[o + i] = x } } }
        put(UInt16(1), 0); put(kind, 2); put(flags, 4); put(UInt64(111), 8); put(UInt64(222), 16); put(Int64(-2), 24)
        put(UInt64(333), 32); put(UInt32(10), 40); put(UInt32(11), 44); put(UInt32(12), 48); put(UInt32(13), 52)
        put(UInt32(14), 56); put(syscall, 60)
        for (i, c) in "comm".utf8.enumerated() { b[64 + i] = c }
        return b
    }

    func put<T>(_ v: T, _ o: Int, in b: inout [UInt8]) { withUnsafeBytes(of: v) { for (i, x) in $0.enumerated() { b[o + i] = x } } }
    func putString(_ s: String, _ o: Int, in b: inout [UInt8]) { for (i, c) in s.utf8.enumerated() { b[o + i] = c } }

    func testOpenRecordDecodesExactly() throws {
        var b = record(kind: D.kindOpen, size: MemoryLayout<infrasight_open_event>.size, syscall: 3)
        put(Int32(-100), D.openDirfd, in: &b); put(Int32(-1), D.openFd, in: &b); put(UInt64(0o2101), D.openFlags, in: &b)
        put(UInt64(0o640), D.openMode, in: &b); put(UInt64(0xc), D.openResolve, in: &b); put(UInt32(6), D.openPathLen, in: &b)
        putString("/etc/x", D.openPath, in: &b)
        guard case .open(let o) = try D.decode(b) else { return XCTFail() }
        XCTAssertEqual(o.syscall, .openat2)
        XCTAssertEqual(o.path, "/etc/x")
        XCTAssertFalse(o.pathTruncated)
        XCTAssertEqual([o.dirfd, o.fd], [-100, -1])
        XCTAssertEqual([o.flags, o.mode, o.resolve], [0o2101, 0o640, 0xc])
        XCTAssertEqual(o.common, KernelCommon(bootTimeNs: 111, latencyNs: 222, ret: -2, cgroupId: 333, pid: 10, tid: 11,
                                              ppid: 12, uid: 13, gid: 14, comm: "comm", flags: []))
        XCTAssertEqual(KernelRecord.open(o).probe, .open)
    }

    /// An open record as the kernel emits it: the fixed part, then resolved[] only up to its NUL.
    func openRecord(path: String, resolved: String, flags: UInt32, fd: Int32 = 3, dirfd: Int32 = -100) -> [UInt8] {
        var b = record(kind: D.kindOpen, size: D.openResolved + resolved.utf8.count + 1, syscall: 2, flags: flags)
        put(dirfd, D.openDirfd, in: &b); put(fd, D.openFd, in: &b)
        put(UInt32(path.utf8.count), D.openPathLen, in: &b); putString(path, D.openPath, in: &b)
        put(UInt32(resolved.utf8.count), D.openResolvedLen, in: &b); putString(resolved, D.openResolved, in: &b)
        return b
    }

    func testOpenResolvedFileIsTheKernelsPath() throws {
        guard case .open(let o) = try D.decode(openRecord(path: "shadow", resolved: "/etc/shadow", flags: 1 << 18)) else { return XCTFail() }
        XCTAssertEqual(o.path, "shadow")
        XCTAssertEqual(o.resolved, ResolvedPath(path: "/etc/shadow", lexical: false, truncated: false))
        // the same bytes as the passed path: equal either way
        guard case .open(let same) = try D.decode(openRecord(path: "/etc/hosts", resolved: "/etc/hosts", flags: 1 << 18)) else { return XCTFail() }
        XCTAssertEqual(same.resolved.path, "/etc/hosts")
        guard case .open(let cut) = try D.decode(openRecord(path: "x", resolved: "/d/d/x", flags: (1 << 18) | (1 << 20))) else { return XCTFail() }
        XCTAssertEqual(cut.resolved, ResolvedPath(path: "/d/d/x", lexical: false, truncated: true))
    }

    func testOpenResolvedDirIsJoinedLexically() throws {
        guard case .open(let o) = try D.decode(openRecord(path: "../etc/./passwd", resolved: "/usr", flags: 1 << 19, fd: -1)) else { return XCTFail() }
        XCTAssertEqual(o.resolved, ResolvedPath(path: "/etc/passwd", lexical: true, truncated: false))
        // an absolute passed path: the kernel sends no directory
        guard case .open(let a) = try D.decode(openRecord(path: "/tmp//a/../b", resolved: "", flags: 1 << 19, fd: -1)) else { return XCTFail() }
        XCTAssertEqual(a.resolved, ResolvedPath(path: "/tmp/b", lexical: true, truncated: false))
        // no flag: nothing, even with bytes there
        guard case .open(let n) = try D.decode(openRecord(path: "x", resolved: "/etc", flags: 0)) else { return XCTFail() }
        XCTAssertEqual(n.resolved, .none)
    }

    /// A record of the layout before resolved[] (632 bytes, resolved_len was padding) has none.
    func testOpenRecordWithoutTheTailHasNoResolvedPath() throws {
        var b = record(kind: D.kindOpen, size: D.openResolved, syscall: 2)
        put(UInt32(6), D.openPathLen, in: &b); putString("/etc/x", D.openPath, in: &b)
        guard case .open(let o) = try D.decode(b) else { return XCTFail() }
        XCTAssertEqual(o.path, "/etc/x")
        XCTAssertEqual(o.resolved, .none)
    }

    func testChmodResolved() throws {
        var b = record(kind: D.kindChmod, size: D.chmodResolved + 12, syscall: 5, flags: 1 << 18)   // fchmod
        put(Int32(4), D.chmodFd, in: &b); put(UInt32(11), D.chmodResolvedLen, in: &b); putString("/etc/shadow", D.chmodResolved, in: &b)
        guard case .chmod(let c) = try D.decode(b) else { return XCTFail() }
        XCTAssertEqual(c.path, "")
        XCTAssertEqual(c.resolved, ResolvedPath(path: "/etc/shadow", lexical: false, truncated: false))
        var l = record(kind: D.kindChmod, size: D.chmodResolved + 5, syscall: 4, flags: 1 << 19)   // chmod("x/../shadow")
        put(UInt32(11), D.chmodPathLen, in: &l); putString("x/../shadow", D.chmodPath, in: &l)
        put(UInt32(4), D.chmodResolvedLen, in: &l); putString("/etc", D.chmodResolved, in: &l)
        guard case .chmod(let lex) = try D.decode(l) else { return XCTFail() }
        XCTAssertEqual(lex.resolved, ResolvedPath(path: "/etc/shadow", lexical: true, truncated: false))
        // cut before resolved_len: flagged, but nothing to read
        guard case .chmod(let short) = try D.decode(Array(l.prefix(D.chmodResolvedLen + 2))) else { return XCTFail() }
        XCTAssertEqual(short.resolved, ResolvedPath(path: "", lexical: true, truncated: true), "no directory: no join")
    }

    func testLyingLengthsAndMissingNULsAreBounded() throws {
        var b = record(kind: D.kindOpen, size: MemoryLayout<infrasight_open_event>.size, syscall: 2)
        put(UInt32.max, D.openPathLen, in: &b)
        for i in D.openPath ..< b.count { b[i] = UInt8(ascii: "a") }      // no NUL at all
        guard case .open(let o) = try D.decode(b) else { return XCTFail() }
        XCTAssertEqual(o.path.utf8.count, D.pathCapacity)
        XCTAssertTrue(o.pathTruncated)
        // claimed length shorter than the string: only shortens
        put(UInt32(3), D.openPathLen, in: &b)
        guard case .open(let o2) = try D.decode(b) else { return XCTFail() }
        XCTAssertEqual(o2.path, "aaa")
        // record cut inside the path: bounded by the record
        let cut = Array(b[..<(D.openPath + 10)])
        guard case .open(let o3) = try D.decode(cut) else { return XCTFail() }
        XCTAssertEqual(o3.path.utf8.count, 3)
    }

    func testSocketRecordsAddressesAndUnixPaths() throws {
        var b = record(kind: D.kindSocket, size: MemoryLayout<infrasight_socket_event>.size, syscall: 8)
        put(UInt16(10), D.sockFamily, in: &b); put(UInt16(1), D.sockType, in: &b); put(UInt16(6), D.sockProtocol, in: &b)
        put(UInt16(5555), D.sockLocalPort, in: &b); put(UInt16(443), D.sockRemotePort, in: &b)
        put(Int32(7), D.sockFd, in: &b); put(Int32(-1), D.sockNewFd, in: &b)
        b[D.sockLocalAddr + 15] = 1; b[D.sockRemoteAddr] = 0xfe
        guard case .socket(let s) = try D.decode(b) else { return XCTFail() }
        XCTAssertEqual(s.syscall, .connect)
        XCTAssertEqual(s.localAddr, [UInt8](repeating: 0, count: 15) + [1])
        XCTAssertEqual(s.remoteAddr, [0xfe] + [UInt8](repeating: 0, count: 15))
        XCTAssertEqual([s.localPort, s.remotePort], [5555, 443])
        XCTAssertEqual(KernelRecord.socket(s).probe, .connect)
        // AF_INET: 4 bytes; AF_UNIX: no address, abstract name → "@"
        put(UInt16(2), D.sockFamily, in: &b)
        guard case .socket(let v4) = try D.decode(b) else { return XCTFail() }
        XCTAssertEqual(v4.localAddr.count, 4)
        put(UInt16(1), D.sockFamily, in: &b); put(UInt32(10), 60, in: &b)
        b[D.sockUnixPath] = 0; putString("abstract", D.sockUnixPath + 1, in: &b); put(UInt16(9), D.sockUnixLen, in: &b)
        guard case .socket(let u) = try D.decode(b) else { return XCTFail() }
        XCTAssertEqual(u.unixPath, "@abstract")
        XCTAssertEqual(u.localAddr, [])
        XCTAssertEqual(KernelRecord.socket(u).probe, .accept)
        put(UInt16(0xffff), D.sockUnixLen, in: &b)   // lying length: bounded by sun_path
        guard case .socket(let u2) = try D.decode(b) else { return XCTFail() }
        XCTAssertLessThanOrEqual(u2.unixPath.utf8.count, D.unixPathCapacity + 1)
    }

    func testLinkRecordsDecodeExactly() throws {
        // renameat(dirfd 5 = /var/log, "syslog", AT_FDCWD in /tmp, "../tmp/x") as the kernel emits it: up to resolved's NUL
        var r = record(kind: D.kindLink, size: D.linkResolved + 5, syscall: KernelSyscall.renameat2.rawValue, flags: 1 << 19)
        put(Int32(-100), D.linkDirfd, in: &r); put(Int32(5), D.linkOldDirfd, in: &r); put(UInt32(1), D.linkAtFlags, in: &r)
        put(UInt32(1 << 19), D.linkOldFlags, in: &r)
        put(UInt32(8), D.linkPathLen, in: &r); putString("../tmp/x", D.linkPath, in: &r)
        put(UInt32(6), D.linkOldPathLen, in: &r); putString("syslog", D.linkOldPath, in: &r)
        put(UInt32(8), D.linkOldResolvedLen, in: &r); putString("/var/log", D.linkOldResolved, in: &r)
        put(UInt32(4), D.linkResolvedLen, in: &r); putString("/tmp", D.linkResolved, in: &r)
        guard case .link(let e) = try D.decode(r) else { return XCTFail() }
        XCTAssertEqual(e.syscall, .renameat2)
        XCTAssertEqual([e.path, e.oldPath], ["../tmp/x", "syslog"])
        XCTAssertEqual([e.dirfd, e.oldDirfd], [-100, 5]); XCTAssertEqual(e.flags, 1)
        XCTAssertEqual(e.resolved, ResolvedPath(path: "/tmp/x", lexical: true, truncated: false))
        XCTAssertEqual(e.oldResolved, ResolvedPath(path: "/var/log/syslog", lexical: true, truncated: false))
        XCTAssertEqual(KernelRecord.link(e).probe, .link)
        XCTAssertEqual(e.common.ret, -2)

        // symlink("../etc/shadow", "x") in /tmp: the target is taken from the link's directory
        var s = record(kind: D.kindLink, size: D.linkResolved + 5, syscall: KernelSyscall.symlink.rawValue, flags: 1 << 19)
        put(Int32(-100), D.linkDirfd, in: &s); put(Int32(-100), D.linkOldDirfd, in: &s)
        put(UInt32(1), D.linkPathLen, in: &s); putString("x", D.linkPath, in: &s)
        put(UInt32(13), D.linkOldPathLen, in: &s); putString("../etc/shadow", D.linkOldPath, in: &s)
        put(UInt32(4), D.linkResolvedLen, in: &s); putString("/tmp", D.linkResolved, in: &s)
        guard case .link(let sym) = try D.decode(s) else { return XCTFail() }
        XCTAssertEqual(sym.resolved.path, "/tmp/x")
        XCTAssertEqual(sym.oldResolved, ResolvedPath(path: "/etc/shadow", lexical: true, truncated: false))
        // an absolute target is normalised on its own; an old path cut by the kernel is flagged
        putString("/etc//shadow\0", D.linkOldPath, in: &s); put(UInt32(12), D.linkOldPathLen, in: &s)
        put(UInt32(1 << 8), D.linkOldFlags, in: &s)
        guard case .link(let abs) = try D.decode(s) else { return XCTFail() }
        XCTAssertEqual(abs.oldResolved, ResolvedPath(path: "/etc/shadow", lexical: true, truncated: true))
        XCTAssertTrue(abs.oldPathTruncated)

        // unlink("/var/log/auth.log"): no old path, none resolved
        var u = record(kind: D.kindLink, size: D.linkResolved + 1, syscall: KernelSyscall.unlink.rawValue, flags: 1 << 19)
        put(UInt32(17), D.linkPathLen, in: &u); putString("/var/log/auth.log", D.linkPath, in: &u)
        guard case .link(let un) = try D.decode(u) else { return XCTFail() }
        XCTAssertEqual(un.resolved.path, "/var/log/auth.log"); XCTAssertEqual(un.oldPath, ""); XCTAssertEqual(un.oldResolved, .none)

        // a link record with another kind's syscall, or cut before resolved[], is refused
        put(UInt32(41), D.offSyscall, in: &u)
        XCTAssertThrowsError(try D.decode(u)) { XCTAssertEqual($0 as? RecordDecodeError, .unexpectedSyscall(kind: D.kindLink, syscall: 41)) }
        XCTAssertThrowsError(try D.decode(Array(r.prefix(D.linkResolved - 1))))
    }

    func testDupAndSocketCreateRecordsDecodeExactly() throws {
        var d = record(kind: D.kindDup, size: MemoryLayout<infrasight_socket_event>.size, syscall: KernelSyscall.dup3.rawValue)
        put(UInt16(2), D.sockFamily, in: &d); put(UInt16(1), D.sockType, in: &d); put(UInt16(6), D.sockProtocol, in: &d)
        put(Int32(5), D.sockFd, in: &d); put(Int32(1), D.sockNewFd, in: &d); put(UInt32(0o2000000), D.sockFlags, in: &d)
        put(UInt16(40000), D.sockLocalPort, in: &d); put(UInt16(4444), D.sockRemotePort, in: &d)
        for (i, x) in [UInt8]([127, 0, 0, 1]).enumerated() { d[D.sockLocalAddr + i] = x; d[D.sockRemoteAddr + i] = x + 1 }
        guard case .dup(let e) = try D.decode(d) else { return XCTFail() }
        XCTAssertEqual(e.syscall, .dup3)
        XCTAssertEqual([e.oldfd, e.newfd], [5, 1]); XCTAssertEqual(e.flags, 0o2000000)
        XCTAssertEqual([e.family, e.sockType, e.protocol, e.localPort, e.remotePort], [2, 1, 6, 40000, 4444])
        XCTAssertEqual(e.localAddr, [127, 0, 0, 1]); XCTAssertEqual(e.remoteAddr, [128, 1, 1, 2])
        XCTAssertEqual(e.common.ret, -2); XCTAssertEqual(e.common.comm, "comm")
        XCTAssertEqual(KernelRecord.dup(e).probe, .dup)
        // A dup record with a syscall of another kind is refused.
        put(UInt32(8), D.offSyscall, in: &d)
        XCTAssertThrowsError(try D.decode(d)) { XCTAssertEqual($0 as? RecordDecodeError, .unexpectedSyscall(kind: D.kindDup, syscall: 8)) }
        XCTAssertThrowsError(try D.decode(Array(d.prefix(D.sockUnixPath - 1))))

        var s = record(kind: D.kindSocketCreate, size: MemoryLayout<infrasight_socket_event>.size, syscall: KernelSyscall.socket.rawValue)
        put(UInt16(17), D.sockFamily, in: &s); put(UInt16(3), D.sockType, in: &s); put(UInt16(0x0300), D.sockProtocol, in: &s)
        put(Int32(7), D.sockNewFd, in: &s); put(D.sockNonblock | D.sockCloexec, D.sockFlags, in: &s)
        guard case .socketCreate(let c) = try D.decode(s) else { return XCTFail() }
        XCTAssertEqual([c.family, c.sockType, c.protocol], [17, 3, 0x0300])
        XCTAssertTrue(c.nonblock); XCTAssertTrue(c.cloexec); XCTAssertEqual(c.fd, 7)
        XCTAssertEqual(KernelRecord.socketCreate(c).probe, .socket)
        put(D.sockCloexec, D.sockFlags, in: &s)
        guard case .socketCreate(let c2) = try D.decode(s) else { return XCTFail() }
        XCTAssertFalse(c2.nonblock); XCTAssertTrue(c2.cloexec)
        put(UInt32(31), D.offSyscall, in: &s)
        XCTAssertThrowsError(try D.decode(s))
    }

    func testKernelReachRecordsDecodeExactly() throws {
        // finit_module: the fd's file path (RESOLVED_FILE), flags and parameters.
        var f = record(kind: D.kindKernel, size: MemoryLayout<infrasight_kernel_event>.size, syscall: KernelSyscall.finitModule.rawValue)
        put(UInt32(1 << 18), D.offFlags, in: &f)
        put(Int32(5), D.kernelFd, in: &f); put(UInt32(3), D.kernelModuleFlags, in: &f)
        put(UInt32(17), D.kernelParamsLen, in: &f); putString("debug=1 level=two", D.kernelParams, in: &f)
        put(UInt32(18), D.kernelResolvedLen, in: &f); putString("/lib/modules/x.ko", D.kernelResolved, in: &f)
        put(UInt32(77), D.kernelProgType, in: &f)   // never read for a module load
        f[D.kernelProgName] = 0x41
        guard case .kernel(let fe) = try D.decode(f) else { return XCTFail() }
        XCTAssertEqual(fe.syscall, .finitModule); XCTAssertEqual(fe.fd, 5); XCTAssertEqual(fe.moduleFlags, 3)
        XCTAssertEqual(fe.params, "debug=1 level=two"); XCTAssertFalse(fe.paramsTruncated)
        XCTAssertEqual(fe.resolved, ResolvedPath(path: "/lib/modules/x.ko", lexical: false, truncated: false))
        XCTAssertEqual(fe.progName, ""); XCTAssertEqual(KernelRecord.kernel(fe).probe, .kernel)
        XCTAssertEqual(fe.common.ret, -2)
        // Without RESOLVED_FILE the fd had no file: no path, whatever the bytes say.
        put(UInt32(0), D.offFlags, in: &f)
        guard case .kernel(let noFile) = try D.decode(f) else { return XCTFail() }
        XCTAssertEqual(noFile.resolved, .none)
        // A parameter string that fills its capacity, or flagged by the kernel, is truncated.
        put(UInt32(1 << 25), D.offFlags, in: &f)
        guard case .kernel(let cut) = try D.decode(f) else { return XCTFail() }
        XCTAssertTrue(cut.paramsTruncated)
        put(UInt32(0), D.offFlags, in: &f)
        for i in 0..<D.paramsCapacity { f[D.kernelParams + i] = 0x61 }
        put(UInt32(D.paramsCapacity), D.kernelParamsLen, in: &f)
        guard case .kernel(let full) = try D.decode(f) else { return XCTFail() }
        XCTAssertTrue(full.paramsTruncated); XCTAssertEqual(full.params.utf8.count, D.paramsCapacity)

        // init_module: the image length; no path even with a flag set.
        var i = record(kind: D.kindKernel, size: MemoryLayout<infrasight_kernel_event>.size, syscall: KernelSyscall.initModule.rawValue)
        put(UInt32(1 << 18), D.offFlags, in: &i); put(Int32(-1), D.kernelFd, in: &i)
        put(UInt64(1 << 33), D.kernelImageLen, in: &i); putString("/not/read", D.kernelResolved, in: &i)
        guard case .kernel(let ie) = try D.decode(i) else { return XCTFail() }
        XCTAssertEqual(ie.syscall, .initModule); XCTAssertEqual(ie.imageLen, 1 << 33); XCTAssertEqual(ie.resolved, .none)
        XCTAssertEqual(ie.params, "")

        // bpf: the program's fields; a 16-byte name without NUL is kept whole; no module fields.
        var b = record(kind: D.kindKernel, size: MemoryLayout<infrasight_kernel_event>.size, syscall: KernelSyscall.bpf.rawValue)
        put(UInt32(1), D.kernelProgType, in: &b); put(UInt32(2), D.kernelInsnCnt, in: &b)
        put(UInt32(24), D.kernelAttachType, in: &b); put(UInt32(0x20), D.kernelProgFlags, in: &b)
        putString("0123456789abcdef", D.kernelProgName, in: &b)
        putString("junk", D.kernelParams, in: &b); put(UInt32(4), D.kernelParamsLen, in: &b)
        guard case .kernel(let be) = try D.decode(b) else { return XCTFail() }
        XCTAssertEqual(be.syscall, .bpf)
        XCTAssertEqual([be.progType, be.insnCnt, be.expectedAttachType, be.progFlags], [1, 2, 24, 0x20])
        XCTAssertEqual(be.progName, "0123456789abcdef"); XCTAssertEqual(be.params, ""); XCTAssertFalse(be.paramsTruncated)
        // Another kind's syscall is refused; a record cut before resolved[] too.
        put(KernelSyscall.bind.rawValue, D.offSyscall, in: &b)
        XCTAssertThrowsError(try D.decode(b)) {
            XCTAssertEqual($0 as? RecordDecodeError, .unexpectedSyscall(kind: D.kindKernel, syscall: KernelSyscall.bind.rawValue))
        }
        XCTAssertThrowsError(try D.decode(Array(f.prefix(D.kernelResolved - 1))))
        // A record cut inside resolved[] keeps what it holds, marked truncated.
        put(UInt32(1 << 18), D.offFlags, in: &f)
        guard case .kernel(let short) = try D.decode(Array(f.prefix(D.kernelResolved + 4))) else { return XCTFail() }
        XCTAssertEqual(short.resolved.path, "/lib"); XCTAssertTrue(short.resolved.truncated)
    }

    func testBindAndListenRecordsDecodeExactly() throws {
        var b = record(kind: D.kindBind, size: MemoryLayout<infrasight_socket_event>.size, syscall: KernelSyscall.bind.rawValue)
        put(UInt16(10), D.sockFamily, in: &b); put(UInt16(2), D.sockType, in: &b); put(UInt16(17), D.sockProtocol, in: &b)
        put(Int32(4), D.sockFd, in: &b); put(Int32(-1), D.sockNewFd, in: &b); put(UInt16(5353), D.sockLocalPort, in: &b)
        b[D.sockLocalAddr + 15] = 1
        b[D.sockRemoteAddr] = 9   // never read for bind
        guard case .bind(let e) = try D.decode(b) else { return XCTFail() }
        XCTAssertEqual(e.syscall, .bind)
        XCTAssertEqual([e.family, e.sockType, e.protocol, e.port], [10, 2, 17, 5353])
        XCTAssertEqual(e.addr, [UInt8](repeating: 0, count: 15) + [1]); XCTAssertEqual(e.fd, 4)
        XCTAssertEqual(e.backlog, 0, "bind has no backlog, whatever new_fd holds")
        XCTAssertEqual(e.common.ret, -2); XCTAssertEqual(KernelRecord.bind(e).probe, .bind)

        var l = record(kind: D.kindBind, size: MemoryLayout<infrasight_socket_event>.size, syscall: KernelSyscall.listen.rawValue)
        put(UInt16(2), D.sockFamily, in: &l); put(UInt16(1), D.sockType, in: &l); put(UInt16(6), D.sockProtocol, in: &l)
        put(Int32(3), D.sockFd, in: &l); put(Int32(-5), D.sockNewFd, in: &l); put(UInt16(4444), D.sockLocalPort, in: &l)
        for (i, x) in [UInt8]([0, 0, 0, 0]).enumerated() { l[D.sockLocalAddr + i] = x }
        guard case .bind(let li) = try D.decode(l) else { return XCTFail() }
        XCTAssertEqual(li.syscall, .listen); XCTAssertEqual(li.backlog, -5); XCTAssertEqual(li.addr, [0, 0, 0, 0])
        XCTAssertEqual(li.port, 4444)
        // Another family carries no address bytes; a syscall of another kind is refused; a cut record too.
        put(UInt16(17), D.sockFamily, in: &l)
        guard case .bind(let packet) = try D.decode(l) else { return XCTFail() }
        XCTAssertEqual(packet.addr, [])
        put(KernelSyscall.connect.rawValue, D.offSyscall, in: &l)
        XCTAssertThrowsError(try D.decode(l)) {
            XCTAssertEqual($0 as? RecordDecodeError, .unexpectedSyscall(kind: D.kindBind, syscall: KernelSyscall.connect.rawValue))
        }
        XCTAssertThrowsError(try D.decode(Array(b.prefix(D.sockUnixPath - 1))))
    }

    func testSendtoRecordsDecodeExactly() throws {
        var r = record(kind: D.kindSendto, size: MemoryLayout<infrasight_socket_event>.size, syscall: KernelSyscall.sendmmsg.rawValue)
        put(UInt16(2), D.sockFamily, in: &r); put(UInt16(2), D.sockType, in: &r); put(UInt16(17), D.sockProtocol, in: &r)
        put(Int32(6), D.sockFd, in: &r); put(Int32(3), D.sockNewFd, in: &r); put(UInt32(0x40), D.sockFlags, in: &r)
        put(UInt16(40_001), D.sockLocalPort, in: &r); put(UInt16(5353), D.sockRemotePort, in: &r)
        for (i, x) in [UInt8]([10, 1, 2, 3]).enumerated() { r[D.sockLocalAddr + i] = x; r[D.sockRemoteAddr + i] = x + 100 }
        guard case .sendto(let e) = try D.decode(r) else { return XCTFail() }
        XCTAssertEqual(e.syscall, .sendmmsg); XCTAssertEqual(e.fd, 6); XCTAssertEqual(e.count, 3); XCTAssertEqual(e.flags, 0x40)
        XCTAssertEqual([e.family, e.sockType, e.protocol, e.localPort, e.remotePort], [2, 2, 17, 40_001, 5353])
        XCTAssertEqual(e.localAddr, [10, 1, 2, 3]); XCTAssertEqual(e.remoteAddr, [110, 101, 102, 103])
        XCTAssertEqual(KernelRecord.sendto(e).probe, .sendto)
        put(UInt16(10), D.sockFamily, in: &r)
        guard case .sendto(let six) = try D.decode(r) else { return XCTFail() }
        XCTAssertEqual([six.localAddr.count, six.remoteAddr.count], [16, 16])
        put(KernelSyscall.listen.rawValue, D.offSyscall, in: &r)
        XCTAssertThrowsError(try D.decode(r)) {
            XCTAssertEqual($0 as? RecordDecodeError, .unexpectedSyscall(kind: D.kindSendto, syscall: KernelSyscall.listen.rawValue))
        }
        XCTAssertThrowsError(try D.decode(Array(r.prefix(D.sockUnixPath - 1))))
    }

    func testExitPtraceMountDecode() throws {
        var e = record(kind: D.kindExit, size: MemoryLayout<infrasight_exit_event>.size, syscall: 0)
        put(UInt32((3 << 8)), D.exitStatus, in: &e)
        guard case .exit(let x) = try D.decode(e) else { return XCTFail() }
        XCTAssertEqual([x.exitCode, x.signal], [3, 0]); XCTAssertFalse(x.coreDumped)
        put(UInt32(0x80 | 11), D.exitStatus, in: &e)
        guard case .exit(let y) = try D.decode(e) else { return XCTFail() }
        XCTAssertEqual([y.exitCode, y.signal], [0, 11]); XCTAssertTrue(y.coreDumped)

        var p = record(kind: D.kindPtrace, size: MemoryLayout<infrasight_ptrace_event>.size, syscall: 11)
        put(Int64(16), D.ptraceRequest, in: &p); put(UInt32(99), D.ptraceTarget, in: &p)
        put(UInt64(1), D.ptraceAddr, in: &p); put(UInt64(2), D.ptraceData, in: &p)
        guard case .ptrace(let t) = try D.decode(p) else { return XCTFail() }
        XCTAssertEqual(t.request, 16); XCTAssertEqual(t.targetPid, 99); XCTAssertEqual([t.addr, t.data], [1, 2])

        var m = record(kind: D.kindMount, size: MemoryLayout<infrasight_mount_event>.size, syscall: 12)
        putString("none", D.mountSource, in: &m); put(UInt32(4), D.mountSourceLen, in: &m)
        putString("/mnt", D.mountTarget, in: &m); put(UInt32(4), D.mountTargetLen, in: &m)
        putString("tmpfs", D.mountFsType, in: &m); put(UInt32(5), D.mountFsTypeLen, in: &m)
        put(UInt64(6), D.mountFlags, in: &m)
        guard case .mount(let n) = try D.decode(m) else { return XCTFail() }
        XCTAssertEqual([n.source, n.target, n.fsType], ["none", "/mnt", "tmpfs"])
        XCTAssertEqual(n.syscall, .mount); XCTAssertEqual(n.flags, 6); XCTAssertFalse(n.truncated)
    }

    func testSetidRecordsDecodeWithUnchangedIdsAsMinusOne() throws {
        let size = MemoryLayout<infrasight_setid_event>.size
        var r = record(kind: D.kindSetid, size: size, syscall: KernelSyscall.setresuid.rawValue)
        for (i, v) in [UInt32(65534), 0, 65534, 100, 101, 102].enumerated() { put(v, D.setidOldIds + 4 * i, in: &r) }
        put(UInt32.max, D.setidNewIds, in: &r); put(UInt32(0), D.setidNewIds + 4, in: &r)
        put(UInt32(4_294_967_294), D.setidNewIds + 8, in: &r)
        guard case .setid(let s) = try D.decode(r) else { return XCTFail() }
        XCTAssertEqual(s.syscall, .setresuid); XCTAssertTrue(s.changesUids); XCTAssertFalse(s.changesGids)
        XCTAssertEqual([s.oldUid, s.oldEuid, s.oldSuid, s.oldGid, s.oldEgid, s.oldSgid], [65534, 0, 65534, 100, 101, 102])
        XCTAssertEqual([s.newReal, s.newEffective, s.newSaved], [-1, 0, 4_294_967_294], "only (uid_t)-1 reads as -1")
        XCTAssertEqual(s.common.ret, -2); XCTAssertEqual(s.common.pid, 10); XCTAssertEqual(s.common.comm, "comm")

        var c = record(kind: D.kindSetid, size: size, syscall: KernelSyscall.capset.rawValue,
                       flags: RecordFlags.capsReadFailed.rawValue)
        for o in [D.setidNewIds, D.setidNewIds + 4, D.setidNewIds + 8] { put(UInt32.max, o, in: &c) }
        put(UInt32(0x2008_0522), D.setidCapVersion, in: &c); put(Int32(-7), D.setidCapPid, in: &c)
        for (i, v) in [UInt64(1), 2, 3, 1 << 40, 1 << 41, 1 << 33].enumerated() { put(v, D.setidOldCaps + 8 * i, in: &c) }
        guard case .setid(let t) = try D.decode(c) else { return XCTFail() }
        XCTAssertEqual(t.syscall, .capset); XCTAssertFalse(t.changesUids || t.changesGids)
        XCTAssertEqual([t.oldCapEffective, t.oldCapPermitted, t.oldCapInheritable], [1, 2, 3])
        XCTAssertEqual([t.capEffective, t.capPermitted, t.capInheritable], [1 << 40, 1 << 41, 1 << 33])
        XCTAssertEqual(t.capVersion, 0x2008_0522); XCTAssertEqual(t.capPid, -7)
        XCTAssertEqual([t.newReal, t.newEffective, t.newSaved], [-1, -1, -1])
        XCTAssertTrue(t.common.flags.contains(.capsReadFailed))

        XCTAssertThrowsError(try D.decode(Array(r.dropLast())), "a cut setid record")
        var wrong = r
        put(KernelSyscall.ptrace.rawValue, D.offSyscall, in: &wrong)
        XCTAssertThrowsError(try D.decode(wrong), "a ptrace syscall id in a setid record")
        for id in KernelSyscall.allCases {
            var any = r
            put(id.rawValue, D.offSyscall, in: &any)
            let decoded = try? D.decode(any)
            XCTAssertEqual(decoded != nil, (KernelSyscall.setuid ... .capset).contains(id), "\(id)")
        }
    }

    func testMalformedRecordsThrow() {
        XCTAssertThrowsError(try D.decode([UInt8]()))
        XCTAssertThrowsError(try D.decode([1, 0, 99, 0]))                 // unknown kind
        var b = record(kind: D.kindOpen, size: D.openPath, syscall: 2)
        XCTAssertThrowsError(try D.decode(Array(b.dropLast())))           // shorter than the fixed part
        b[0] = 9
        XCTAssertThrowsError(try D.decode(b))                              // version
        b[0] = 1
        b[60] = 9                                                          // chmod syscall in an open record
        XCTAssertThrowsError(try D.decode(b))
        XCTAssertThrowsError(try D.decode(record(kind: D.kindExit, size: 80, syscall: 0)))
    }

    func testRandomBytesNeverCrash() {
        var rng = SystemRandomNumberGenerator()
        for i in 0 ..< 3_000 {
            let kind = UInt16(i % 9)
            let size = Int.random(in: 0 ... 1300, using: &rng)
            var b = (0 ..< size).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            if size >= 4 { b[0] = 1; b[1] = 0; b[2] = UInt8(kind); b[3] = 0 }
            if size >= 64, i % 2 == 0 { b[60] = UInt8.random(in: 0 ... 14, using: &rng); b[61] = 0; b[62] = 0; b[63] = 0 }
            _ = try? D.decode(b)
        }
    }
}
