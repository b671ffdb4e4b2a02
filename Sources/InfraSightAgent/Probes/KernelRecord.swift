import InfraSightCore

/// Syscall ids of the records (`enum infrasight_syscall` in `bpf/include/infrasight_event.h`).
public enum KernelSyscall: UInt32, Sendable, CaseIterable, Comparable {
    case open = 1, openat = 2, openat2 = 3
    case chmod = 4, fchmod = 5, fchmodat = 6, fchmodat2 = 7
    case connect = 8, accept = 9, accept4 = 10
    case ptrace = 11, mount = 12, umount2 = 13, fsopen = 14, fsmount = 15, moveMount = 16, openTree = 17
    /// An open-kind record outside open's range (`KernelRecordDecoder` admits it by name).
    case memfdCreate = 18
    case setuid = 30, setgid = 31, setreuid = 32, setregid = 33, setresuid = 34, setresgid = 35, capset = 36
    case dup = 37, dup2 = 38, dup3 = 39, fcntl = 40
    case socket = 41
    case symlink = 42, symlinkat = 43, link = 44, linkat = 45, unlink = 46, unlinkat = 47
    case rename = 48, renameat = 49, renameat2 = 50
    case bind = 51, listen = 52
    case sendto = 53, sendmsg = 54, sendmmsg = 55
    case initModule = 56, finitModule = 57, bpf = 58

    /// By id: each kind's syscalls are one contiguous range of ids.
    public static func < (a: KernelSyscall, b: KernelSyscall) -> Bool { a.rawValue < b.rawValue }

    /// The syscall's name as user space knows it ("umount2", not the kernel's "umount").
    /// A literal per case: `String(describing:)` reflected on every event (~10% of the agent's CPU, see BENCHMARKS.md).
    public var name: String {
        switch self {
        case .open: return "open"
        case .openat: return "openat"
        case .openat2: return "openat2"
        case .chmod: return "chmod"
        case .fchmod: return "fchmod"
        case .fchmodat: return "fchmodat"
        case .fchmodat2: return "fchmodat2"
        case .connect: return "connect"
        case .accept: return "accept"
        case .accept4: return "accept4"
        case .ptrace: return "ptrace"
        case .mount: return "mount"
        case .umount2: return "umount2"
        case .fsopen: return "fsopen"
        case .fsmount: return "fsmount"
        case .moveMount: return "move_mount"
        case .openTree: return "open_tree"
        case .memfdCreate: return "memfd_create"
        case .setuid: return "setuid"
        case .setgid: return "setgid"
        case .setreuid: return "setreuid"
        case .setregid: return "setregid"
        case .setresuid: return "setresuid"
        case .setresgid: return "setresgid"
        case .capset: return "capset"
        case .dup: return "dup"
        case .dup2: return "dup2"
        case .dup3: return "dup3"
        case .fcntl: return "fcntl"
        case .socket: return "socket"
        case .symlink: return "symlink"
        case .symlinkat: return "symlinkat"
        case .link: return "link"
        case .linkat: return "linkat"
        case .unlink: return "unlink"
        case .unlinkat: return "unlinkat"
        case .rename: return "rename"
        case .renameat: return "renameat"
        case .renameat2: return "renameat2"
        case .bind: return "bind"
        case .listen: return "listen"
        case .sendto: return "sendto"
        case .sendmsg: return "sendmsg"
        case .sendmmsg: return "sendmmsg"
        case .initModule: return "init_module"
        case .finitModule: return "finit_module"
        case .bpf: return "bpf"
        }
    }
}

/// Fields every non-exec record carries (`struct infrasight_common`).
public struct KernelCommon: Sendable, Equatable {
    /// CLOCK_BOOTTIME ns at sys_enter (exit record: at the exit).
    public var bootTimeNs: UInt64
    /// sys_enter → sys_exit, ns (0 for exit records).
    public var latencyNs: UInt64
    /// Syscall return value: >= 0 or -errno (0 for exit records).
    public var ret: Int64
    public var cgroupId: UInt64
    /// tgid.
    public var pid: UInt32
    public var tid: UInt32
    public var ppid: UInt32
    public var uid: UInt32
    public var gid: UInt32
    /// Task comm at sys_exit.
    public var comm: String
    /// INFRASIGHT_F_* bits of the record.
    public var flags: RecordFlags

    public init(bootTimeNs: UInt64, latencyNs: UInt64, ret: Int64, cgroupId: UInt64, pid: UInt32, tid: UInt32,
                ppid: UInt32, uid: UInt32, gid: UInt32, comm: String, flags: RecordFlags) {
        self.bootTimeNs = bootTimeNs
        self.latencyNs = latencyNs
        self.ret = ret
        self.cgroupId = cgroupId
        self.pid = pid
        self.tid = tid
        self.ppid = ppid
        self.uid = uid
        self.gid = gid
        self.comm = comm
        self.flags = flags
    }
}

/// Flags of the newer records (INFRASIGHT_F_* bits 8 and up in the shared header).
public struct RecordFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let pathTruncated = RecordFlags(rawValue: 1 << 8)
    public static let pathReadFailed = RecordFlags(rawValue: 1 << 9)
    public static let howReadFailed = RecordFlags(rawValue: 1 << 10)
    public static let addrReadFailed = RecordFlags(rawValue: 1 << 11)
    public static let noSocket = RecordFlags(rawValue: 1 << 12)
    public static let localFromFexit = RecordFlags(rawValue: 1 << 13)
    public static let sourceTruncated = RecordFlags(rawValue: 1 << 14)
    public static let fsTypeTruncated = RecordFlags(rawValue: 1 << 15)
    public static let exitGroupDead = RecordFlags(rawValue: 1 << 16)
    public static let localFromSockState = RecordFlags(rawValue: 1 << 17)
    /// The record's resolved path is the file the syscall reached (open, chmod, exec).
    public static let resolvedFile = RecordFlags(rawValue: 1 << 18)
    /// The record's resolved path is the directory the passed path is relative to (joined in user space).
    public static let resolvedDir = RecordFlags(rawValue: 1 << 19)
    /// The kernel's path walk stopped short (depth or length limit, unreachable root).
    public static let resolvedTruncated = RecordFlags(rawValue: 1 << 20)
    /// setid: capset's header or data was unreadable (the requested sets read as 0).
    public static let capsReadFailed = RecordFlags(rawValue: 1 << 24)
    /// kernel: the module parameter string was longer than its capacity, or unreadable at sys_enter.
    public static let paramsTruncated = RecordFlags(rawValue: 1 << 25)
    public static let paramsReadFailed = RecordFlags(rawValue: 1 << 26)
    /// kernel: bpf()'s union bpf_attr was unreadable at sys_enter (its fields read as 0).
    public static let attrReadFailed = RecordFlags(rawValue: 1 << 27)
}

/// A file event's path as the kernel resolved it at the syscall (`resolved_path` and its two flags in
/// the contract): see `KernelRecordDecoder.resolved` for how it is made from a record.
public struct ResolvedPath: Sendable, Equatable {
    /// Absolute path, empty when the record carries none.
    public var path: String
    /// The passed path joined onto the kernel's cwd / dirfd path and normalised (not the file reached).
    public var lexical: Bool
    /// The kernel's walk (or the passed path, when joined) was cut.
    public var truncated: Bool

    public init(path: String = "", lexical: Bool = false, truncated: Bool = false) {
        self.path = path
        self.lexical = lexical
        self.truncated = truncated
    }

    public static let none = ResolvedPath()
}

/// open / openat / openat2.
public struct KernelOpenEvent: Sendable, Equatable {
    public var common: KernelCommon
    public var syscall: KernelSyscall
    /// Path as passed (not resolved); at most 511 bytes.
    public var path: String
    public var pathTruncated: Bool
    /// AT_FDCWD (-100) for open(2).
    public var dirfd: Int32
    /// O_* flags (openat2: open_how.flags).
    public var flags: UInt64
    public var mode: UInt64
    /// openat2 RESOLVE_* (0 otherwise).
    public var resolve: UInt64
    /// Returned fd, -1 on failure.
    public var fd: Int32
    /// The opened file's path (success) or the passed path joined onto the cwd / dirfd (failure).
    public var resolved: ResolvedPath = .none
}

/// chmod / fchmod / fchmodat / fchmodat2.
public struct KernelChmodEvent: Sendable, Equatable {
    public var common: KernelCommon
    public var syscall: KernelSyscall
    /// Empty for fchmod.
    public var path: String
    public var pathTruncated: Bool
    /// fchmod's fd, fchmodat's dirfd, AT_FDCWD (-100) for chmod.
    public var fd: Int32
    public var mode: UInt32
    /// fchmodat2 AT_* flags.
    public var flags: UInt32
    /// fchmod's file, or the passed path joined onto the cwd / dirfd (lexical).
    public var resolved: ResolvedPath = .none
}

/// connect / accept / accept4.
public struct KernelSocketEvent: Sendable, Equatable {
    public var common: KernelCommon
    public var syscall: KernelSyscall
    /// AF_INET 2, AF_INET6 10, AF_UNIX 1 (0 when unknown).
    public var family: UInt16
    /// SOCK_STREAM 1, SOCK_DGRAM 2, ...
    public var sockType: UInt16
    /// IPPROTO_TCP 6, IPPROTO_UDP 17, 0 (unix).
    public var `protocol`: UInt16
    /// Network order: 4 bytes (AF_INET), 16 (AF_INET6), empty otherwise.
    public var localAddr: [UInt8]
    public var localPort: UInt16
    public var remoteAddr: [UInt8]
    public var remotePort: UInt16
    /// AF_UNIX path (connect: destination; accept: the listener's); abstract names start with "@".
    public var unixPath: String
    /// connect: socket fd; accept: listening fd.
    public var fd: Int32
    /// accept: returned fd (-1 on failure); connect: -1.
    public var newFd: Int32
    /// accept4 flags.
    public var flags: UInt32
}

/// A socket duplicated onto fd 0, 1 or 2: dup / dup2 / dup3 / fcntl F_DUPFD* (the kernel emits no other).
public struct KernelDupEvent: Sendable, Equatable {
    public var common: KernelCommon
    public var syscall: KernelSyscall
    /// The duplicated fd (a socket).
    public var oldfd: Int32
    /// The fd it landed on: dup2/dup3 the one requested, dup/fcntl the one returned.
    public var newfd: Int32
    /// dup3 flags (O_CLOEXEC); fcntl F_DUPFD_CLOEXEC reads as O_CLOEXEC.
    public var flags: UInt32
    /// The socket's family, type, protocol and endpoints, as `KernelSocketEvent` has them.
    public var family: UInt16
    public var sockType: UInt16
    public var `protocol`: UInt16
    public var localAddr: [UInt8]
    public var localPort: UInt16
    public var remoteAddr: [UInt8]
    public var remotePort: UInt16
    public var unixPath: String
}

/// socket(): family, type and protocol as passed (AF_UNIX and AF_NETLINK/NETLINK_ROUTE are not emitted).
public struct KernelSocketCreateEvent: Sendable, Equatable {
    public var common: KernelCommon
    public var family: UInt16
    /// type & SOCK_TYPE_MASK: SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3, ...
    public var sockType: UInt16
    public var `protocol`: UInt16
    public var nonblock: Bool
    public var cloexec: Bool
    /// The fd returned, -1 on failure.
    public var fd: Int32
}

/// A new listener: bind() (the address as passed) or listen() (the socket's bound address, read in
/// the kernel). AF_UNIX and AF_NETLINK are not emitted.
public struct KernelBindEvent: Sendable, Equatable {
    public var common: KernelCommon
    /// .bind or .listen.
    public var syscall: KernelSyscall
    /// The socket's fd.
    public var fd: Int32
    /// bind: the sockaddr's family; listen: the socket's.
    public var family: UInt16
    /// From the kernel socket: SOCK_STREAM 1, SOCK_DGRAM 2, ...; IPPROTO_TCP 6, ...
    public var sockType: UInt16
    public var `protocol`: UInt16
    /// bind: the address and port as passed; listen: the bound ones. 4 or 16 bytes, network order.
    public var addr: [UInt8]
    public var port: UInt16
    /// listen's backlog as passed (0 for bind).
    public var backlog: Int32
}

/// A datagram sent to an explicit AF_INET / AF_INET6 destination: sendto, sendmsg, sendmmsg (the
/// first message's destination) with an address; connected sends are not emitted.
public struct KernelSendtoEvent: Sendable, Equatable {
    public var common: KernelCommon
    /// .sendto, .sendmsg or .sendmmsg.
    public var syscall: KernelSyscall
    public var fd: Int32
    /// The destination's family, address (4 or 16 bytes, network order) and port, as passed.
    public var family: UInt16
    public var remoteAddr: [UInt8]
    public var remotePort: UInt16
    /// From the kernel socket: type, protocol, local address (the destination's length) and port.
    public var sockType: UInt16
    public var `protocol`: UInt16
    public var localAddr: [UInt8]
    public var localPort: UInt16
    /// MSG_* flags of the call.
    public var flags: UInt32
    /// Messages asked for: 1, or sendmmsg's vlen.
    public var count: UInt32
}

/// Kernel reach, recorded at the attempt (sys_enter: ret and latency are 0): a module load
/// (init_module, finit_module) or a BPF program load (bpf with BPF_PROG_LOAD).
public struct KernelReachEvent: Sendable, Equatable {
    public var common: KernelCommon
    /// .initModule, .finitModule or .bpf.
    public var syscall: KernelSyscall
    /// finit_module's fd (-1 for the others).
    public var fd: Int32
    /// finit_module: the path of the file open as fd, read in the kernel (`ResolvedPath.none` otherwise).
    public var resolved: ResolvedPath
    /// finit_module's flags (MODULE_INIT_*).
    public var moduleFlags: UInt32
    /// init_module's image length.
    public var imageLen: UInt64
    /// The module parameter string as passed (uargs), at most 255 bytes.
    public var params: String
    public var paramsTruncated: Bool
    /// bpf(BPF_PROG_LOAD): from the caller's union bpf_attr.
    public var progType: UInt32
    public var insnCnt: UInt32
    public var expectedAttachType: UInt32
    public var progFlags: UInt32
    public var progName: String
}

/// Process exit (last thread of the process).
public struct KernelExitEvent: Sendable, Equatable {
    public var common: KernelCommon
    /// task->exit_code as the kernel keeps it (wait(2) status).
    public var exitStatus: UInt32
    public var exitCode: Int32 { Int32((exitStatus >> 8) & 0xff) }
    public var signal: Int32 { Int32(exitStatus & 0x7f) }
    public var coreDumped: Bool { exitStatus & 0x80 != 0 }
}

/// ptrace.
public struct KernelPtraceEvent: Sendable, Equatable {
    public var common: KernelCommon
    public var request: Int64
    public var targetPid: UInt32
    public var addr: UInt64
    public var data: UInt64
}

/// mount / umount2, and the new mount API (fsopen, fsmount, open_tree, move_mount): one family, so a
/// rule on mounts sees both ways of doing one.
public struct KernelMountEvent: Sendable, Equatable {
    public var common: KernelCommon
    public var syscall: KernelSyscall
    /// mount's source; open_tree's and move_mount's from-path as passed (empty for the others).
    public var source: String
    /// mount's and umount2's target; move_mount's to-path as passed (empty for the others).
    public var target: String
    /// mount's file system type; fsopen's fs name.
    public var fsType: String
    /// mount: MS_*; umount2: MNT_* / UMOUNT_*; fsopen: FSOPEN_*; fsmount: MOUNT_ATTR_*; open_tree: OPEN_TREE_*
    /// and AT_*; move_mount: MOVE_MOUNT_*.
    public var flags: UInt64
    /// source, target or fs type was cut.
    public var truncated: Bool
}

/// set*id / capset: the caller's credentials before the call and what it asked for.
public struct KernelSetidEvent: Sendable, Equatable {
    /// The value of an id argument meaning "leave unchanged" (and of ids the call does not take).
    public static let unchanged: Int64 = -1

