// SPDX-License-Identifier: GPL-2.0
/*
 * mount.bpf.c — mount(2) and umount2(2) (tracepoints syscalls:sys_{enter,exit}_mount and
 * sys_{enter,exit}_umount: the kernel names umount2 "umount"). Strings are read at sys_exit.
 * umount2 fills only target and flags. mount's data argument is not captured.
 */
#include "vmlinux.h"
#include "infrasight_bpf.h"

DEFINE_SCRATCH(struct infrasight_mount_event)

static __always_inline int on_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct sys_stash st;
	if (!stash_take(&st))
		return 0;
	struct infrasight_mount_event *ev = scratch_event();
	if (!ev)
		return 0;
	__u32 flags = 0;
	fill_common(&ev->c, INFRASIGHT_EVENT_KIND_MOUNT, &st, ctx->ret);
	ev->_pad = 0;
	if (st.syscall == INFRASIGHT_SYS_MOUNT) {
		/* mount(dev_name, dir_name, type, flags, data) */
		ev->mount_flags = st.args[3];
		ev->source_len = 0;
		ev->source[0] = 0;
		if (st.args[0])
			ev->source_len = read_user_str(ev->source, sizeof(ev->source), (const void *)st.args[0],
						       &flags, INFRASIGHT_F_SOURCE_TRUNCATED, INFRASIGHT_F_PATH_READ_FAILED);
		ev->target_len = read_user_str(ev->target, sizeof(ev->target), (const void *)st.args[1],
					       &flags, INFRASIGHT_F_PATH_TRUNCATED, INFRASIGHT_F_PATH_READ_FAILED);
		ev->fstype_len = 0;
		ev->fstype[0] = 0;
		if (st.args[2])
			ev->fstype_len = read_user_str(ev->fstype, sizeof(ev->fstype), (const void *)st.args[2],
						       &flags, INFRASIGHT_F_FSTYPE_TRUNCATED, INFRASIGHT_F_PATH_READ_FAILED);
	} else {
		/* umount2(name, flags) */
		ev->mount_flags = st.args[1];
		ev->source_len = 0;
		ev->source[0] = 0;
		ev->fstype_len = 0;
		ev->fstype[0] = 0;
		ev->target_len = read_user_str(ev->target, sizeof(ev->target), (const void *)st.args[0],
					       &flags, INFRASIGHT_F_PATH_TRUNCATED, INFRASIGHT_F_PATH_READ_FAILED);
	}
	ev->c.flags = flags;
	return emit(ev, sizeof(*ev), flags);
}

SEC("tracepoint/syscalls/sys_enter_mount")
int tp_enter_mount(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_MOUNT, 5); }
SEC("tracepoint/syscalls/sys_exit_mount")
int tp_exit_mount(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_umount")
int tp_enter_umount(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_UMOUNT2, 2); }
SEC("tracepoint/syscalls/sys_exit_umount")
int tp_exit_umount(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }
