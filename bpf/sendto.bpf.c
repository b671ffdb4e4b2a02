// SPDX-License-Identifier: GPL-2.0
/*
 * sendto.bpf.c — datagrams sent to an explicit destination: sendto(2), sendmsg(2) and sendmmsg(2)
 * with a destination address (tracepoints syscalls:sys_{enter,exit}_{sendto,sendmsg,sendmmsg}), i.e.
 * unconnected UDP (and raw IP): where a process sends without connect(), the connect probe sees nothing.
 *
 * HOT PATH, FILTERED AT sys_enter. These syscalls carry most of a host's network I/O; a connected send
 * (TCP, connected UDP) has no destination and must cost one comparison:
 *   - sendto: addr (args[4]) NULL → return, before anything else;
 *   - sendmsg: one 16-byte user read of msghdr->msg_name and msg_namelen; NULL → return;
 *   - sendmmsg: the same on the first message (mmsghdr starts with its msghdr).
 * Then one 2-byte user read of the destination's family: only AF_INET and AF_INET6 are kept (unix
 * datagrams to a path, netlink messages to the kernel are not). The process filters and the exclusion
 * list apply at the same sys_enter, and the per-process rate limit (infrasight_throttle.h) when the
 * record is written, so a process spraying datagrams is throttled and counted, not emitted without end.
 *
 * At sys_exit the record carries the destination family, address and port (read again from the
 * caller's memory, as connect reads its destination), the send flags (sock_flags), the number of
 * messages asked for (new_fd: 1, sendmmsg's vlen), the socket's type, protocol and local address and
 * port from the kernel (fd table, CO-RE) and ret (bytes, sendmmsg: messages sent, or -errno).
 * Loss accounting: sys_exit has only the return value, so a missing stash counts no enter miss.
 */
#include "vmlinux.h"
#include "infrasight_bpf.h"
#include "infrasight_sock.h"

DEFINE_SCRATCH(struct infrasight_socket_event)

/* The destination sockaddr of a msghdr in user memory (msg_name, msg_namelen); NULL when none. */
static __always_inline const void *msg_destination(const void *umsg, long *namelen)
{
	struct { void *name; int namelen; } head = {};
	if (!umsg || bpf_probe_read_user(&head, sizeof(head), umsg))
		return NULL;
	*namelen = head.namelen;
	return head.name;
}

/* The family of a destination is AF_INET or AF_INET6 (an unreadable one is kept: the kernel answers EFAULT). */
static __always_inline int inet_destination(const void *uaddr)
{
	__u16 family = 0;
	if (bpf_probe_read_user(&family, sizeof(family), uaddr))
		return 1;
	return family == IS_AF_INET || family == IS_AF_INET6;
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int tp_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	if (!ctx->args[4])
		return 0; /* connected send: the common case */
	if (!inet_destination((const void *)ctx->args[4]))
		return 0;
	return stash_enter(ctx, INFRASIGHT_SYS_SENDTO, 6);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int tp_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	long namelen = 0;
	const void *dest = msg_destination((const void *)ctx->args[1], &namelen);
	if (!dest || !inet_destination(dest))
		return 0;
	return stash_enter(ctx, INFRASIGHT_SYS_SENDMSG, 3);
}

SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int tp_enter_sendmmsg(struct trace_event_raw_sys_enter *ctx)
{
	long namelen = 0;
	const void *dest = msg_destination((const void *)ctx->args[1], &namelen);
	if (!dest || !inet_destination(dest))
		return 0;
	return stash_enter(ctx, INFRASIGHT_SYS_SENDMMSG, 4);
}

static __always_inline int on_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct sys_stash st;
	if (!stash_pending() || !stash_take(&st))
		return 0;
	struct infrasight_socket_event *ev = scratch_event();
	if (!ev)
		return 0;
	__u32 flags = 0;
	fill_common(&ev->c, INFRASIGHT_EVENT_KIND_SENDTO, &st, ctx->ret);
	clear_socket_event(ev);
	ev->fd = (__s32)st.args[0];
	const void *dest;
	long destlen = 0;
	if (st.syscall == INFRASIGHT_SYS_SENDTO) {
		dest = (const void *)st.args[4];
		destlen = (long)(int)st.args[5];
		ev->sock_flags = (__u32)st.args[3];
		ev->new_fd = 1;
	} else {
		dest = msg_destination((const void *)st.args[1], &destlen);
		ev->sock_flags = (__u32)st.args[st.syscall == INFRASIGHT_SYS_SENDMMSG ? 3 : 2];
		ev->new_fd = st.syscall == INFRASIGHT_SYS_SENDMMSG ? (__s32)st.args[2] : 1;
	}
	long family = read_user_inet_sockaddr(dest, destlen, ev->remote_addr, &ev->remote_port);
	struct socket *sock = socket_from_fd((long)(int)st.args[0]);
	if (sock) {
		__u16 remote_port = ev->remote_port;
		fill_from_socket(ev, sock, 0);
		ev->remote_port = remote_port;
	} else {
		flags |= INFRASIGHT_F_NO_SOCKET;
	}
	if (family < 0) {
		flags |= INFRASIGHT_F_ADDR_READ_FAILED;
		ev->family = 0;
	} else {
		ev->family = (__u16)family; /* the destination's (an IPv6 socket may send to a v4-mapped one) */
	}
	ev->c.flags = flags;
	return emit(ev, sizeof(*ev), flags);
}

SEC("tracepoint/syscalls/sys_exit_sendto")
int tp_exit_sendto(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }
SEC("tracepoint/syscalls/sys_exit_sendmsg")
int tp_exit_sendmsg(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }
SEC("tracepoint/syscalls/sys_exit_sendmmsg")
int tp_exit_sendmmsg(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }
