// SPDX-License-Identifier: GPL-2.0
/*
 * bind.bpf.c — new listeners: bind(2) and listen(2) (tracepoints syscalls:sys_{enter,exit}_{bind,listen}).
 *
 *   bind:   the family, address and port as passed (the caller's sockaddr, read at sys_exit with
 *           read_user_inet_sockaddr, as connect reads its destination), the socket's type and
 *           protocol from the kernel, and the return value: a port bound by a process that is not a
 *           known server, or a shell binding one (bind shell), shows even when the bind failed.
 *   listen: the socket's bound local address and port read from the kernel socket at sys_exit (the
 *           port the kernel picked when the socket was not bound), the backlog as passed, and ret.
 *
 * POLICY, applied in the kernel at sys_enter (one read each, both calls are rare next to open):
 * AF_UNIX and AF_NETLINK are not emitted (like the socket probe: local IPC and netlink listeners
 * are constant and say nothing about network exposure). bind judges the family in the caller's
 * sockaddr (2 bytes; an unreadable sockaddr is kept, the kernel refuses it with EFAULT), listen the
 * family of the socket behind the fd (fd table, infrasight_sock.h; an fd that is no socket is kept:
 * ENOTSOCK). The process filters and the exclusion list apply at the same sys_enter.
 * Loss accounting: sys_exit has only the return value, so a sys_exit without a stash (the policy or
 * a filter refused it, or the stash was lost) counts no enter miss; a lost stash is rare (LRU of 16k).
 */
#include "vmlinux.h"
#include "infrasight_bpf.h"
#include "infrasight_sock.h"

DEFINE_SCRATCH(struct infrasight_socket_event)

static __always_inline int policy_keeps(__u16 family) { return family != IS_AF_UNIX && family != IS_AF_NETLINK; }

SEC("tracepoint/syscalls/sys_enter_bind")
int tp_enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	__u16 family = 0;
	if (ctx->args[1] && bpf_probe_read_user(&family, sizeof(family), (const void *)ctx->args[1]) == 0 &&
	    !policy_keeps(family))
		return 0;
	return stash_enter(ctx, INFRASIGHT_SYS_BIND, 3);
}

/* sys_exit of either call: takes the stash and starts the record (common fields, fd); NULL when
 * there is no stash (the fd is not known at exit: a lost stash cannot be told from a filtered one). */
static __always_inline struct infrasight_socket_event *begin_record(struct trace_event_raw_sys_exit *ctx,
								     struct sys_stash *st)
{
	if (!stash_pending() || !stash_take(st))
		return NULL;
	struct infrasight_socket_event *ev = scratch_event();
	if (!ev)
		return NULL;
	fill_common(&ev->c, INFRASIGHT_EVENT_KIND_BIND, st, ctx->ret);
	clear_socket_event(ev);
	ev->fd = (__s32)st->args[0];
	return ev;
}

SEC("tracepoint/syscalls/sys_exit_bind")
int tp_exit_bind(struct trace_event_raw_sys_exit *ctx)
{
	struct sys_stash st;
	struct infrasight_socket_event *ev = begin_record(ctx, &st);
	if (!ev)
		return 0;
	__u32 flags = 0;
	long family = read_user_inet_sockaddr((const void *)st.args[1], (long)(int)st.args[2], ev->local_addr,
					      &ev->local_port);
	if (family < 0)
		flags |= INFRASIGHT_F_ADDR_READ_FAILED;
	else
		ev->family = (__u16)family;
	struct socket *sock = socket_from_fd((long)(int)st.args[0]);
	if (sock) {
		ev->sock_type = BPF_CORE_READ(sock, type);
		struct sock *sk = BPF_CORE_READ(sock, sk);
		if (sk)
			ev->protocol = BPF_CORE_READ(sk, sk_protocol);
	} else {
		flags |= INFRASIGHT_F_NO_SOCKET;
	}
	ev->c.flags = flags;
	return emit(ev, sizeof(*ev), flags);
}

SEC("tracepoint/syscalls/sys_enter_listen")
int tp_enter_listen(struct trace_event_raw_sys_enter *ctx)
{
	__u16 family = socket_family_of_fd((long)(int)ctx->args[0]);
	if (family && !policy_keeps(family))
		return 0;
	return stash_enter(ctx, INFRASIGHT_SYS_LISTEN, 2);
}

SEC("tracepoint/syscalls/sys_exit_listen")
int tp_exit_listen(struct trace_event_raw_sys_exit *ctx)
{
	struct sys_stash st;
	struct infrasight_socket_event *ev = begin_record(ctx, &st);
	if (!ev)
		return 0;
	__u32 flags = 0;
	ev->new_fd = (__s32)st.args[1];
	struct socket *sock = socket_from_fd((long)(int)st.args[0]);
	if (sock)
		fill_from_socket(ev, sock, 0);
	else
		flags |= INFRASIGHT_F_NO_SOCKET;
	ev->c.flags = flags;
	return emit(ev, sizeof(*ev), flags);
}
