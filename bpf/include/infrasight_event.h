/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * infrasight_event.h — THE event layout shared by the BPF programs (bpf/<name>.bpf.c, compiled with
 * vmlinux.h) and user space (imported into Swift as module CEventLayout). Change it only together
 * with INFRASIGHT_EXEC_EVENT_VERSION and the Swift decoder (Sources/InfraSightAgent/BPF/).
 *
 * Record on the ring buffer: one `struct infrasight_exec_event`, VARIABLE length. The kernel emits
 * only offsetof(argv) + argv_len bytes; readers must bound every length by the record size and by
 * the limits below (never trust a length field).
 *
 * LIMITS (documented contract):
 *   INFRASIGHT_ARGV_MAX_ARGS   64    at most 64 argv strings are reported; more → ARGV_TRUNCATED.
 *   INFRASIGHT_ARGV_MAX_BYTES  4096  at most 4096 bytes of argv (strings incl. their NULs);
 *                                    more → ARGV_TRUNCATED (the last string may be cut short and
 *                                    then has no terminating NUL).
 *   INFRASIGHT_FILENAME_MAX    512   filename bytes incl. NUL; longer → FILENAME_TRUNCATED.
 *   INFRASIGHT_COMM_LEN        16    task comm (TASK_COMM_LEN), NUL padded.
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

#define INFRASIGHT_EXEC_EVENT_VERSION 1
#define INFRASIGHT_EVENT_KIND_EXEC    1

#define INFRASIGHT_ARGV_MAX_ARGS   64
#define INFRASIGHT_ARGV_MAX_BYTES  4096   /* power of two: the BPF side masks offsets with it */
#define INFRASIGHT_FILENAME_MAX    512    /* power of two, incl. NUL */
#define INFRASIGHT_COMM_LEN        16

/* Wake the consumer only when more than this is pending (capped at ring size / 4); user space
 * polls with ring_buffer__consume every ~2 ms anyway. */
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
	INFRASIGHT_CTR_MAX = 8,
};

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
	char argv[INFRASIGHT_ARGV_MAX_BYTES];   /* only argv_len bytes are emitted */
};

/* Offsets the decoder relies on (user space reads fields by offset, unaligned). */
_Static_assert(__builtin_offsetof(struct infrasight_exec_event, boot_ns) == 8, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_exec_event, pid) == 40, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_exec_event, comm) == 72, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_exec_event, filename) == 88, "layout");
_Static_assert(__builtin_offsetof(struct infrasight_exec_event, argv) == 600, "layout");
_Static_assert(sizeof(struct infrasight_exec_event) == 4696, "layout");

#endif /* INFRASIGHT_EVENT_H */
