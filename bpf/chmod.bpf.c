// SPDX-License-Identifier: GPL-2.0
/*
 * chmod.bpf.c — chmod(2), fchmod(2), fchmodat(2), fchmodat2(2) (tracepoints
 * syscalls:sys_{enter,exit}_*chmod*; fchmodat2 only where the kernel has it, Linux >= 6.6).
 * The path is read at sys_exit. Note: glibc's fchmodat() with flags calls fchmodat2.
 * The resolved path (include/infrasight_path.h): fchmod → its fd's file; chmod and fchmodat* →
 * the directory the passed path was looked up from (cwd or dirfd), joined in user space.
 */
#include "vmlinux.h"
#include "infrasight_bpf.h"
#include "infrasight_path.h"

DEFINE_SCRATCH(struct infrasight_chmod_event)

static __always_inline int on_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct sys_stash st;
	if (!stash_take(&st))
		return 0;
	struct infrasight_chmod_event *ev = scratch_event();
	if (!ev)
		return 0;
	__u32 flags = 0;
	fill_common(&ev->c, INFRASIGHT_EVENT_KIND_CHMOD, &st, ctx->ret);
	const void *path = NULL;
	ev->flags = 0;
	switch (st.syscall) {
	case INFRASIGHT_SYS_CHMOD: /* chmod(filename, mode) */
		ev->fd = -100;
		path = (const void *)st.args[0];
		ev->mode = (__u32)st.args[1];
		break;
	case INFRASIGHT_SYS_FCHMOD: /* fchmod(fd, mode) */
		ev->fd = (__s32)st.args[0];
		ev->mode = (__u32)st.args[1];
		break;
	case INFRASIGHT_SYS_FCHMODAT: /* fchmodat(dfd, filename, mode) */
		ev->fd = (__s32)st.args[0];
		path = (const void *)st.args[1];
		ev->mode = (__u32)st.args[2];
		break;
	default: /* fchmodat2(dfd, filename, mode, flags) */
		ev->fd = (__s32)st.args[0];
		path = (const void *)st.args[1];
		ev->mode = (__u32)st.args[2];
		ev->flags = (__u32)st.args[3];
		break;
	}
	if (st.syscall == INFRASIGHT_SYS_FCHMOD) {
		ev->path[0] = 0;
		ev->path_len = 0;
	} else {
		ev->path_len = read_user_str(ev->path, sizeof(ev->path), path, &flags,
					     INFRASIGHT_F_PATH_TRUNCATED, INFRASIGHT_F_PATH_READ_FAILED);
	}
	/* Path filters judge the file reached (fchmod's too, through its fd), so with them on the walk
	 * comes first; without them a throttled chmod costs no walk. */
	int judged = filter_path_on(st.filter_gen);
	if (!judged && throttled())
		return 0;
	__u32 rlen;
	if (st.syscall == INFRASIGHT_SYS_FCHMOD)
		rlen = path_resolve_file(path_file_from_fd(ev->fd), ev->resolved, &flags);
	else
		rlen = path_resolve_dir(ev->fd, ev->path[0], ev->resolved, &flags);
	rlen &= INFRASIGHT_PATH_MAX - 1;
	if (judged && (resolved_path_filtered(&st, flags, ev->resolved, rlen, ev->path, ev->path_len) || throttled()))
		return 0;
	ev->resolved_len = rlen;
	ev->_pad = 0;
	ev->c.flags = flags;
	/* fixed part, then the resolved path up to and including its NUL */
	return emit_admitted(ev, __builtin_offsetof(struct infrasight_chmod_event, resolved) + rlen + 1, flags);
}

SEC("tracepoint/syscalls/sys_enter_chmod")
int tp_enter_chmod(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_CHMOD, 2); }
SEC("tracepoint/syscalls/sys_exit_chmod")
int tp_exit_chmod(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_fchmod")
int tp_enter_fchmod(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_FCHMOD, 2); }
SEC("tracepoint/syscalls/sys_exit_fchmod")
int tp_exit_fchmod(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_fchmodat")
int tp_enter_fchmodat(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_FCHMODAT, 3); }
SEC("tracepoint/syscalls/sys_exit_fchmodat")
int tp_exit_fchmodat(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_fchmodat2")
int tp_enter_fchmodat2(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_FCHMODAT2, 4); }
SEC("tracepoint/syscalls/sys_exit_fchmodat2")
int tp_exit_fchmodat2(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }
