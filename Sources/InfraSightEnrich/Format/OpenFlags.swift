/// Symbolic text for the flag words of `open`/`openat`/`openat2` (`O_*`, `RESOLVE_*`) and of the
/// `*at` syscalls (`AT_*`), using the Linux x86_64 (asm-generic) values.
///
/// Format: names joined by `|`, no spaces. An open flag word always starts with its access mode
/// (`O_RDONLY`, `O_WRONLY`, `O_RDWR`, or `O_ACCMODE` when both mode bits are set), followed by the
/// other `O_*` flags in ascending bit order, then any bits without a name as one hex value
/// (`0x...`), then openat2's `RESOLVE_*` bits (ascending, unknown resolve bits as one more hex
/// value). Composite flags print as one name: `O_SYNC` (`__O_SYNC|O_DSYNC`) rather than both, and
/// `O_TMPFILE` (`__O_TMPFILE|O_DIRECTORY`) rather than `O_DIRECTORY`. Examples:
/// `O_RDONLY|O_CLOEXEC`, `O_WRONLY|O_CREAT|O_TRUNC`, `O_RDONLY|RESOLVE_BENEATH`.
/// An `AT_*` word with no bits set is the empty string.
public enum OpenFlags {
    // Access mode (the low two bits).
    public static let O_ACCMODE: UInt32 = 0o3
    public static let O_RDONLY: UInt32 = 0o0
    public static let O_WRONLY: UInt32 = 0o1
    public static let O_RDWR: UInt32 = 0o2
    public static let O_CREAT: UInt32 = 0o100
    public static let O_EXCL: UInt32 = 0o200
    public static let O_NOCTTY: UInt32 = 0o400
    public static let O_TRUNC: UInt32 = 0o1000
    public static let O_APPEND: UInt32 = 0o2000
    public static let O_NONBLOCK: UInt32 = 0o4000
    public static let O_DSYNC: UInt32 = 0o10000
    public static let FASYNC: UInt32 = 0o20000
    public static let O_DIRECT: UInt32 = 0o40000
    public static let O_LARGEFILE: UInt32 = 0o100000
    public static let O_DIRECTORY: UInt32 = 0o200000
    public static let O_NOFOLLOW: UInt32 = 0o400000
    public static let O_NOATIME: UInt32 = 0o1000000
    public static let O_CLOEXEC: UInt32 = 0o2000000
    /// The bit that, together with `O_DSYNC`, makes `O_SYNC`.
    public static let __O_SYNC: UInt32 = 0o4000000
    public static let O_SYNC: UInt32 = 0o4010000
    public static let O_PATH: UInt32 = 0o10000000
    /// The bit that, together with `O_DIRECTORY`, makes `O_TMPFILE`.
    public static let __O_TMPFILE: UInt32 = 0o20000000
    public static let O_TMPFILE: UInt32 = 0o20200000

    // linux/openat2.h
    public static let RESOLVE_NO_XDEV: UInt64 = 0x01
    public static let RESOLVE_NO_MAGICLINKS: UInt64 = 0x02
    public static let RESOLVE_NO_SYMLINKS: UInt64 = 0x04
    public static let RESOLVE_BENEATH: UInt64 = 0x08
    public static let RESOLVE_IN_ROOT: UInt64 = 0x10
    public static let RESOLVE_CACHED: UInt64 = 0x20

    // linux/fcntl.h
    public static let AT_SYMLINK_NOFOLLOW: UInt32 = 0x100
    public static let AT_SYMLINK_FOLLOW: UInt32 = 0x400
    public static let AT_NO_AUTOMOUNT: UInt32 = 0x800
    public static let AT_EMPTY_PATH: UInt32 = 0x1000
    public static let AT_RECURSIVE: UInt32 = 0x8000

    /// Non-access-mode `O_*` flags in output order; composites come before their parts.
    static let openTable: [(mask: UInt32, name: String)] = [
        (O_CREAT, "O_CREAT"), (O_EXCL, "O_EXCL"), (O_NOCTTY, "O_NOCTTY"), (O_TRUNC, "O_TRUNC"),
        (O_APPEND, "O_APPEND"), (O_NONBLOCK, "O_NONBLOCK"), (O_SYNC, "O_SYNC"), (O_DSYNC, "O_DSYNC"),
        (FASYNC, "FASYNC"), (O_DIRECT, "O_DIRECT"), (O_LARGEFILE, "O_LARGEFILE"),
        (O_TMPFILE, "O_TMPFILE"), (O_DIRECTORY, "O_DIRECTORY"), (O_NOFOLLOW, "O_NOFOLLOW"),
        (O_NOATIME, "O_NOATIME"), (O_CLOEXEC, "O_CLOEXEC"), (O_PATH, "O_PATH"),
    ]

