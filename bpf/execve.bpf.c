// SPDX-License-Identifier: GPL-2.0
/*
 * execve.bpf.c — execve/execveat telemetry (tracepoints syscalls:sys_{enter,exit}_execve[at]).
 *
 * Scheme: sys_enter checks the excluded-tgid map first, then stashes the timestamp, ppid and the
 * user pointers in a per-tid LRU hash. sys_exit looks the stash up and reads all strings there:
 * after a successful exec from the new image (mm->arg_start..arg_end, filename at mm->env_end),
 * after a failed exec from the original pointers. Nothing is read at sys_enter, so pages the
 * kernel had to fault in during exec are resident. Events go to a ring buffer with batched
 * wake-ups. Layout and limits: include/infrasight_event.h. The maps every probe has come from
 * include/infrasight_maps.h; the per-tid stash is its own (user pointers, not raw arguments).
 * The resolved path (include/infrasight_path.h) follows argv in the record: after a successful exec
 * the new binary's path (mm->exe_file: symlinks followed, as the kernel opened it); after a failed
 * one the directory the passed filename was looked up from (cwd, or execveat's dirfd).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "infrasight_event.h"
#include "infrasight_maps.h"      /* events, excluded_tgids, counters, lost_tgids, count() */
#include "infrasight_throttle.h"
#include "infrasight_filter.h"
#include "infrasight_wakeup.h"
#include "infrasight_path.h"

struct exec_stash {
	__u64 boot_ns;
	__u64 filename_ptr;
	__u64 argv_ptr;
	__u32 tid;
	__u32 ppid;
	__u32 flags;
	__u32 filter_gen;  /* filter generation judged by at sys_enter (infrasight_filter.h) */
	__s32 dirfd;       /* execveat's dirfd; AT_FDCWD for execve */
	__u32 _pad;
};

/* Scratch for building one event: the slack lets the verifier accept reads at a variable offset
 * of up to ARGV_MAX_BYTES bytes into argv[] (only argv[0..ARGV_MAX_BYTES) is ever emitted), and
 * the resolved path written right after argv_len bytes of argv (at most PATH_MAX more). */
struct exec_scratch {
	struct infrasight_exec_event ev;
	char slack[INFRASIGHT_ARGV_MAX_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* tid, or ALIAS_KEY(tgid) for an exec from a non-leader thread */
	__type(value, struct exec_stash);
} exec_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_scratch);
} scratch SEC(".maps");

/* A successful exec from a non-leader thread returns in the leader's pid (de_thread), so the
 * stash is also stored under this key when tid != tgid. */
#define ALIAS_KEY(tgid) ((1ULL << 32) | (__u64)(tgid))

/* Filters judged at sys_enter; comm waits for sys_exit, where it is the new program's. */
#define EXEC_ENTER_FILTER_KINDS (INFRASIGHT_FILTER_PID | INFRASIGHT_FILTER_UID | INFRASIGHT_FILTER_CGROUP)

static __always_inline int on_enter(struct trace_event_raw_sys_enter *ctx, __u64 filename_ptr,
				    __u64 argv_ptr, __u32 flags, __s32 dirfd)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;

	if (bpf_map_lookup_elem(&excluded_tgids, &tgid)) {
		count(INFRASIGHT_CTR_EXCLUDED);
		return 0;
	}
	__u32 gen = filter_generation_now();
	__u32 refused = filter_process(gen, EXEC_ENTER_FILTER_KINDS);
	if (refused) {
		count(refused);
		return 0;
	}

	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct exec_stash st = {
		.boot_ns = bpf_ktime_get_boot_ns(),
		.filename_ptr = filename_ptr,
		.argv_ptr = argv_ptr,
		.tid = tid,
		.ppid = BPF_CORE_READ(task, real_parent, tgid),
		.flags = flags,
		.filter_gen = gen,
		.dirfd = dirfd,
	};
	__u64 key = tid;
	if (bpf_map_update_elem(&exec_start, &key, &st, BPF_ANY)) {
		count(INFRASIGHT_CTR_STASH_FAILED);
		return 0;
	}
	if (tid != tgid) {
		key = ALIAS_KEY(tgid);
		bpf_map_update_elem(&exec_start, &key, &st, BPF_ANY);
	}
	return 0;
}

/* Failed exec: walk the caller's argv[] pointer array (still mapped). */
static __always_inline __u32 read_argv_user(struct infrasight_exec_event *ev, __u64 argv_ptr,
					    __u32 *argc_out)
{
	__u32 off = 0, argc = 0;
	const char *const *argv = (const char *const *)argv_ptr;

	if (!argv) {
		*argc_out = 0;
		return 0;
	}
	for (int i = 0; i < INFRASIGHT_ARGV_MAX_ARGS; i++) {
		const char *arg = NULL;
		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i])) {
			ev->flags |= INFRASIGHT_F_ARGV_READ_FAILED;
			goto out;
		}
		if (!arg)
			goto out;
		if (off >= INFRASIGHT_ARGV_MAX_BYTES) {
			ev->flags |= INFRASIGHT_F_ARGV_TRUNCATED;
			goto out;
		}
		off &= INFRASIGHT_ARGV_MAX_BYTES - 1;
		long n = bpf_probe_read_user_str(&ev->argv[off], INFRASIGHT_ARGV_MAX_BYTES - off, arg);
		if (n <= 0) {
			ev->flags |= INFRASIGHT_F_ARGV_READ_FAILED;
			goto out;
		}
		argc++;
		off += n;
		if (off >= INFRASIGHT_ARGV_MAX_BYTES && ev->argv[INFRASIGHT_ARGV_MAX_BYTES - 1] == 0) {
			/* buffer exactly full: the string may have been cut (read_str NUL-terminates) */
			ev->flags |= INFRASIGHT_F_ARGV_TRUNCATED;
			off = INFRASIGHT_ARGV_MAX_BYTES;
			goto out;
		}
	}
	{
		/* 64 strings read: is there a 65th? */
		const char *arg = NULL;
		if (!bpf_probe_read_user(&arg, sizeof(arg), &argv[INFRASIGHT_ARGV_MAX_ARGS]) && arg)
			ev->flags |= INFRASIGHT_F_ARGV_TRUNCATED;
	}
out:
	*argc_out = argc;
	return off > INFRASIGHT_ARGV_MAX_BYTES ? INFRASIGHT_ARGV_MAX_BYTES : off;
}

static __always_inline __u32 read_filename(struct infrasight_exec_event *ev, const char *src)
{
	long n = bpf_probe_read_user_str(ev->filename, sizeof(ev->filename), src);
	if (n <= 0) {
		ev->filename[0] = 0;
		ev->flags |= INFRASIGHT_F_FILENAME_READ_FAILED;
		return 0;
	}
	if (n == sizeof(ev->filename))
		ev->flags |= INFRASIGHT_F_FILENAME_TRUNCATED; /* may be exact fit; reported as truncated */
	return (__u32)n - 1;
}

/* INFRASIGHT_F_EXE_UNLINKED / _MEMFD for the new image's file. Unlinked as d_path judges it (what
 * makes /proc/PID/exe end in " (deleted)"): the dentry is out of the dcache's hash, which both a file
 * removed while open and a memfd (a pseudo file, never hashed) are. A memfd's name is "memfd:<name>";
 * a file on disk called so is hashed and not flagged. */
static __always_inline __u32 exe_fileless_flags(struct file *exe)
{
	struct dentry *dentry = NULL; /* f_path is const in this kernel's struct file: read, not BPF_CORE_READ */
	if (!exe || bpf_core_read(&dentry, sizeof(dentry), &exe->f_path.dentry) || !dentry)
		return 0;
	void *pprev = NULL;
	if (bpf_core_read(&pprev, sizeof(pprev), &dentry->d_hash.pprev) || pprev)
		return 0;
	const unsigned char *dname = NULL;
	char name[6] = {};
	if (bpf_core_read(&dname, sizeof(dname), &dentry->d_name.name) || !dname ||
	    bpf_probe_read_kernel(name, sizeof(name), dname))
		return INFRASIGHT_F_EXE_UNLINKED;
	if (name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' && name[4] == 'd' && name[5] == ':')
		return INFRASIGHT_F_EXE_UNLINKED | INFRASIGHT_F_EXE_MEMFD;
	return INFRASIGHT_F_EXE_UNLINKED;
}

static __always_inline int on_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	__u64 now = bpf_ktime_get_boot_ns();
	__u64 key = tid;
	struct exec_stash *stp = bpf_map_lookup_elem(&exec_start, &key);
	if (!stp) {
		key = ALIAS_KEY(tgid);
		stp = bpf_map_lookup_elem(&exec_start, &key);
	}
	if (!stp) {
		if (bpf_map_lookup_elem(&excluded_tgids, &tgid))
			return 0;
		if (filter_process(filter_generation_now(), EXEC_ENTER_FILTER_KINDS))
			return 0;
		count(INFRASIGHT_CTR_ENTER_MISS);
		return 0;
	}
	struct exec_stash st = *stp;
	bpf_map_delete_elem(&exec_start, &key);
	if (st.tid != tgid) {
		key = ALIAS_KEY(tgid);
		bpf_map_delete_elem(&exec_start, &key);
	}
	__u32 refused = filter_process(st.filter_gen, INFRASIGHT_FILTER_COMM);
	if (refused) {
		count(refused);
		return 0;
	}
	if (throttled()) /* before the argv copy: a throttled exec costs almost nothing */
		return 0;

	__u32 zero = 0;
	struct exec_scratch *sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 0;
	struct infrasight_exec_event *ev = &sc->ev;
	long ret = ctx->ret;
	__u64 ugid = bpf_get_current_uid_gid();
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	ev->version = INFRASIGHT_EXEC_EVENT_VERSION;
	ev->kind = INFRASIGHT_EVENT_KIND_EXEC;
	ev->flags = st.flags;
	ev->boot_ns = st.boot_ns;
	ev->latency_ns = now - st.boot_ns;
	ev->ret = ret;
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->pid = tgid;
	ev->tid = st.tid;
	ev->ppid = st.ppid;
	ev->uid = (__u32)ugid;
	ev->gid = ugid >> 32;
	ev->argc = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));

	__u32 argv_len = 0, argc = 0;
	if (ret == 0) {
		/* new image: argv strings are contiguous in the fresh stack the kernel just wrote */
		ev->flags |= INFRASIGHT_F_ARGV_FROM_MM;
		struct mm_struct *mm = BPF_CORE_READ(task, mm);
		__u64 arg_start = BPF_CORE_READ(mm, arg_start);
		__u64 arg_end = BPF_CORE_READ(mm, arg_end);
		__u64 env_end = BPF_CORE_READ(mm, env_end);
		__u64 start_stack = BPF_CORE_READ(mm, start_stack);
		__u64 len = arg_end > arg_start ? arg_end - arg_start : 0;
		/* The new stack starts with argc, argv[0..argc): take argc from there and, when
		 * there are more than ARGV_MAX_ARGS strings, cut before argv[ARGV_MAX_ARGS]. */
		__u64 user_argc = 0, p0 = 0, pmax = 0;
		if (!bpf_probe_read_user(&user_argc, sizeof(user_argc), (const void *)start_stack) &&
		    user_argc > 0 && user_argc < (1u << 20) &&
		    !bpf_probe_read_user(&p0, sizeof(p0), (const void *)(start_stack + 8)) &&
		    p0 == arg_start) {
			argc = user_argc;
			if (user_argc > INFRASIGHT_ARGV_MAX_ARGS) {
				ev->flags |= INFRASIGHT_F_ARGV_TRUNCATED;
				if (!bpf_probe_read_user(&pmax, sizeof(pmax),
							 (const void *)(start_stack + 8 + 8 * INFRASIGHT_ARGV_MAX_ARGS)) &&
				    pmax > arg_start && pmax <= arg_end)
					len = pmax - arg_start;
			}
		}
		if (len > INFRASIGHT_ARGV_MAX_BYTES) {
			len = INFRASIGHT_ARGV_MAX_BYTES;
			ev->flags |= INFRASIGHT_F_ARGV_TRUNCATED;
		}
		if (len && bpf_probe_read_user(ev->argv, len, (const void *)arg_start)) {
			ev->flags |= INFRASIGHT_F_ARGV_READ_FAILED;
			len = 0;
		}
		argv_len = len;
		ev->argc = argc;
		ev->filename_len = read_filename(ev, (const char *)env_end);
	} else {
		ev->filename_len = read_filename(ev, (const char *)st.filename_ptr);
		argv_len = read_argv_user(ev, st.argv_ptr, &argc);
		ev->argc = argc;
	}
	if (argv_len > INFRASIGHT_ARGV_MAX_BYTES)
		argv_len = INFRASIGHT_ARGV_MAX_BYTES;
	ev->argv_len = argv_len;

	/* the resolved path, right after argv's bytes (inside argv[] + slack: argv_len <= ARGV_MAX) */
	__u32 rflags = 0, rlen;
	char *resolved = &ev->argv[argv_len];
	if (ret == 0) {
		struct file *exe = BPF_CORE_READ(task, mm, exe_file);
		rlen = path_resolve_file(exe, resolved, &rflags);
		rflags |= exe_fileless_flags(exe);
	} else
		rlen = path_resolve_dir(st.dirfd, ev->filename[0], resolved, &rflags);
	rlen &= INFRASIGHT_PATH_MAX - 1;
	ev->resolved_len = rlen;
	ev->_pad = 0;
	ev->flags |= rflags;

	if (ev->flags & (INFRASIGHT_F_ARGV_TRUNCATED | INFRASIGHT_F_RESOLVED_TRUNCATED))
		count(INFRASIGHT_CTR_ARGV_TRUNCATED);
	if (ev->flags & (INFRASIGHT_F_ARGV_READ_FAILED | INFRASIGHT_F_FILENAME_READ_FAILED))
		count(INFRASIGHT_CTR_READ_FAILED);

	__u64 size = __builtin_offsetof(struct infrasight_exec_event, argv) + argv_len + rlen + 1;
	if (size > sizeof(*sc))
		size = sizeof(*sc);
	if (bpf_ringbuf_output(&events, ev, size, ringbuf_wakeup_flags(&events))) {
		count(INFRASIGHT_CTR_RESERVE_FAILED);
		tgid_count_add(&lost_tgids, tgid);
		return 0;
	}
	count(INFRASIGHT_CTR_EMITTED);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int tp_enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	/* execve(filename, argv, envp) */
	return on_enter(ctx, ctx->args[0], ctx->args[1], 0, INFRASIGHT_AT_FDCWD);
}

SEC("tracepoint/syscalls/sys_exit_execve")
int tp_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int tp_enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	/* execveat(dirfd, filename, argv, envp, flags) */
	return on_enter(ctx, ctx->args[1], ctx->args[2], INFRASIGHT_F_EXECVEAT, (__s32)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int tp_exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx);
}
