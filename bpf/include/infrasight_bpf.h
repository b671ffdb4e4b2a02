/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * infrasight_bpf.h — the sys_enter/sys_exit stash shared by the probe objects whose two halves
 * carry raw syscall arguments (bpf/<probe>.bpf.c; execve.bpf.c stashes its own user pointers).
 * Include once per object. Besides the maps of infrasight_maps.h (events, excluded_tgids,
 * counters, lost_tgids), infrasight_throttle.h (rate_limit, rate_state, throttled_tgids) and
 * infrasight_filter.h (filter_*), it DEFINES:
 *   starts          per-tid LRU hash: sys_enter data awaiting sys_exit
 */
#ifndef INFRASIGHT_BPF_H
#define INFRASIGHT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "infrasight_event.h"
#include "infrasight_maps.h"
#include "infrasight_throttle.h"
#include "infrasight_filter.h"
#include "infrasight_wakeup.h"

/* sys_enter data: the raw syscall arguments (user pointers are read at sys_exit) */
struct sys_stash {
	__u64 boot_ns;
	__u64 args[6];
	__u32 tid;
	__u32 ppid;
	__u32 syscall;
	__u32 extra_valid;     /* set by a fentry/fexit program between enter and exit */
	__u8 extra[24];        /* probe-specific data captured in between (connect: source address) */
	__u32 filter_gen;      /* filter generation the syscall was judged by at sys_enter */
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);   /* tid */
	__type(value, struct sys_stash);
} starts SEC(".maps");

/* sys_enter: skip excluded processes, stash time, ppid and the first `nargs` arguments per tid.
 * nargs must be a constant <= the syscall's argument count: the kernel refuses to attach a
 * program that reads past the tracepoint's record (EACCES). */
static __always_inline int stash_enter(struct trace_event_raw_sys_enter *ctx, __u32 syscall, const int nargs)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;

	if (excluded_tgid(tgid)) {
		count(INFRASIGHT_CTR_EXCLUDED);
		return 0;
	}
	__u32 gen = filter_generation_now();
	__u32 refused = filter_process(gen, INFRASIGHT_FILTER_PROCESS_KINDS);
	if (refused) {
		count(refused); /* nothing stashed: sys_exit finds no stash and stops there */
		return 0;
	}
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct sys_stash st = {
		.boot_ns = bpf_ktime_get_boot_ns(),
		.tid = tid,
		.ppid = BPF_CORE_READ(task, real_parent, tgid),
		.syscall = syscall,
		.filter_gen = gen,
	};
	/* constant offsets only: the verifier refuses ctx accesses through a modified pointer */
	if (nargs > 0) st.args[0] = ctx->args[0];
	if (nargs > 1) st.args[1] = ctx->args[1];
	if (nargs > 2) st.args[2] = ctx->args[2];
	if (nargs > 3) st.args[3] = ctx->args[3];
	if (nargs > 4) st.args[4] = ctx->args[4];
	if (nargs > 5) st.args[5] = ctx->args[5];
	if (bpf_map_update_elem(&starts, &tid, &st, BPF_ANY))
		count(INFRASIGHT_CTR_STASH_FAILED);
	return 0;
}

/* 1 when this thread has a stash. For probes that choose at sys_enter what to stash (dup, socket):
 * their sys_exit looks here first, since a missing stash is then the usual case, not a miss. */
static __always_inline int stash_pending(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	return bpf_map_lookup_elem(&starts, &tid) != NULL;
}

/* sys_exit: takes (copies and deletes) this thread's stash; 0 when there is none. */
static __always_inline int stash_take(struct sys_stash *out)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct sys_stash *st = bpf_map_lookup_elem(&starts, &tid);
	if (!st) {
		/* a filtered process has no stash either (re-judged only on this miss path) */
		if (!excluded_tgid(tgid) && !filter_process(filter_generation_now(), INFRASIGHT_FILTER_PROCESS_KINDS))
			count(INFRASIGHT_CTR_ENTER_MISS);
		return 0;
	}
	__builtin_memcpy(out, st, sizeof(*out));
	bpf_map_delete_elem(&starts, &tid);
	return 1;
}

/* Path filters judge the file the call reached (README "Filters"), so `cd /etc && cat shadow` meets
 * the same filters as `cat /etc/shadow`:
 *   - the walked file (INFRASIGHT_F_RESOLVED_FILE: a successful open, fchmod): its absolute path,
 *     symlinks followed;
 *   - else an absolute passed path, as passed (a failed call, chmod by path);
 *   - else the walked directory (cwd or dirfd, INFRASIGHT_F_RESOLVED_DIR), "/" and the passed path;
 *   - else (no directory could be walked) the relative path as passed.
 * resolved_path_refused gives the counter index of the refusal (0: admitted) without counting it, for
 * a record judged by two paths (link); resolved_path_filtered counts it. */
static __always_inline __u32 resolved_path_refused(const struct sys_stash *st, __u32 flags, const char *resolved,
						   __u32 rlen, const char *passed, __u32 plen)
{
	if (flags & INFRASIGHT_F_RESOLVED_FILE)
		return filter_path(st->filter_gen, resolved, rlen);
	if (passed[0] == '/' || !(flags & INFRASIGHT_F_RESOLVED_DIR))
		return filter_path(st->filter_gen, passed, plen);
	return filter_path_joined(st->filter_gen, resolved, rlen, passed, plen);
}

/* resolved_path_refused, counted: 1 when the record is to be dropped. */
static __always_inline int resolved_path_filtered(const struct sys_stash *st, __u32 flags, const char *resolved,
						  __u32 rlen, const char *passed, __u32 plen)
{
	__u32 refused = resolved_path_refused(st, flags, resolved, rlen, passed, plen);
	if (refused)
		count(refused);
	return refused != 0;
}

/* Fills the common header at sys_exit (boot_ns/ppid/tid from the stash). */
static __always_inline void fill_common(struct infrasight_common *c, __u16 kind,
					const struct sys_stash *st, long ret)
{
	__u64 now = bpf_ktime_get_boot_ns();
	__u64 ugid = bpf_get_current_uid_gid();

	c->version = INFRASIGHT_EVENT_VERSION;
	c->kind = kind;
	c->flags = 0;
	c->boot_ns = st->boot_ns;
	c->latency_ns = now - st->boot_ns;
	c->ret = ret;
	c->cgroup_id = bpf_get_current_cgroup_id();
	c->pid = bpf_get_current_pid_tgid() >> 32;
	c->tid = st->tid;
	c->ppid = st->ppid;
	c->uid = (__u32)ugid;
	c->gid = ugid >> 32;
	c->syscall = st->syscall;
	bpf_get_current_comm(c->comm, sizeof(c->comm));
}

/* Reads a user string into buf (cap bytes, power of two); returns its length without NUL and sets
 * the truncated / read-failed flag bits given. */
static __always_inline __u32 read_user_str(char *buf, __u32 cap, const void *src, __u32 *flags,
					   __u32 truncated_flag, __u32 failed_flag)
{
	if (!src) {
		buf[0] = 0;
		*flags |= failed_flag;
		return 0;
	}
	long n = bpf_probe_read_user_str(buf, cap, src);
	if (n <= 0) {
		buf[0] = 0;
		*flags |= failed_flag;
		return 0;
	}
	if (n == cap)
		*flags |= truncated_flag; /* may be an exact fit; reported as truncated */
	return (__u32)n - 1;
}

/* A reserve failure, attributed to the current process (only on the failure path: cheap). */
static __always_inline void count_lost_tgid(void)
{
	tgid_count_add(&lost_tgids, bpf_get_current_pid_tgid() >> 32);
}

/* Emits one record from scratch memory with batched wake-ups, the rate limit already applied
 * (throttled() said no: a probe that does costly work for a record asks first); counts the outcome. */
static __always_inline int emit_admitted(void *ev, __u64 size, __u32 flags)
{
	if (flags & (INFRASIGHT_F_PATH_TRUNCATED | INFRASIGHT_F_SOURCE_TRUNCATED | INFRASIGHT_F_FSTYPE_TRUNCATED |
		     INFRASIGHT_F_RESOLVED_TRUNCATED | INFRASIGHT_F_PARAMS_TRUNCATED))
		count(INFRASIGHT_CTR_TRUNCATED);
	if (flags & (INFRASIGHT_F_PATH_READ_FAILED | INFRASIGHT_F_HOW_READ_FAILED | INFRASIGHT_F_ADDR_READ_FAILED |
		     INFRASIGHT_F_CAPS_READ_FAILED | INFRASIGHT_F_PARAMS_READ_FAILED | INFRASIGHT_F_ATTR_READ_FAILED))
		count(INFRASIGHT_CTR_READ_FAILED);
	if (flags & INFRASIGHT_F_NO_SOCKET)
		count(INFRASIGHT_CTR_NO_SOCKET);

	if (bpf_ringbuf_output(&events, ev, size, ringbuf_wakeup_flags(&events))) {
		count(INFRASIGHT_CTR_RESERVE_FAILED);
		count_lost_tgid();
		return 0;
	}
	count(INFRASIGHT_CTR_EMITTED);
	return 0;
}

/* Emits one record from scratch memory unless the process is over its rate limit. */
static __always_inline int emit(void *ev, __u64 size, __u32 flags)
{
	if (throttled())
		return 0;
	return emit_admitted(ev, size, flags);
}

/* Per-CPU scratch for one record of type T (too big for the 512-byte BPF stack). */
#define DEFINE_SCRATCH(T)                                  \
	struct {                                           \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);   \
		__uint(max_entries, 1);                    \
		__type(key, __u32);                        \
		__type(value, T);                          \
	} scratch SEC(".maps");                            \
	static __always_inline T *scratch_event(void)      \
	{                                                  \
		__u32 zero = 0;                            \
		return bpf_map_lookup_elem(&scratch, &zero); \
	}

#endif /* INFRASIGHT_BPF_H */