    public var common: KernelCommon
    public var syscall: KernelSyscall
    /// Credentials before the call (capset: at its exit; capset does not change ids).
    public var oldUid: UInt32
    public var oldEuid: UInt32
    public var oldSuid: UInt32
    public var oldGid: UInt32
    public var oldEgid: UInt32
    public var oldSgid: UInt32
    /// Requested ids in argument order (uids for set*uid, gids for set*gid), -1 = unchanged / not an
    /// argument: setuid/setgid fill `newReal` only, setre*id real and effective, setres*id all three.
    public var newReal: Int64
    public var newEffective: Int64
    public var newSaved: Int64
    /// capset: the requested sets (0 for set*id or when unreadable).
    public var capEffective: UInt64
    public var capPermitted: UInt64
    public var capInheritable: UInt64
    /// capset: the sets before the call (0 for set*id).
    public var oldCapEffective: UInt64
    public var oldCapPermitted: UInt64
    public var oldCapInheritable: UInt64
    /// capset header: version and target pid (0 = self).
    public var capVersion: UInt32
    public var capPid: Int32

    /// Whether the call changes uids (setuid, setreuid, setresuid).
    public var changesUids: Bool { syscall == .setuid || syscall == .setreuid || syscall == .setresuid }
    /// Whether the call changes gids (setgid, setregid, setresgid).
    public var changesGids: Bool { syscall == .setgid || syscall == .setregid || syscall == .setresgid }
}

/// A link or a removal (symlink*, link*, unlink*, rename*): the two paths as passed and resolved.
/// Why: a name created over, or removed from, a sensitive place is judged by where it lands.
public struct KernelLinkEvent: Sendable, Equatable {
    public var common: KernelCommon
    public var syscall: KernelSyscall
    /// The name created or removed: symlink's linkpath, link's and rename's newpath, unlink's pathname.
    public var path: String
    public var pathTruncated: Bool
    /// symlink's target, link's and rename's oldpath; empty for unlink.
    public var oldPath: String
    public var oldPathTruncated: Bool
    /// Their lookup directories: AT_FDCWD (-100) without a dirfd (old: also for symlink*).
    public var dirfd: Int32
    public var oldDirfd: Int32
    /// linkat AT_*, unlinkat AT_REMOVEDIR, renameat2 RENAME_*.
    public var flags: UInt32
    /// `path` joined onto its directory (lexical).
    public var resolved: ResolvedPath = .none
    /// `oldPath` joined onto its directory; symlink: the target relative to the link's directory.
    public var oldResolved: ResolvedPath = .none
}

/// One decoded ring-buffer record of any probe.
public enum KernelRecord: Sendable, Equatable {
    case exec(KernelExecEvent)
    case open(KernelOpenEvent)
    case chmod(KernelChmodEvent)
    case socket(KernelSocketEvent)
    case exit(KernelExitEvent)
    case ptrace(KernelPtraceEvent)
    case mount(KernelMountEvent)
    case setid(KernelSetidEvent)
    case dup(KernelDupEvent)
    case socketCreate(KernelSocketCreateEvent)
    case link(KernelLinkEvent)
    case bind(KernelBindEvent)
    case sendto(KernelSendtoEvent)
    case kernel(KernelReachEvent)

    /// The probe (and so the topic) this record belongs to.
    public var probe: Probe {
        switch self {
        case .exec: return .execve
        case .open: return .open
        case .chmod: return .chmod
        case .socket(let s): return s.syscall == .connect ? .connect : .accept
        case .exit: return .exit
        case .ptrace: return .ptrace
        case .mount: return .mount
        case .setid: return .setid
        case .dup: return .dup
        case .socketCreate: return .socket
        case .link: return .link
        case .bind: return .bind
        case .sendto: return .sendto
        case .kernel: return .kernel
        }
    }

    /// Common fields (exec's converted).
    public var common: KernelCommon {
        switch self {
        case .exec(let e):
            return KernelCommon(bootTimeNs: e.bootTimeNs, latencyNs: e.latencyNs, ret: e.ret, cgroupId: e.cgroupId,
                                pid: e.pid, tid: e.tid, ppid: e.ppid, uid: e.uid, gid: e.gid, comm: e.comm,
                                flags: RecordFlags(rawValue: e.flags.rawValue))
        case .open(let e): return e.common
        case .chmod(let e): return e.common
        case .socket(let e): return e.common
        case .exit(let e): return e.common
        case .ptrace(let e): return e.common
        case .mount(let e): return e.common
        case .setid(let e): return e.common
        case .dup(let e): return e.common
        case .socketCreate(let e): return e.common
        case .link(let e): return e.common
        case .bind(let e): return e.common
        case .sendto(let e): return e.common
        case .kernel(let e): return e.common
        }
    }
}
