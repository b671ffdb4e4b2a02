// SPDX-License-Identifier: GPL-2.0
/*
 * open.bpf.c — open(2), openat(2), openat2(2) (tracepoints syscalls:sys_{enter,exit}_open*).
 * sys_enter stashes the arguments per tid; sys_exit reads the path (and openat2's struct open_how)
 * from user memory and emits one struct infrasight_open_event. Failed opens are events too.
 * The resolved path (include/infrasight_path.h): a successful open's fd → its file's path; a failed
 * open → the directory the passed path was looked up from (cwd or dirfd), joined in user space.
 * Path filters judge that resolved path (infrasight_bpf.h resolved_path_filtered).
 * memfd_create(2) is an open-kind record too: the file it makes is opened (fd), its name is the path
 * as passed, its MFD_* flags are the flags, and the resolved path is the memfd's own ("/memfd:NAME";
 * none when the call failed: the name is no path to look up). An exec of that fd is flagged on the
 * exec record (INFRASIGHT_F_EXE_MEMFD).
 */
#include "vmlinux.h"
#include "infrasight_bpf.h"
#include "infrasight_path.h"

DEFINE_SCRATCH(struct infrasight_open_event)

static __always_inline int on_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct sys_stash st;
	if (!stash_take(&st))
		return 0;
	struct infrasight_open_event *ev = scratch_event();
	if (!ev)
		return 0;
	long ret = ctx->ret;
	__u32 flags = 0;
	fill_common(&ev->c, INFRASIGHT_EVENT_KIND_OPEN, &st, ret);
	ev->fd = ret >= 0 ? (__s32)ret : -1;
	ev->resolve = 0;
	const void *path;
	switch (st.syscall) {
	case INFRASIGHT_SYS_OPEN: /* open(filename, flags, mode) */
		ev->dirfd = -100; /* AT_FDCWD */
		path = (const void *)st.args[0];
		ev->flags = (__u32)st.args[1];
		ev->mode = (__u32)st.args[2];
		break;
	case INFRASIGHT_SYS_OPENAT: /* openat(dfd, filename, flags, mode) */
		ev->dirfd = (__s32)st.args[0];
		path = (const void *)st.args[1];
		ev->flags = (__u32)st.args[2];
		ev->mode = (__u32)st.args[3];
		break;
	case INFRASIGHT_SYS_MEMFD_CREATE: /* memfd_create(uname, flags) */
		ev->dirfd = -100;
		path = (const void *)st.args[0];
		ev->flags = (__u32)st.args[1];
		ev->mode = 0;
		break;
	default: { /* openat2(dfd, filename, how, usize) */
		ev->dirfd = (__s32)st.args[0];
		path = (const void *)st.args[1];
		struct open_how how = {};
		__u64 usize = st.args[3];
		if (usize < sizeof(how) ||
		    bpf_probe_read_user(&how, sizeof(how), (const void *)st.args[2])) {
			flags |= INFRASIGHT_F_HOW_READ_FAILED;
			how.flags = how.mode = how.resolve = 0;
		}
		ev->flags = how.flags;
		ev->mode = how.mode;
		ev->resolve = how.resolve;
		break;
	}
	}
	ev->path_len = read_user_str(ev->path, sizeof(ev->path), path, &flags,
				     INFRASIGHT_F_PATH_TRUNCATED, INFRASIGHT_F_PATH_READ_FAILED);
	/* Path filters judge the file reached, so with them on the walk comes first; without them a
	 * throttled open costs no walk. */
	int judged = filter_path_on(st.filter_gen);
	if (!judged && throttled())
		return 0;
	__u32 rlen;
	if (ret >= 0)
		rlen = path_resolve_file(path_file_from_fd(ret), ev->resolved, &flags);
	else if (st.syscall == INFRASIGHT_SYS_MEMFD_CREATE)
		rlen = path_resolve_file(0, ev->resolved, &flags);
	else
		rlen = path_resolve_dir(ev->dirfd, ev->path[0], ev->resolved, &flags);
	rlen &= INFRASIGHT_PATH_MAX - 1;
	if (judged && (resolved_path_filtered(&st, flags, ev->resolved, rlen, ev->path, ev->path_len) || throttled()))
		return 0;
	ev->resolved_len = rlen;
	ev->c.flags = flags;
	/* fixed part, then the resolved path up to and including its NUL */
	return emit_admitted(ev, __builtin_offsetof(struct infrasight_open_event, resolved) + rlen + 1, flags);
}

SEC("tracepoint/syscalls/sys_enter_open")
int tp_enter_open(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_OPEN, 3); }
SEC("tracepoint/syscalls/sys_exit_open")
int tp_exit_open(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_enter_openat(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_OPENAT, 4); }
SEC("tracepoint/syscalls/sys_exit_openat")
int tp_exit_openat(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_openat2")
int tp_enter_openat2(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_OPENAT2, 4); }
SEC("tracepoint/syscalls/sys_exit_openat2")
int tp_exit_openat2(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_memfd_create")
int tp_enter_memfd_create(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_MEMFD_CREATE, 2); }
SEC("tracepoint/syscalls/sys_exit_memfd_create")
int tp_exit_memfd_create(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }
