// SPDX-License-Identifier: GPL-2.0
/*
 * mount.bpf.c — mount(2) and umount2(2) (tracepoints syscalls:sys_{enter,exit}_mount and
 * sys_{enter,exit}_umount: the kernel names umount2 "umount"), and the new mount API that does the
 * same in steps: fsopen (a file system context: fstype), fsmount (a detached mount from it: flags),
 * open_tree (a path's mount, cloned detached with OPEN_TREE_CLONE: source), move_mount (attach a
 * detached mount somewhere: source and target as passed, often "" with the *_EMPTY_PATH flags).
 * Strings are read at sys_exit. mount's data argument and fsconfig's keys are not captured.
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
	} else if (st.syscall == INFRASIGHT_SYS_UMOUNT2) {
		/* umount2(name, flags) */
		ev->mount_flags = st.args[1];
		ev->source_len = 0;
		ev->source[0] = 0;
		ev->fstype_len = 0;
		ev->fstype[0] = 0;
		ev->target_len = read_user_str(ev->target, sizeof(ev->target), (const void *)st.args[0],
					       &flags, INFRASIGHT_F_PATH_TRUNCATED, INFRASIGHT_F_PATH_READ_FAILED);
	} else {
		/* fsopen(fs_name, flags), fsmount(fs_fd, flags, attr_flags), open_tree(dfd, filename, flags),
		 * move_mount(from_dfd, from_pathname, to_dfd, to_pathname, flags) */
		const void *source = 0, *target = 0, *fstype = 0;
		if (st.syscall == INFRASIGHT_SYS_FSOPEN) {
			fstype = (const void *)st.args[0];
			ev->mount_flags = st.args[1];
		} else if (st.syscall == INFRASIGHT_SYS_FSMOUNT) {
			ev->mount_flags = st.args[2];   /* MOUNT_ATTR_* (args[1] is only FSMOUNT_CLOEXEC) */
		} else if (st.syscall == INFRASIGHT_SYS_OPEN_TREE) {
			source = (const void *)st.args[1];
			ev->mount_flags = st.args[2];
		} else {
			source = (const void *)st.args[1];
			target = (const void *)st.args[3];
			ev->mount_flags = st.args[4];
		}
		ev->source_len = 0;
		ev->source[0] = 0;
		ev->target_len = 0;
		ev->target[0] = 0;
		ev->fstype_len = 0;
		ev->fstype[0] = 0;
		if (source)
			ev->source_len = read_user_str(ev->source, sizeof(ev->source), source,
						       &flags, INFRASIGHT_F_SOURCE_TRUNCATED, INFRASIGHT_F_PATH_READ_FAILED);
		if (target)
			ev->target_len = read_user_str(ev->target, sizeof(ev->target), target,
						       &flags, INFRASIGHT_F_PATH_TRUNCATED, INFRASIGHT_F_PATH_READ_FAILED);
		if (fstype)
			ev->fstype_len = read_user_str(ev->fstype, sizeof(ev->fstype), fstype,
						       &flags, INFRASIGHT_F_FSTYPE_TRUNCATED, INFRASIGHT_F_PATH_READ_FAILED);
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

SEC("tracepoint/syscalls/sys_enter_fsopen")
int tp_enter_fsopen(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_FSOPEN, 2); }
SEC("tracepoint/syscalls/sys_exit_fsopen")
int tp_exit_fsopen(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_fsmount")
int tp_enter_fsmount(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_FSMOUNT, 3); }
SEC("tracepoint/syscalls/sys_exit_fsmount")
int tp_exit_fsmount(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_open_tree")
int tp_enter_open_tree(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_OPEN_TREE, 3); }
SEC("tracepoint/syscalls/sys_exit_open_tree")
int tp_exit_open_tree(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_move_mount")
int tp_enter_move_mount(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_MOVE_MOUNT, 5); }
SEC("tracepoint/syscalls/sys_exit_move_mount")
int tp_exit_move_mount(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }
