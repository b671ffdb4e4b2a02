/// Symbolic names of Linux error numbers, for turning a syscall's negative return value into
/// `ENOENT`, `EAGAIN`, ….
///
/// Covers the complete user-visible table of x86_64 (which uses asm-generic), 1…133 (`EPERM` …
/// `EHWPOISON`; 41 and 58 are unassigned there, and the aliases `EWOULDBLOCK` = `EAGAIN`,
/// `EDEADLOCK` = `EDEADLK`, `ENOTSUP` = `EOPNOTSUPP` resolve to the canonical name), plus the
/// kernel-internal codes 512…531 from the kernel's include/linux/errno.h (`ERESTARTSYS` …
/// `ENOGRACE`; 520 is unassigned), which user space never sees but which do show up at
/// `sys_exit` tracepoints, e.g. when a blocking syscall is interrupted by a signal and restarted.
public enum ErrnoName {
    /// Largest value the kernel ever returns as an error (`MAX_ERRNO`); syscall return values
    /// in -4095…-1 are errors.
    public static let maxErrno: Int64 = 4095

    /// The name of error number `errno` (positive), or nil if it has none.
    public static func name(for errno: Int32) -> String? {
        if errno > 0 && Int(errno) < userVisible.count { return userVisible[Int(errno)] }
        let internalIndex = Int(errno) - kernelInternalBase
        if internalIndex >= 0 && internalIndex < kernelInternal.count { return kernelInternal[internalIndex] }
        return nil
    }

    /// The error name for a raw syscall return value: a value in -4095…-1 is the negated error
    /// number, so -2 gives `ENOENT`. Success values (≥ 0, e.g. a byte count or a file
    /// descriptor) and unnamed codes give nil.
    public static func name(forReturnCode ret: Int64) -> String? {
        guard ret < 0, ret >= -maxErrno else { return nil }
        return name(for: Int32(-ret))
    }

    /// asm-generic/errno-base.h and asm-generic/errno.h, indexed by number (index 0 unused).
    static let userVisible: [String?] = [
        nil,                 // 0
        "EPERM",             // 1
        "ENOENT",            // 2
        "ESRCH",             // 3
        "EINTR",             // 4
        "EIO",               // 5
        "ENXIO",             // 6
        "E2BIG",             // 7
        "ENOEXEC",           // 8
        "EBADF",             // 9
        "ECHILD",            // 10
        "EAGAIN",            // 11
        "ENOMEM",            // 12
        "EACCES",            // 13
        "EFAULT",            // 14
        "ENOTBLK",           // 15
        "EBUSY",             // 16
        "EEXIST",            // 17
        "EXDEV",             // 18
        "ENODEV",            // 19
        "ENOTDIR",           // 20
        "EISDIR",            // 21
        "EINVAL",            // 22
        "ENFILE",            // 23
        "EMFILE",            // 24
        "ENOTTY",            // 25
        "ETXTBSY",           // 26
        "EFBIG",             // 27
        "ENOSPC",            // 28
        "ESPIPE",            // 29
        "EROFS",             // 30
        "EMLINK",            // 31
        "EPIPE",             // 32
        "EDOM",              // 33
        "ERANGE",            // 34
        "EDEADLK",           // 35
        "ENAMETOOLONG",      // 36
        "ENOLCK",            // 37
        "ENOSYS",            // 38
        "ENOTEMPTY",         // 39
        "ELOOP",             // 40
        nil,                 // 41
        "ENOMSG",            // 42
        "EIDRM",             // 43
        "ECHRNG",            // 44
        "EL2NSYNC",          // 45
        "EL3HLT",            // 46
        "EL3RST",            // 47
        "ELNRNG",            // 48
        "EUNATCH",           // 49
        "ENOCSI",            // 50
        "EL2HLT",            // 51
        "EBADE",             // 52
        "EBADR",             // 53
        "EXFULL",            // 54
        "ENOANO",            // 55
        "EBADRQC",           // 56
        "EBADSLT",           // 57
        nil,                 // 58
        "EBFONT",            // 59
        "ENOSTR",            // 60
        "ENODATA",           // 61
        "ETIME",             // 62
        "ENOSR",             // 63
        "ENONET",            // 64
        "ENOPKG",            // 65
        "EREMOTE",           // 66
        "ENOLINK",           // 67
        "EADV",              // 68
        "ESRMNT",            // 69
        "ECOMM",             // 70
        "EPROTO",            // 71
        "EMULTIHOP",         // 72
        "EDOTDOT",           // 73
        "EBADMSG",           // 74
        "EOVERFLOW",         // 75
        "ENOTUNIQ",          // 76
        "EBADFD",            // 77
        "EREMCHG",           // 78
        "ELIBACC",           // 79
        "ELIBBAD",           // 80
        "ELIBSCN",           // 81
        "ELIBMAX",           // 82
        "ELIBEXEC",          // 83
        "EILSEQ",            // 84
        "ERESTART",          // 85
        "ESTRPIPE",          // 86
        "EUSERS",            // 87
        "ENOTSOCK",          // 88
        "EDESTADDRREQ",      // 89
        "EMSGSIZE",          // 90
        "EPROTOTYPE",        // 91
        "ENOPROTOOPT",       // 92
        "EPROTONOSUPPORT",   // 93
        "ESOCKTNOSUPPORT",   // 94
        "EOPNOTSUPP",        // 95
        "EPFNOSUPPORT",      // 96
        "EAFNOSUPPORT",      // 97
        "EADDRINUSE",        // 98
        "EADDRNOTAVAIL",     // 99
        "ENETDOWN",          // 100
        "ENETUNREACH",       // 101
        "ENETRESET",         // 102
        "ECONNABORTED",      // 103
        "ECONNRESET",        // 104
        "ENOBUFS",           // 105
        "EISCONN",           // 106
        "ENOTCONN",          // 107
        "ESHUTDOWN",         // 108
        "ETOOMANYREFS",      // 109
        "ETIMEDOUT",         // 110
        "ECONNREFUSED",      // 111
        "EHOSTDOWN",         // 112
        "EHOSTUNREACH",      // 113
        "EALREADY",          // 114
        "EINPROGRESS",       // 115
        "ESTALE",            // 116
        "EUCLEAN",           // 117
        "ENOTNAM",           // 118
        "ENAVAIL",           // 119
        "EISNAM",            // 120
        "EREMOTEIO",         // 121
        "EDQUOT",            // 122
        "ENOMEDIUM",         // 123
        "EMEDIUMTYPE",       // 124
        "ECANCELED",         // 125
        "ENOKEY",            // 126
        "EKEYEXPIRED",       // 127
        "EKEYREVOKED",       // 128
        "EKEYREJECTED",      // 129
        "EOWNERDEAD",        // 130
        "ENOTRECOVERABLE",   // 131
        "ERFKILL",           // 132
        "EHWPOISON",         // 133
    ]

    /// First kernel-internal code (`ERESTARTSYS`).
    static let kernelInternalBase = 512

    /// include/linux/errno.h (kernel-internal, "should never be seen by user programs"),
    /// indexed by number − 512.
    static let kernelInternal: [String?] = [
        "ERESTARTSYS",           // 512
        "ERESTARTNOINTR",        // 513
        "ERESTARTNOHAND",        // 514: restart if no handler
        "ENOIOCTLCMD",           // 515: no ioctl command
        "ERESTART_RESTARTBLOCK", // 516: restart by calling sys_restart_syscall
        "EPROBE_DEFER",          // 517: driver requests probe retry
        "EOPENSTALE",            // 518: open found a stale dentry
        "ENOPARAM",              // 519: parameter not supported
        nil,                     // 520: unassigned
        "EBADHANDLE",            // 521: illegal NFS file handle
        "ENOTSYNC",              // 522: update synchronization mismatch
        "EBADCOOKIE",            // 523: cookie is stale
        "ENOTSUPP",              // 524: operation is not supported
        "ETOOSMALL",             // 525: buffer or request is too small
        "ESERVERFAULT",          // 526: an untranslatable error occurred
        "EBADTYPE",              // 527: type not supported by server
        "EJUKEBOX",              // 528: request initiated, but will not complete before timeout
        "EIOCBQUEUED",           // 529: iocb queued, will get completion event
        "ERECALLCONFLICT",       // 530: conflict with recalled state
        "ENOGRACE",              // 531: NFS file lock reclaim refused
    ]
}
