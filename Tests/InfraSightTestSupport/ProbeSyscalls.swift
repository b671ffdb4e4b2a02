import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Raw syscalls for the probe tests (glibc routes open() through openat and accept() through
/// accept4 on some builds; the tests need each syscall exactly). `syscall(2)` is variadic, which
/// Swift cannot call, so it is looked up with dlsym and called through a fixed 6-argument pointer
/// (same registers on x86-64; glibc's syscall() is plain assembly that ignores %al).
public enum ProbeSyscalls {
    typealias Fn = @convention(c) (Int, Int, Int, Int, Int, Int, Int) -> Int
    nonisolated(unsafe) static let fn: Fn = {
        guard let sym = dlsym(nil, "syscall") else { fatalError("dlsym(syscall) failed") }
        return unsafeBitCast(sym, to: Fn.self)
    }()

    #if arch(x86_64)
    public static let open = 2, chmod = 90, fchmod = 91, fchmodat = 268, fchmodat2 = 452, openat = 257, openat2 = 437
    public static let connect = 42, accept = 43, accept4 = 288, ptrace = 101, mount = 165, umount2 = 166
    public static let setuid = 105, setgid = 106, setreuid = 113, setregid = 114, setresuid = 117, setresgid = 119
    public static let capget = 125, capset = 126
    public static let dup = 32, dup2 = 33, dup3 = 292, fcntl = 72, socket = 41
    public static let memfdCreate = 319, MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2
    public static let openTree = 428, moveMount = 429, fsopen = 430, fsconfig = 431, fsmount = 432
    /// The new mount API's constants (linux/mount.h).
    public static let FSCONFIG_CMD_CREATE = 6, MOUNT_ATTR_NOEXEC = 0x8, MOVE_MOUNT_F_EMPTY_PATH = 0x4
    public static let OPEN_TREE_CLONE = 1, OPEN_TREE_CLOEXEC = 0o2000000
    public static let symlink = 88, symlinkat = 266, link = 86, linkat = 265, unlink = 87, unlinkat = 263
    public static let rename = 82, renameat = 264, renameat2 = 316
    public static let bind = 49, listen = 50, sendto = 44, sendmsg = 46, sendmmsg = 307
    public static let initModule = 175, finitModule = 313, bpf = 321
    #endif

    /// O_PATH (0o10000000), not exported by the Glibc module.
    public static let O_PATH: Int32 = 0o10000000
    public static func gettid() -> Int32 { Int32(call(186)) }

    /// Returns the raw result: >= 0, or -errno.
    @discardableResult
    public static func call(_ nr: Int, _ a: Int = 0, _ b: Int = 0, _ c: Int = 0, _ d: Int = 0, _ e: Int = 0, _ f: Int = 0) -> Int {
        let r = fn(nr, a, b, c, d, e, f)
        return r == -1 ? -Int(errno) : r
    }

    /// Calls with a C string argument kept alive for the call.
    public static func withPath<R>(_ path: String, _ body: (Int) -> R) -> R {
        path.withCString { body(Int(bitPattern: UnsafeRawPointer($0))) }
    }

    /// posix_spawn of `argv` (no shell); returns the pid.
    public static func spawn(_ argv: [String]) -> pid_t {
        var pid: pid_t = 0
        var cargs = argv.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        let rc = posix_spawn(&pid, argv[0], nil, nil, &cargs, environ)
        precondition(rc == 0, "posix_spawn \(argv) failed: \(rc)")
        return pid
    }

    /// waitpid until the child ends; returns the raw status.
    @discardableResult
    public static func wait(_ pid: pid_t, options: Int32 = 0) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, options) == -1 && errno == EINTR {}
        return status
    }
}

/// Loopback sockets for the connect/accept tests.
public enum ProbeSockets {
    public static func ipv4Loopback(port: UInt16) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return a
    }

    public static func ipv6Loopback(port: UInt16) -> sockaddr_in6 {
        var a = sockaddr_in6()
        a.sin6_family = sa_family_t(AF_INET6)
        a.sin6_port = port.bigEndian
        a.sin6_addr = in6addr_loopback
        return a
    }

    /// A bound (and for streams listening) socket on loopback; returns (fd, port).
    public static func bound(family: Int32, type: Int32, listen doListen: Bool = true) -> (Int32, UInt16) {
        let fd = socket(family, type, 0)
        precondition(fd >= 0, "socket: \(errno)")
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if family == AF_INET {
            var a = ipv4Loopback(port: 0)
            let rc = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            precondition(rc == 0, "bind: \(errno)")
        } else {
            var a = ipv6Loopback(port: 0)
            let rc = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
            precondition(rc == 0, "bind: \(errno)")
        }
        if doListen { precondition(listen(fd, 16) == 0, "listen: \(errno)") }
        return (fd, localPort(fd))
    }

    public static func localPort(_ fd: Int32) -> UInt16 {
        var ss = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &ss) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return withUnsafeBytes(of: &ss) { UInt16(bigEndian: $0.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) }
    }

    /// connect(2) through libc (the connect syscall on x86-64); returns 0 or -errno.
    public static func connectTo(_ fd: Int32, family: Int32, port: UInt16) -> Int32 {
        let rc: Int32
        if family == AF_INET {
            var a = ipv4Loopback(port: port)
            rc = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        } else {
            var a = ipv6Loopback(port: port)
            rc = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        }
        return rc == 0 ? 0 : -errno
    }

    public static func unixAddress(_ path: String) -> (sockaddr_un, socklen_t) {
        var a = sockaddr_un()
        a.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &a.sun_path) { buf in
            for (i, b) in bytes.enumerated() where i < buf.count - 1 { buf[i] = b }
        }
        return (a, socklen_t(2 + bytes.count + 1))
    }

    public static func unixListener(_ path: String) -> Int32 {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var (a, len) = unixAddress(path)
        let rc = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        precondition(rc == 0 && listen(fd, 4) == 0, "unix listener: \(errno)")
        return fd
    }

    public static func unixConnect(_ fd: Int32, _ path: String) -> Int32 {
        var (a, len) = unixAddress(path)
        let rc = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, len) } }
        return rc == 0 ? 0 : -errno
    }
}
