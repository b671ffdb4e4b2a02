/// One execve as the kernel reported it (decoded from the shared C layout).
///
/// Strings are decoded as UTF-8 (invalid sequences become U+FFFD). Which memory the strings come
/// from (the new image after success, the caller's pointers after a failure) is documented in
/// `bpf/include/infrasight_event.h`. After a successful exec `argv` is the new image's argv, so for
/// a `#!` script it is the interpreter's (`/bin/sh script args...`). Limits: 64 args, 4096 bytes
/// (argv[] strings incl. NULs), filename and resolved path 511 bytes; beyond them values are cut and flagged.
public struct KernelExecEvent: Sendable, Equatable {
    /// CLOCK_BOOTTIME ns at sys_enter.
    public var bootTimeNs: UInt64
    /// sys_enter → sys_exit, ns.
    public var latencyNs: UInt64
    /// Process id (tgid).
    public var pid: UInt32
    /// Thread that called exec (as it was at sys_enter).
    public var tid: UInt32
    /// real_parent's tgid.
    public var ppid: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var cgroupId: UInt64
    /// Syscall return value: 0 or -errno.
    public var ret: Int64
    /// Task comm at sys_exit (the new image's comm after a successful exec).
    public var comm: String
    public var filename: String
    public var argv: [String]
    /// More arguments or bytes than the limits (64 args / 4096 bytes), or a cut record.
    public var argvTruncated: Bool
    /// All flags of the record (INFRASIGHT_F_* from the shared header).
    public var flags: ExecEventFlags
    /// The binary as the kernel resolved it: the new image's file after success, else the passed
    /// filename joined onto the cwd / dirfd (lexical).
    public var resolved: ResolvedPath

    public init(bootTimeNs: UInt64, latencyNs: UInt64, pid: UInt32, tid: UInt32, ppid: UInt32,
                uid: UInt32, gid: UInt32, cgroupId: UInt64, ret: Int64, comm: String,
                filename: String, argv: [String], argvTruncated: Bool, flags: ExecEventFlags = [],
                resolved: ResolvedPath = .none) {
        self.bootTimeNs = bootTimeNs
        self.latencyNs = latencyNs
        self.pid = pid
        self.tid = tid
        self.ppid = ppid
        self.uid = uid
        self.gid = gid
        self.cgroupId = cgroupId
        self.ret = ret
        self.comm = comm
        self.filename = filename
        self.argv = argv
        self.argvTruncated = argvTruncated
        self.flags = flags
        self.resolved = resolved
    }

    /// True when the exec succeeded (ret == 0).
    public var succeeded: Bool { ret == 0 }
}

/// Flags of an exec record, mirroring INFRASIGHT_F_* in `bpf/include/infrasight_event.h`.
public struct ExecEventFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// More args (> 64) or bytes (> 4096) than captured, or the record was cut.
    public static let argvTruncated = ExecEventFlags(rawValue: 1 << 0)
    /// Filename longer than 511 bytes.
    public static let filenameTruncated = ExecEventFlags(rawValue: 1 << 1)
    /// The argv memory could not be read (argv incomplete or empty).
    public static let argvReadFailed = ExecEventFlags(rawValue: 1 << 2)
    /// The filename memory could not be read (filename empty).
    public static let filenameReadFailed = ExecEventFlags(rawValue: 1 << 3)
    /// Strings were read from the new image (successful exec).
    public static let argvFromNewImage = ExecEventFlags(rawValue: 1 << 4)
    /// The syscall was execveat(2).
    public static let execveat = ExecEventFlags(rawValue: 1 << 5)
    /// The resolved path is the new image's file (successful exec).
    public static let resolvedFile = ExecEventFlags(rawValue: 1 << 18)
    /// The resolved path is the cwd / dirfd the passed filename was looked up from (failed exec).
    public static let resolvedDir = ExecEventFlags(rawValue: 1 << 19)
    /// The kernel's path walk stopped short.
    public static let resolvedTruncated = ExecEventFlags(rawValue: 1 << 20)
    /// The new image's file has no name left: removed while open, or a memfd (fileless execution).
    public static let exeUnlinked = ExecEventFlags(rawValue: 1 << 21)
    /// The new image's file is a memfd (memfd_create).
    public static let exeMemfd = ExecEventFlags(rawValue: 1 << 22)
}
