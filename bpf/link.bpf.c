// SPDX-License-Identifier: GPL-2.0
/*
 * link.bpf.c — links and removals: symlink(2), symlinkat(2), link(2), linkat(2), unlink(2),
 * unlinkat(2), rename(2), renameat(2), renameat2(2) (tracepoints syscalls:sys_{enter,exit}_*).
 * The paths are read at sys_exit (record layout: struct infrasight_link_event).
 *
 * Resolved paths (include/infrasight_path.h), as chmod by path: only path strings exist, so the
 * record carries the directory each is looked up from (the cwd or the dirfd's file), joined and
 * normalised in user space (lexical):
 *   - path (the name created or removed) → resolved[], flags in the common header;
 *   - old_path of link* and rename* → old_resolved[], flags in old_flags;
 *   - symlink's target is never looked up by the kernel; user space takes it relative to the
 *     link's directory, so nothing is walked for it here.
 * A removed name's directory still exists at sys_exit, so a walk there names it.
 *
 * Path filters judge the resolved paths (README "Filters"): the record is dropped only when every
 * path it has is refused (a rename out of a watched directory is kept), a symlink's relative
 * target is not judged (its directory is the link's). Counted once, by the path's refusal.
 * Cost: nothing on open(); per call one stash, two string reads and one or two directory walks
 * (a throttled call without path filters walks nothing). The walks and the path judgement are global
 * BPF functions, verified once for the object: inlined at the nine exits the object took 6.4 s to
 * load here, now 0.09 s (as chmod.bpf.o).
 */
#include "vmlinux.h"
#include "infrasight_bpf.h"
#include "infrasight_path.h"

DEFINE_SCRATCH(struct infrasight_link_event)

/* The path filters' judgement of the record's path (old = 0) or old path (old = 1), read from the
 * scratch record (resolved[], old_resolved[] and their lengths already written): 0 admitted, else
 * the counter index (not counted here). A global function: the verifier checks it once, not at each
 * of the nine exits for each of the two paths (inlined, the object took seconds to load). */
__noinline __u32 link_path_refused(__u32 gen, __u32 flags, __u32 old)
{
	struct infrasight_link_event *ev = scratch_event();
	if (!ev)
		return 0;
	struct sys_stash st = { .filter_gen = gen };
	if (old)
		return resolved_path_refused(&st, flags, ev->old_resolved, ev->old_resolved_len & (INFRASIGHT_PATH_MAX - 1),
					     ev->old_path, ev->old_path_len & (INFRASIGHT_PATH_MAX - 1));
	return resolved_path_refused(&st, flags, ev->resolved, ev->resolved_len & (INFRASIGHT_PATH_MAX - 1),
				     ev->path, ev->path_len & (INFRASIGHT_PATH_MAX - 1));
}

/* The lookup directory of the record's path (old = 0) or old path (old = 1), walked into resolved[]
 * or old_resolved[] of the scratch record (dirfds and paths already written): the RESOLVED_* flags
 * in the high 32 bits, the length in the low ones. Global for the same reason as above. */
__noinline __u64 link_resolve_dir(__u32 old)
{
	struct infrasight_link_event *ev = scratch_event();
	if (!ev)
		return 0;
	__u32 f = 0, len;
	if (old)
		len = path_resolve_dir(ev->old_dirfd, ev->old_path[0], ev->old_resolved, &f);
	else
		len = path_resolve_dir(ev->dirfd, ev->path[0], ev->resolved, &f);
	return ((__u64)f << 32) | (len & (INFRASIGHT_PATH_MAX - 1));
}

static __always_inline int on_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct sys_stash st;
	if (!stash_take(&st))
		return 0;
	struct infrasight_link_event *ev = scratch_event();
	if (!ev)
		return 0;
	__u32 flags = 0, old_flags = 0;
	fill_common(&ev->c, INFRASIGHT_EVENT_KIND_LINK, &st, ctx->ret);
	const void *path = NULL, *old = NULL;
	ev->dirfd = INFRASIGHT_AT_FDCWD;
	ev->old_dirfd = INFRASIGHT_AT_FDCWD;
	ev->at_flags = 0;
	switch (st.syscall) {
	case INFRASIGHT_SYS_SYMLINK: /* symlink(target, linkpath) */
	case INFRASIGHT_SYS_LINK:    /* link(oldpath, newpath) */
	case INFRASIGHT_SYS_RENAME:  /* rename(oldpath, newpath) */
		old = (const void *)st.args[0];
		path = (const void *)st.args[1];
		break;
	case INFRASIGHT_SYS_SYMLINKAT: /* symlinkat(target, newdirfd, linkpath) */
		old = (const void *)st.args[0];
		ev->dirfd = (__s32)st.args[1];
		path = (const void *)st.args[2];
		break;
	case INFRASIGHT_SYS_UNLINK: /* unlink(pathname) */
		path = (const void *)st.args[0];
		break;
	case INFRASIGHT_SYS_UNLINKAT: /* unlinkat(dirfd, pathname, flags) */
		ev->dirfd = (__s32)st.args[0];
		path = (const void *)st.args[1];
		ev->at_flags = (__u32)st.args[2];
		break;
	default: /* linkat, renameat(2)(olddirfd, oldpath, newdirfd, newpath[, flags]) */
		ev->old_dirfd = (__s32)st.args[0];
		old = (const void *)st.args[1];
		ev->dirfd = (__s32)st.args[2];
		path = (const void *)st.args[3];
		if (st.syscall != INFRASIGHT_SYS_RENAMEAT)
			ev->at_flags = (__u32)st.args[4];
		break;
	}
	ev->path_len = read_user_str(ev->path, sizeof(ev->path), path, &flags,
				     INFRASIGHT_F_PATH_TRUNCATED, INFRASIGHT_F_PATH_READ_FAILED);
	int symlink = st.syscall == INFRASIGHT_SYS_SYMLINK || st.syscall == INFRASIGHT_SYS_SYMLINKAT;
	if (old) {
		ev->old_path_len = read_user_str(ev->old_path, sizeof(ev->old_path), old, &old_flags,
						 INFRASIGHT_F_PATH_TRUNCATED, INFRASIGHT_F_PATH_READ_FAILED);
	} else {
		ev->old_path[0] = 0;
		ev->old_path_len = 0;
	}
	int judged = filter_path_on(st.filter_gen);
	if (!judged && throttled())
		return 0;
	__u64 walked = link_resolve_dir(0);
	__u32 rlen = (__u32)walked & (INFRASIGHT_PATH_MAX - 1);
	flags |= walked >> 32;
	__u32 olen = 0;
	ev->old_resolved[0] = 0;
	if (old && !symlink) {
		walked = link_resolve_dir(1);
		olen = (__u32)walked & (INFRASIGHT_PATH_MAX - 1);
		old_flags |= walked >> 32;
	}
	ev->resolved_len = rlen;
	ev->old_resolved_len = olen;
	if (judged) {
		__u32 refused = link_path_refused(st.filter_gen, flags, 0);
		/* the second path can admit the record: link/rename's old path, an absolute symlink target */
		if (refused && old && (!symlink || ev->old_path[0] == '/') && !link_path_refused(st.filter_gen, old_flags, 1))
			refused = 0;
		if (refused) {
			count(refused);
			return 0;
		}
		if (throttled())
			return 0;
	}
	ev->old_flags = old_flags;
	ev->c.flags = flags;
	/* fixed part, then the resolved path up to and including its NUL; old_path's truncation and
	 * read failure are counted with the record's */
	return emit_admitted(ev, __builtin_offsetof(struct infrasight_link_event, resolved) + rlen + 1,
			     flags | (old_flags & (INFRASIGHT_F_PATH_TRUNCATED | INFRASIGHT_F_PATH_READ_FAILED |
						   INFRASIGHT_F_RESOLVED_TRUNCATED)));
}

SEC("tracepoint/syscalls/sys_enter_symlink")
int tp_enter_symlink(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_SYMLINK, 2); }
SEC("tracepoint/syscalls/sys_exit_symlink")
int tp_exit_symlink(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_symlinkat")
int tp_enter_symlinkat(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_SYMLINKAT, 3); }
SEC("tracepoint/syscalls/sys_exit_symlinkat")
int tp_exit_symlinkat(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_link")
int tp_enter_link(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_LINK, 2); }
SEC("tracepoint/syscalls/sys_exit_link")
int tp_exit_link(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_linkat")
int tp_enter_linkat(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_LINKAT, 5); }
SEC("tracepoint/syscalls/sys_exit_linkat")
int tp_exit_linkat(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_unlink")
int tp_enter_unlink(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_UNLINK, 1); }
SEC("tracepoint/syscalls/sys_exit_unlink")
int tp_exit_unlink(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int tp_enter_unlinkat(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_UNLINKAT, 3); }
SEC("tracepoint/syscalls/sys_exit_unlinkat")
int tp_exit_unlinkat(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_rename")
int tp_enter_rename(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_RENAME, 2); }
SEC("tracepoint/syscalls/sys_exit_rename")
int tp_exit_rename(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_renameat")
int tp_enter_renameat(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_RENAMEAT, 4); }
SEC("tracepoint/syscalls/sys_exit_renameat")
int tp_exit_renameat(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_renameat2")
int tp_enter_renameat2(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_RENAMEAT2, 5); }
SEC("tracepoint/syscalls/sys_exit_renameat2")
int tp_exit_renameat2(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }
