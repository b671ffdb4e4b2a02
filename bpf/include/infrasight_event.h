/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * infrasight_event.h — THE event layout shared by the BPF programs (bpf/<name>.bpf.c, compiled with
 * vmlinux.h) and user space (imported into Swift as module CEventLayout). Change it only together
 * with INFRASIGHT_EXEC_EVENT_VERSION and the Swift decoder (Sources/InfraSightAgent/BPF/).
 *
 * Record on the ring buffer: one `struct infrasight_exec_event`, VARIABLE length. The kernel emits
 * offsetof(argv) + argv_len bytes, then the resolved path (resolved_len bytes and a NUL) right after
 * argv's bytes; readers must bound every length by the record size and by the limits below (never
 * trust a length field).
 *
 * LIMITS (documented contract):
 *   INFRASIGHT_ARGV_MAX_ARGS   64    at most 64 argv strings are reported; more → ARGV_TRUNCATED.
 *   INFRASIGHT_ARGV_MAX_BYTES  4096  at most 4096 bytes of argv (strings incl. their NULs);
 *                                    more → ARGV_TRUNCATED (the last string may be cut short and
 *                                    then has no terminating NUL).
 *   INFRASIGHT_FILENAME_MAX    512   filename bytes incl. NUL; longer → FILENAME_TRUNCATED.
 *   INFRASIGHT_COMM_LEN        16    task comm (TASK_COMM_LEN), NUL padded.
 *   INFRASIGHT_PATH_MAX        512   resolved path bytes incl. NUL (open, chmod, exec alike).
 *
 * WHERE THE STRINGS COME FROM (read at sys_exit, never at sys_enter, so the kernel has already
 * faulted the user pages in):
 *   - successful exec: argv is the new image's mm->arg_start..arg_end, filename is the string the
 *     kernel copied to the top of the new stack (mm->env_end == AT_EXECFN). For #! scripts this is
 *     the argv the interpreter receives (interpreter [arg] script args...). Flag ARGV_FROM_MM.
 *   - failed exec: the caller's original filename/argv pointers (still mapped). If those pages are
 *     not resident (nothing touched them, e.g. ENOENT on string literals in a fresh fork child)
 *     the read fails and ARGV_READ_FAILED / FILENAME_READ_FAILED is set.
 *   comm, uid, gid, cgroup id are sampled at sys_exit (the new image's comm after success).
 *   ppid = current->real_parent->tgid at sys_enter. boot_ns = bpf_ktime_get_boot_ns() at sys_enter
 *   (CLOCK_BOOTTIME); latency_ns = boot time at sys_exit - boot_ns.
 */
#ifndef INFRASIGHT_EVENT_H
#define INFRASIGHT_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define INFRASIGHT_EXEC_EVENT_VERSION 2   /* 2: resolved_len and the resolved path after argv */
#define INFRASIGHT_EVENT_KIND_EXEC    1

#define INFRASIGHT_ARGV_MAX_ARGS   64
#define INFRASIGHT_ARGV_MAX_BYTES  4096   /* power of two: the BPF side masks offsets with it */
#define INFRASIGHT_FILENAME_MAX    512    /* power of two, incl. NUL */
#define INFRASIGHT_COMM_LEN        16

/* Above this much pending data (capped at ring size / 4) every record wakes the consumer
 * (the ring's back-pressure: infrasight_wakeup.h). */
#define INFRASIGHT_WAKEUP_THRESHOLD_BYTES (1u << 20)

/* event flags */
#define INFRASIGHT_F_ARGV_TRUNCATED       (1u << 0) /* more args or bytes than the limits */
#define INFRASIGHT_F_FILENAME_TRUNCATED   (1u << 1)
#define INFRASIGHT_F_ARGV_READ_FAILED     (1u << 2) /* user memory unreadable: argv incomplete */
#define INFRASIGHT_F_FILENAME_READ_FAILED (1u << 3)
#define INFRASIGHT_F_ARGV_FROM_MM         (1u << 4) /* argv/filename read from the new image */
#define INFRASIGHT_F_EXECVEAT             (1u << 5) /* syscall was execveat(2), not execve(2) */

/* Per-CPU counters (BPF_MAP_TYPE_PERCPU_ARRAY "counters", __u64 values), indexes: */
enum infrasight_counter {
	INFRASIGHT_CTR_EMITTED = 0,         /* events written to the ring buffer */
	INFRASIGHT_CTR_RESERVE_FAILED = 1,  /* ring buffer full: event lost */
	INFRASIGHT_CTR_ENTER_MISS = 2,      /* sys_exit without stashed sys_enter data (dropped) */
	INFRASIGHT_CTR_EXCLUDED = 3,        /* sys_enter skipped because the tgid is excluded */
	INFRASIGHT_CTR_STASH_FAILED = 4,    /* could not store enter data (map full/error) */
	INFRASIGHT_CTR_ARGV_TRUNCATED = 5,  /* events with INFRASIGHT_F_ARGV_TRUNCATED */
	INFRASIGHT_CTR_READ_FAILED = 6,     /* events with a *_READ_FAILED flag */
	INFRASIGHT_CTR_THROTTLED = 8,       /* dropped by the per-process rate limit (counted per tgid too) */
	/* dropped by the allow/deny filters (infrasight_filter.h), by the kind that refused the record */
	INFRASIGHT_CTR_FILTERED_PID = 10,
	INFRASIGHT_CTR_FILTERED_COMM = 11,
	INFRASIGHT_CTR_FILTERED_UID = 12,
	INFRASIGHT_CTR_FILTERED_CGROUP = 13, /* cgroup ids, container ids and cgroup paths */
	INFRASIGHT_CTR_FILTERED_PATH = 14,   /* open, chmod and link only */
	INFRASIGHT_CTR_MAX = 15,
};

/* Per-process rate limit (BPF_MAP_TYPE_ARRAY "rate_limit", one entry, written by user space at any
 * time): a process may emit at most max_events records per window_ns on one probe; the rest are
 * dropped and counted (INFRASIGHT_CTR_THROTTLED and "throttled_tgids"). max_events 0 = no limit. */
struct infrasight_rate_limit {
	__u64 max_events;
	__u64 window_ns;
};

/* Per-process window state ("rate_state", LRU hash tgid -> this). */
struct infrasight_rate_state {
	__u64 window_start_ns;
	__u64 count;
};

/* Allow/deny filters (maps in include/infrasight_filter.h, written by user space at any time).
 * Kinds, as bits of infrasight_filter_config.allow_kinds / deny_kinds ("this list is non-empty"): */
enum infrasight_filter_kind {
	INFRASIGHT_FILTER_PID = 1u << 0,    /* tgid */
	INFRASIGHT_FILTER_COMM = 1u << 1,
	INFRASIGHT_FILTER_UID = 1u << 2,
	INFRASIGHT_FILTER_CGROUP = 1u << 3, /* cgroup v2 id of the process's cgroup or any ancestor */
	INFRASIGHT_FILTER_PATH = 1u << 4,   /* path prefix (open, chmod) */
};
/* Entry values (__u8) of the filter maps: on the allow list, on the deny list, or both. */
#define INFRASIGHT_FILTER_ALLOW 1
#define INFRASIGHT_FILTER_DENY  2
/* Path prefixes are compared on their first 255 bytes (LPM-trie data: 1 generation byte + path). */
#define INFRASIGHT_FILTER_PATH_MAX 255
/* Cgroup ancestors checked above the process's own cgroup (levels from the root). */
#define INFRASIGHT_FILTER_CGROUP_DEPTH 16
/* Entries per kind and per generation the maps hold (user space refuses larger lists). */
#define INFRASIGHT_FILTER_MAX_ENTRIES 1024

/* Two generations of filters live in the maps at once: "filter_generation" (ARRAY[1] __u32) names
 * the one in force, "filter_config" (ARRAY[2]) holds each generation's active kinds, and every key
 * starts with its generation. A reload fills the other generation, then flips filter_generation. */
struct infrasight_filter_config {
	__u32 allow_kinds;    /* kinds whose allow list is non-empty: only listed records pass */
	__u32 deny_kinds;     /* kinds whose deny list is non-empty: listed records are dropped */
};

/* filter_pids (id = tgid), filter_uids (id = uid) */
struct infrasight_filter_id_key {
	__u32 generation;
	__u32 id;
};

struct infrasight_filter_comm_key {
	__u32 generation;
	char comm[INFRASIGHT_COMM_LEN]; /* NUL padded */
};

struct infrasight_filter_cgroup_key {
	__u64 generation;
	__u64 cgroup_id;
};

/* filter_paths: BPF_MAP_TYPE_LPM_TRIE; prefixlen counts bits of generation + path. An entry's value
 * is the union of its own flags and those of every shorter listed prefix of it (user space computes
 * it), so the longest match says whether any listed prefix allows or denies the path. */
struct infrasight_filter_path_key {
	__u32 prefixlen;
	__u8 generation;
	char path[INFRASIGHT_FILTER_PATH_MAX];
};

_Static_assert(sizeof(struct infrasight_filter_comm_key) == 20, "layout");
_Static_assert(sizeof(struct infrasight_filter_path_key) == 260, "layout");

struct infrasight_exec_event {
	__u16 version;        /* INFRASIGHT_EXEC_EVENT_VERSION */
	__u16 kind;           /* INFRASIGHT_EVENT_KIND_EXEC */
	__u32 flags;          /* INFRASIGHT_F_* */
	__u64 boot_ns;        /* CLOCK_BOOTTIME ns at sys_enter */
	__u64 latency_ns;     /* sys_enter → sys_exit */
	__s64 ret;            /* syscall return value (0 or -errno) */
	__u64 cgroup_id;
	__u32 pid;            /* tgid */
	__u32 tid;            /* thread that called exec (at sys_enter) */
	__u32 ppid;           /* real_parent->tgid */
	__u32 uid;
	__u32 gid;
	__u32 argc;           /* informational: the real argc after a successful exec (may exceed
	                       * what argv[] holds); after a failed exec the strings captured */
	__u32 filename_len;   /* bytes in filename[] excluding NUL */
	__u32 argv_len;       /* valid bytes in argv[]: NUL-separated strings */
	char comm[INFRASIGHT_COMM_LEN];
	char filename[INFRASIGHT_FILENAME_MAX];
	__u32 resolved_len;   /* bytes of the resolved path (INFRASIGHT_F_RESOLVED_*) excluding NUL */
	__u32 _pad;
	char argv[INFRASIGHT_ARGV_MAX_BYTES];   /* only argv_len bytes are emitted, then the resolved
	                                         * path (resolved_len bytes + NUL, < INFRASIGHT_PATH_MAX) */
};

/* Offsets the decoder relies on (user space reads fields by offset, unaligned). */
_Static_assert(__builtin_offsetof(struct infrasight_exec_event, boot_ns) == 8, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_exec_event, pid) == 40, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_exec_event, comm) == 72, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_exec_event, filename) == 88, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_exec_event, resolved_len) == 600, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_exec_event, argv) == 608, "layout");
_Static_assert(sizeof(struct infrasight_exec_event) == 4704, "layout");

/* ------------------------------------------------------------------------------------------------
 * Records of the other probes (one BPF object per probe: bpf/<probe>.bpf.c). Every record starts
 * with `struct infrasight_common` (version INFRASIGHT_EVENT_VERSION, a kind below) and is emitted
 * with its full fixed size, except open and chmod, whose trailing resolved[] is emitted only up to
 * its NUL (a record without it, as before the field existed, has no resolved path); strings carry a
 * length and are NUL-terminated when they fit. Readers still bound everything by the record size
 * and the capacities (never trust a length field).
 *
 * Common fields: boot_ns = CLOCK_BOOTTIME at sys_enter; latency_ns = sys_exit - sys_enter;
 * ret = syscall return (>= 0, or -errno); pid = tgid; tid = calling thread; ppid =
 * real_parent->tgid at sys_enter; uid/gid/comm/cgroup_id sampled at sys_exit. Strings passed by
 * user space are read at sys_exit (pages faulted in by the syscall itself are resident then).
 * For the exit record: boot_ns = time of the exit, latency_ns = 0, ret = 0.
 * ------------------------------------------------------------------------------------------------ */
#define INFRASIGHT_EVENT_VERSION      1
#define INFRASIGHT_EVENT_KIND_OPEN    2
#define INFRASIGHT_EVENT_KIND_CHMOD   3
#define INFRASIGHT_EVENT_KIND_SOCKET  4   /* connect, accept, accept4 */
#define INFRASIGHT_EVENT_KIND_EXIT    5
#define INFRASIGHT_EVENT_KIND_PTRACE  6
#define INFRASIGHT_EVENT_KIND_MOUNT   7
#define INFRASIGHT_EVENT_KIND_SETID   10  /* set*id, capset (8 is free) */
/* These two reuse struct infrasight_socket_event (see there). */
#define INFRASIGHT_EVENT_KIND_DUP     9   /* dup, dup2, dup3, fcntl F_DUPFD*: a socket onto fd 0, 1 or 2 */
#define INFRASIGHT_EVENT_KIND_SOCKET_CREATE 11 /* socket() */
#define INFRASIGHT_EVENT_KIND_LINK    12  /* symlink*, link*, unlink*, rename* */
#define INFRASIGHT_EVENT_KIND_BIND    13  /* bind, listen (reuses struct infrasight_socket_event) */
#define INFRASIGHT_EVENT_KIND_SENDTO  14  /* sendto, sendmsg, sendmmsg with a destination (reuses it too) */
#define INFRASIGHT_EVENT_KIND_KERNEL  15  /* init_module, finit_module, bpf(BPF_PROG_LOAD): kernel reach */

#define INFRASIGHT_PATH_MAX      512   /* power of two, incl. NUL: open/chmod path, mount source/target */
#define INFRASIGHT_FSTYPE_MAX    64
#define INFRASIGHT_UNIX_PATH_MAX 108   /* sizeof(sockaddr_un.sun_path) */

/* syscall ids (the `syscall` field) */
enum infrasight_syscall {
	INFRASIGHT_SYS_OPEN = 1, INFRASIGHT_SYS_OPENAT = 2, INFRASIGHT_SYS_OPENAT2 = 3,
	INFRASIGHT_SYS_CHMOD = 4, INFRASIGHT_SYS_FCHMOD = 5, INFRASIGHT_SYS_FCHMODAT = 6,
	INFRASIGHT_SYS_FCHMODAT2 = 7,
	INFRASIGHT_SYS_CONNECT = 8, INFRASIGHT_SYS_ACCEPT = 9, INFRASIGHT_SYS_ACCEPT4 = 10,
	INFRASIGHT_SYS_PTRACE = 11, INFRASIGHT_SYS_MOUNT = 12, INFRASIGHT_SYS_UMOUNT2 = 13,
	/* the new mount API, beside mount and umount2 (one kind's ids stay contiguous) */
	INFRASIGHT_SYS_FSOPEN = 14, INFRASIGHT_SYS_FSMOUNT = 15, INFRASIGHT_SYS_MOVE_MOUNT = 16,
	INFRASIGHT_SYS_OPEN_TREE = 17,
	/* memfd_create: an open-kind record (an anonymous file made and opened), outside open's 1..3 */
	INFRASIGHT_SYS_MEMFD_CREATE = 18,
	/* setid (ids 30..36) */
	INFRASIGHT_SYS_SETUID = 30, INFRASIGHT_SYS_SETGID = 31, INFRASIGHT_SYS_SETREUID = 32,
	INFRASIGHT_SYS_SETREGID = 33, INFRASIGHT_SYS_SETRESUID = 34, INFRASIGHT_SYS_SETRESGID = 35,
	INFRASIGHT_SYS_CAPSET = 36,
	/* dup and socket (ids 37..41) */
	INFRASIGHT_SYS_DUP = 37, INFRASIGHT_SYS_DUP2 = 38, INFRASIGHT_SYS_DUP3 = 39, INFRASIGHT_SYS_FCNTL = 40,
	INFRASIGHT_SYS_SOCKET = 41,
	/* link (ids 42..50) */
	INFRASIGHT_SYS_SYMLINK = 42, INFRASIGHT_SYS_SYMLINKAT = 43, INFRASIGHT_SYS_LINK = 44,
	INFRASIGHT_SYS_LINKAT = 45, INFRASIGHT_SYS_UNLINK = 46, INFRASIGHT_SYS_UNLINKAT = 47,
	INFRASIGHT_SYS_RENAME = 48, INFRASIGHT_SYS_RENAMEAT = 49, INFRASIGHT_SYS_RENAMEAT2 = 50,
	/* bind and sendto (ids 51..55; 42..50 belong to link) */
	INFRASIGHT_SYS_BIND = 51, INFRASIGHT_SYS_LISTEN = 52, INFRASIGHT_SYS_SENDTO = 53, INFRASIGHT_SYS_SENDMSG = 54,
	INFRASIGHT_SYS_SENDMMSG = 55,
	/* kernel reach (ids 56..58) */
	INFRASIGHT_SYS_INIT_MODULE = 56, INFRASIGHT_SYS_FINIT_MODULE = 57, INFRASIGHT_SYS_BPF = 58,
};

/* flags of the newer records (same `flags` word as exec, own bits) */
#define INFRASIGHT_F_PATH_TRUNCATED     (1u << 8)  /* path (or mount target) longer than the capacity */
#define INFRASIGHT_F_PATH_READ_FAILED   (1u << 9)  /* user string unreadable (or NULL) */
#define INFRASIGHT_F_HOW_READ_FAILED    (1u << 10) /* openat2: struct open_how unreadable */
#define INFRASIGHT_F_ADDR_READ_FAILED   (1u << 11) /* connect: user sockaddr unreadable */
#define INFRASIGHT_F_NO_SOCKET          (1u << 12) /* socket not found via the fd table */
#define INFRASIGHT_F_LOCAL_FROM_FEXIT   (1u << 13) /* connect: source address captured at fexit of tcp_v{4,6}_connect */
#define INFRASIGHT_F_SOURCE_TRUNCATED   (1u << 14) /* mount source */
#define INFRASIGHT_F_FSTYPE_TRUNCATED   (1u << 15) /* mount fs type */
#define INFRASIGHT_F_EXIT_GROUP_DEAD    (1u << 16) /* exit: last thread of the process */
#define INFRASIGHT_F_LOCAL_FROM_STATE   (1u << 17) /* connect: source of a failed TCP connect from sock:inet_sock_set_state */

/* The resolved path of open, chmod and exec records (include/infrasight_path.h), read in the kernel
 * at sys_exit. Exactly one of FILE / DIR is set when the record has one, neither when it has none:
 *   FILE  `resolved` is the absolute path of the file the syscall reached (the opened fd's file,
 *         fchmod's fd, a successful exec's new binary): symlinks followed, no `.` or `..`.
 *   DIR   only a path string exists (chmod by path, a failed open or exec): `resolved` is the
 *         directory it is relative to (the task's cwd, or dirfd's file), empty when the passed path
 *         is absolute; user space joins the passed path onto it and normalises it (lexical).
 *   TRUNCATED  the walk stopped before the task's root (depth or length limit, unreachable root);
 *         `resolved` keeps the end of the path. Also counted as INFRASIGHT_CTR_TRUNCATED.
 * Paths are those the task sees: relative to its root (a chroot, a container's mount namespace). */
#define INFRASIGHT_F_RESOLVED_FILE      (1u << 18)
#define INFRASIGHT_F_RESOLVED_DIR       (1u << 19)
#define INFRASIGHT_F_RESOLVED_TRUNCATED (1u << 20)
/* A successful exec's binary has no name on any file system (fileless execution, exec records only):
 *   EXE_UNLINKED  its name is gone (d_path's " (deleted)"): removed after it was opened, or a memfd;
 *   EXE_MEMFD     it is a memfd (memfd_create(2)): unlinked and named "memfd:..." by the kernel. */
#define INFRASIGHT_F_EXE_UNLINKED       (1u << 21)
#define INFRASIGHT_F_EXE_MEMFD          (1u << 22)
/* setid: capset's header or data was unreadable (the new sets are then 0). Bit 24 (21 and 22 are
 * exec's fileless flags, 23 left to probes added alongside). Counted as INFRASIGHT_CTR_READ_FAILED. */
#define INFRASIGHT_F_CAPS_READ_FAILED   (1u << 24)
/* kernel (init_module, finit_module): the module parameter string (uargs) was longer than
 * INFRASIGHT_MODULE_PARAMS_MAX - 1 bytes (counted as INFRASIGHT_CTR_TRUNCATED), or unreadable at
 * sys_enter (counted as INFRASIGHT_CTR_READ_FAILED). Bits 25 and 26. */
#define INFRASIGHT_F_PARAMS_TRUNCATED   (1u << 25)
#define INFRASIGHT_F_PARAMS_READ_FAILED (1u << 26)
/* kernel (bpf BPF_PROG_LOAD): union bpf_attr was unreadable at sys_enter (its fields are then 0). */
#define INFRASIGHT_F_ATTR_READ_FAILED   (1u << 27)
/* Steps of the walk: path components plus mount crossings. */
#define INFRASIGHT_PATH_WALK_DEPTH      64

/* Counters specific to the newer objects share the per-CPU "counters" map indexes above:
 * INFRASIGHT_CTR_ARGV_TRUNCATED counts events with any *_TRUNCATED flag, INFRASIGHT_CTR_READ_FAILED
 * events with a *_READ_FAILED flag; this one counts sockets not found through the fd table. */
#define INFRASIGHT_CTR_TRUNCATED   INFRASIGHT_CTR_ARGV_TRUNCATED
#define INFRASIGHT_CTR_NO_SOCKET   7

struct infrasight_common {
	__u16 version;        /* INFRASIGHT_EVENT_VERSION */
	__u16 kind;           /* INFRASIGHT_EVENT_KIND_* */
	__u32 flags;          /* INFRASIGHT_F_* */
	__u64 boot_ns;
	__u64 latency_ns;
	__s64 ret;
	__u64 cgroup_id;
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 syscall;        /* enum infrasight_syscall (0 for exit) */
	char comm[INFRASIGHT_COMM_LEN];
};                            /* 80 bytes */

struct infrasight_open_event {
	struct infrasight_common c;
	__s32 dirfd;          /* AT_FDCWD (-100) for open(2) */
	__s32 fd;             /* returned fd, -1 on failure */
	__u64 flags;          /* O_* (openat2: open_how.flags) */
	__u64 mode;
	__u64 resolve;        /* openat2 RESOLVE_* */
	__u32 path_len;       /* bytes in path[] excluding NUL */
	__u32 resolved_len;   /* bytes in resolved[] excluding NUL */
	char path[INFRASIGHT_PATH_MAX];
	char resolved[INFRASIGHT_PATH_MAX];  /* only resolved_len + 1 bytes are emitted */
};

struct infrasight_chmod_event {
	struct infrasight_common c;
	__s32 fd;             /* fchmod fd, fchmodat/fchmodat2 dirfd, -100 (AT_FDCWD) for chmod */
	__u32 mode;
	__u32 flags;          /* fchmodat2 AT_* flags */
	__u32 path_len;       /* 0 for fchmod */
	char path[INFRASIGHT_PATH_MAX];
	__u32 resolved_len;   /* bytes in resolved[] excluding NUL */
	__u32 _pad;
	char resolved[INFRASIGHT_PATH_MAX];  /* only resolved_len + 1 bytes are emitted */
};

/* connect / accept (KIND_SOCKET), and with other meanings of fd, new_fd and sock_flags:
 *   dup (KIND_DUP): fd = the old fd (a socket), new_fd = the fd it landed on (dup2/dup3: the one
 *     requested; dup/fcntl: the one returned), sock_flags = dup3 flags (O_CLOEXEC; fcntl
 *     F_DUPFD_CLOEXEC gives O_CLOEXEC); the socket's family, type, protocol, local and remote
 *     address as for accept.
 *   socket (KIND_SOCKET_CREATE): family, sock_type (type & SOCK_TYPE_MASK) and protocol as passed,
 *     sock_flags = the type's SOCK_NONBLOCK | SOCK_CLOEXEC bits, fd = -1, new_fd = ret (-1 on
 *     failure); no addresses.
 *   bind (KIND_BIND, syscall BIND): fd = the socket, family and local_addr/local_port = the sockaddr
 *     as passed (4 or 16 address bytes for AF_INET/AF_INET6, none otherwise), sock_type and protocol
 *     from the kernel socket, new_fd = -1.
 *   listen (KIND_BIND, syscall LISTEN): fd = the socket, new_fd = the backlog as passed; family,
 *     type, protocol and the bound local address and port read from the kernel socket at sys_exit.
 *   sendto (KIND_SENDTO; sendto, sendmsg, sendmmsg with an AF_INET/AF_INET6 destination): fd = the
 *     socket, family and remote_addr/remote_port = the destination as passed (sendmmsg: the first
 *     message's), sock_flags = the MSG_* send flags, new_fd = the messages asked for (1; sendmmsg:
 *     vlen), sock_type, protocol and local_addr/local_port from the kernel socket. */
struct infrasight_socket_event {
	struct infrasight_common c;
	__u16 family;         /* AF_* */
	__u16 sock_type;      /* SOCK_STREAM, SOCK_DGRAM, ... */
	__u16 protocol;       /* IPPROTO_TCP, IPPROTO_UDP, 0 */
	__u16 local_port;     /* host order */
	__u16 remote_port;    /* host order */
	__u16 unix_path_len;  /* bytes of unix_path (abstract names start with NUL) */
	__s32 fd;             /* connect: socket fd; accept: listening fd */
	__s32 new_fd;         /* accept: returned fd (-1 on failure) */
	__u32 sock_flags;     /* accept4 flags */
	__u8 local_addr[16];  /* network order: 4 bytes for AF_INET, 16 for AF_INET6 */
	__u8 remote_addr[16];
	char unix_path[INFRASIGHT_UNIX_PATH_MAX];
	__u32 _pad;
};

struct infrasight_exit_event {
	struct infrasight_common c;
	__u32 exit_status;    /* task->exit_code: (code << 8) | core(0x80) | signal */
	__u32 _pad;
};

struct infrasight_ptrace_event {
	struct infrasight_common c;
	__s64 request;
	__u32 target_pid;
	__u32 _pad;
	__u64 addr;
	__u64 data;
};

struct infrasight_mount_event {
	struct infrasight_common c;
	__u64 mount_flags;    /* mount: MS_*; umount2: MNT_* / UMOUNT_* */
	__u32 source_len;
	__u32 target_len;
	__u32 fstype_len;
	__u32 _pad;
	char source[INFRASIGHT_PATH_MAX];
	char target[INFRASIGHT_PATH_MAX];
	char fstype[INFRASIGHT_FSTYPE_MAX];
};

/* set*id and capset. old_* are the task's credentials at sys_enter (capset: its ids at sys_exit, which
 * capset does not change; set*id: old caps are 0). new_* are the values the call asked for, in the
 * kernel's argument order, as raw 32-bit ids: 0xffffffff (-1) = "leave unchanged" / not an argument.
 *   setuid(id), setgid(id)          new_real = id (the kernel sets the effective id, and the real and
 *                                   saved ids too when privileged); new_effective = new_saved = -1
 *   setreuid(r, e), setregid(r, e)  new_real = r, new_effective = e, new_saved = -1
 *   setresuid(r, e, s), setresgid   new_real = r, new_effective = e, new_saved = s
 *   capset(hdr, data)               cap_* = the requested sets (both 32-bit words for versions 2 and
 *                                   3, the low word for version 1), read at sys_exit; ids all -1. */
struct infrasight_setid_event {
	struct infrasight_common c;
	__u32 old_uid;
	__u32 old_euid;
	__u32 old_suid;
	__u32 old_gid;
	__u32 old_egid;
	__u32 old_sgid;
	__u32 new_real;       /* uids for set*uid, gids for set*gid */
	__u32 new_effective;
	__u32 new_saved;
	__u32 cap_version;    /* capset header version (_LINUX_CAPABILITY_VERSION_*) */
	__u64 old_cap_effective;
	__u64 old_cap_permitted;
	__u64 old_cap_inheritable;
	__u64 cap_effective;
	__u64 cap_permitted;
	__u64 cap_inheritable;
	__s32 cap_pid;        /* capset header pid (0 = self) */
	__u32 _pad;
};

/* Links and removals (KIND_LINK): symlink, symlinkat, link, linkat, unlink, unlinkat, rename, renameat,
 * renameat2. Two paths, as passed:
 *   path      the name the call creates or removes: symlink's linkpath, link's and rename's newpath,
 *             unlink's pathname;
 *   old_path  symlink's target (stored as is, never looked up), link's and rename's oldpath; empty
 *             for unlink.
 * dirfd / old_dirfd are the directories they are relative to (AT_FDCWD -100 for the calls without
 * one; old_dirfd is -100 for symlink* too, whose target is not looked up). at_flags: linkat's AT_*,
 * unlinkat's AT_REMOVEDIR, renameat2's RENAME_*.
 * resolved[] is path's lookup directory (flags INFRASIGHT_F_RESOLVED_DIR in c.flags, as chmod by
 * path), joined in user space; old_resolved[] old_path's, with its RESOLVED_* bits and its own
 * PATH_TRUNCATED / PATH_READ_FAILED in old_flags (symlink: none, user space takes the target
 * relative to the link's directory). Emitted up to resolved[]'s NUL. */
struct infrasight_link_event {
	struct infrasight_common c;
	__s32 dirfd;
	__s32 old_dirfd;
	__u32 at_flags;
	__u32 old_flags;      /* INFRASIGHT_F_PATH_* and INFRASIGHT_F_RESOLVED_* of old_path */
	__u32 path_len;       /* bytes in path[] excluding NUL */
	__u32 old_path_len;
	__u32 old_resolved_len;
	__u32 resolved_len;
	char path[INFRASIGHT_PATH_MAX];
	char old_path[INFRASIGHT_PATH_MAX];
	char old_resolved[INFRASIGHT_PATH_MAX];
	char resolved[INFRASIGHT_PATH_MAX];  /* only resolved_len + 1 bytes are emitted */
};

/* Kernel reach (KIND_KERNEL), recorded at sys_enter: the ATTEMPT is the event, whether the kernel then
 * loads anything or not (a module load on a kernel without modules, a refused program, ENOEXEC on a
 * file that is no module). So c.ret = 0 and c.latency_ns = 0: the outcome is not known. uid, gid,
 * comm and cgroup_id are sampled at sys_enter too.
 *   init_module(image, len, uargs)      syscall INIT_MODULE: image_len = len, params = uargs; fd = -1
 *   finit_module(fd, uargs, flags)      syscall FINIT_MODULE: fd, module_flags = flags
 *                                       (MODULE_INIT_*), params = uargs, resolved = the absolute path of
 *                                       the file open as fd (infrasight_path.h, INFRASIGHT_F_RESOLVED_FILE)
 *   bpf(BPF_PROG_LOAD, attr, size)      syscall BPF: prog_type, insn_cnt, expected_attach_type,
 *                                       prog_flags and prog_name (BPF_OBJ_NAME_LEN, NUL padded) from the
 *                                       caller's union bpf_attr (bounded by size); fd = -1. Other bpf()
 *                                       commands are not emitted.
 * params: the first INFRASIGHT_MODULE_PARAMS_MAX - 1 bytes of uargs (PARAMS_TRUNCATED beyond).
 * The record is emitted with its full fixed size. */
#define INFRASIGHT_MODULE_PARAMS_MAX 256   /* power of two, incl. NUL */
#define INFRASIGHT_BPF_OBJ_NAME_LEN  16

struct infrasight_kernel_event {
	struct infrasight_common c;
	__s32 fd;                     /* finit_module's fd, -1 otherwise */
	__u32 module_flags;           /* finit_module's flags */
	__u64 image_len;              /* init_module's len */
	__u32 prog_type;              /* bpf: enum bpf_prog_type */
	__u32 insn_cnt;
	__u32 expected_attach_type;   /* enum bpf_attach_type */
	__u32 prog_flags;             /* BPF_F_* */
	__u32 params_len;             /* bytes in params[] excluding NUL */
	__u32 resolved_len;           /* bytes in resolved[] excluding NUL */
	char prog_name[INFRASIGHT_BPF_OBJ_NAME_LEN];
	char params[INFRASIGHT_MODULE_PARAMS_MAX];
	char resolved[INFRASIGHT_PATH_MAX];
};

_Static_assert(sizeof(struct infrasight_common) == 80, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_kernel_event, prog_name) == 120, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_kernel_event, params) == 136, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_kernel_event, resolved) == 392, "layout");
_Static_assert(sizeof(struct infrasight_kernel_event) == 904, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_link_event, path) == 112, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_link_event, resolved) == 1648, "layout");
_Static_assert(sizeof(struct infrasight_link_event) == 2160, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_open_event, path) == 120, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_open_event, resolved) == 632, "layout");
_Static_assert(sizeof(struct infrasight_open_event) == 1144, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_chmod_event, path) == 96, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_chmod_event, resolved) == 616, "layout");
_Static_assert(sizeof(struct infrasight_chmod_event) == 1128, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_socket_event, local_addr) == 104, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_socket_event, unix_path) == 136, "layout");
_Static_assert(sizeof(struct infrasight_socket_event) == 248, "layout");
_Static_assert(sizeof(struct infrasight_exit_event) == 88, "layout");
_Static_assert(sizeof(struct infrasight_ptrace_event) == 112, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_mount_event, source) == 104, "layout");
_Static_assert(sizeof(struct infrasight_mount_event) == 1192, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_setid_event, new_real) == 104, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_setid_event, old_cap_effective) == 120, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_setid_event, cap_pid) == 168, "layout");
_Static_assert(sizeof(struct infrasight_setid_event) == 176, "layout");

#endif /* INFRASIGHT_EVENT_H */