    static let resolveTable: [(mask: UInt64, name: String)] = [
        (RESOLVE_NO_XDEV, "RESOLVE_NO_XDEV"), (RESOLVE_NO_MAGICLINKS, "RESOLVE_NO_MAGICLINKS"),
        (RESOLVE_NO_SYMLINKS, "RESOLVE_NO_SYMLINKS"), (RESOLVE_BENEATH, "RESOLVE_BENEATH"),
        (RESOLVE_IN_ROOT, "RESOLVE_IN_ROOT"), (RESOLVE_CACHED, "RESOLVE_CACHED"),
    ]

    /// `AT_*` flags meaningful to chmod/execveat and friends. 0x200 is deliberately absent: it is
    /// `AT_EACCESS` or `AT_REMOVEDIR` depending on the syscall, so it prints as hex.
    static let atTable: [(mask: UInt32, name: String)] = [
        (AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"), (AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"),
        (AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"), (AT_EMPTY_PATH, "AT_EMPTY_PATH"), (AT_RECURSIVE, "AT_RECURSIVE"),
    ]

    static let accessModes = ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"]

    /// Whether the open creates a file, i.e. carries a meaningful `mode` (`O_CREAT` or `O_TMPFILE`).
    @inline(__always)
    public static func createsFile(_ flags: UInt32) -> Bool {
        flags & O_CREAT != 0 || flags & O_TMPFILE == O_TMPFILE
    }

    /// Whether the open may modify the file: write access or `O_CREAT`/`O_TRUNC`/`O_APPEND`/`O_TMPFILE`.
    @inline(__always)
    public static func isWriteish(_ flags: UInt32) -> Bool {
        flags & O_ACCMODE != O_RDONLY || flags & (O_CREAT | O_TRUNC | O_APPEND | __O_TMPFILE) != 0
    }

    /// `open` flags (and openat2 `resolve` bits) as text; see the type's documentation.
    public static func openText(flags: UInt32, resolve: UInt64 = 0) -> String {
        var out = accessModes[Int(flags & O_ACCMODE)]
        var rest = flags & ~O_ACCMODE
        if rest != 0 {
            for (mask, name) in openTable where rest & mask == mask {
                out += "|"
                out += name
                rest &= ~mask
                if rest == 0 { break }
            }
            if rest != 0 { appendHex(UInt64(rest), to: &out) }
        }
        if resolve != 0 { appendResolve(resolve, to: &out) }
        return out
    }

    /// openat2 `resolve` bits alone as text (`RESOLVE_BENEATH|RESOLVE_NO_XDEV`); empty for 0.
    public static func resolveText(_ resolve: UInt64) -> String {
        var out = ""
        appendResolve(resolve, to: &out)
        return out
    }

    /// `AT_*` flags (chmod family, execveat) as text, e.g. `AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH`;
    /// empty for 0; unnamed bits as one hex value.
    public static func atText(_ flags: UInt32) -> String {
        var out = ""
        var rest = flags
        for (mask, name) in atTable where rest & mask == mask {
            if !out.isEmpty { out += "|" }
            out += name
            rest &= ~mask
        }
        if rest != 0 {
            if out.isEmpty { out = hex(UInt64(rest)) } else { appendHex(UInt64(rest), to: &out) }
        }
        return out
    }

    private static func appendResolve(_ resolve: UInt64, to out: inout String) {
        var rest = resolve
        for (mask, name) in resolveTable where rest & mask == mask {
            if !out.isEmpty { out += "|" }
            out += name
            rest &= ~mask
        }
        if rest != 0 { appendHex(rest, to: &out) }
    }

    private static func appendHex(_ value: UInt64, to out: inout String) {
        if !out.isEmpty { out += "|" }
        out += hex(value)
    }

    static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
}
