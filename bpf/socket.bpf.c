// SPDX-License-Identifier: GPL-2.0
/*
 * socket.bpf.c — socket(2) (tracepoints syscalls:sys_{enter,exit}_socket): family, type (its
 * SOCK_NONBLOCK / SOCK_CLOEXEC bits apart), protocol as passed, and the fd returned (or -errno), so
 * packet sockets (AF_PACKET: sniffing, raw frames), raw IP sockets (SOCK_RAW: crafted packets,
 * ICMP tunnels) and odd families show, including attempts the kernel refused (EPERM without
 * CAP_NET_RAW, EAFNOSUPPORT).
 *
 * POLICY, applied in the kernel at sys_enter: every socket() is emitted, failed ones too, EXCEPT
 *   - AF_UNIX: local IPC that libc, D-Bus, syslog and every runtime open constantly; and
 *   - AF_NETLINK with protocol NETLINK_ROUTE: glibc's getaddrinfo (AI_ADDRCONFIG) and `ip` open
 *     one per name lookup.
 * Both are high-volume and say little on their own (connect/accept still see AF_UNIX endpoints).
 * Every other netlink protocol is kept: NETLINK_AUDIT (audit tampering), NETLINK_NETFILTER and
 * NETLINK_XFRM (firewall / IPsec changes), NETLINK_KOBJECT_UEVENT, NETLINK_SOCK_DIAG are rare and
 * worth seeing. The process filters and the exclusion list apply at the same sys_enter.
 * Loss accounting: sys_exit without a stash is a miss only when the returned socket is one the
 * policy keeps.
 */
#include "vmlinux.h"
#include "infrasight_bpf.h"
#include "infrasight_sock.h"

DEFINE_SCRATCH(struct infrasight_socket_event)

#define IS_AF_NETLINK      16
#define IS_NETLINK_ROUTE   0
#define IS_SOCK_TYPE_MASK  0xf
#define IS_SOCK_FLAG_BITS  (04000 | 02000000) /* SOCK_NONBLOCK | SOCK_CLOEXEC */

static __always_inline int policy_keeps(__u32 family, __u32 protocol)
{
	if (family == IS_AF_UNIX)
		return 0;
	if (family == IS_AF_NETLINK && protocol == IS_NETLINK_ROUTE)
		return 0;
	return 1;
}

SEC("tracepoint/syscalls/sys_enter_socket")
int tp_enter_socket(struct trace_event_raw_sys_enter *ctx)
{
	if (!policy_keeps((__u32)ctx->args[0], (__u32)ctx->args[2]))
		return 0;
	return stash_enter(ctx, INFRASIGHT_SYS_SOCKET, 3);
}

/* The socket behind a returned fd is one the policy keeps (for the enter-miss count). */
static __always_inline int kept_socket_fd(long fd)
{
	struct sock *sk = sock_from_fd(fd);
	if (!sk)
		return 0;
	return policy_keeps(BPF_CORE_READ(sk, __sk_common.skc_family), BPF_CORE_READ(sk, sk_protocol));
}

SEC("tracepoint/syscalls/sys_exit_socket")
int tp_exit_socket(struct trace_event_raw_sys_exit *ctx)
{
	long ret = ctx->ret;
	struct sys_stash st;
	if (!stash_pending()) {
		if (ret >= 0 && kept_socket_fd(ret))
			stash_take(&st); /* finds none: counts the enter miss (or the filter that refused it) */
		return 0;
	}
	if (!stash_take(&st))
		return 0;
	struct infrasight_socket_event *ev = scratch_event();
	if (!ev)
		return 0;
	fill_common(&ev->c, INFRASIGHT_EVENT_KIND_SOCKET_CREATE, &st, ret);
	clear_socket_event(ev);
	__u32 type = (__u32)st.args[1];
	ev->family = (__u16)st.args[0];
	ev->sock_type = type & IS_SOCK_TYPE_MASK;
	ev->sock_flags = type & IS_SOCK_FLAG_BITS;
	ev->protocol = (__u16)st.args[2];
	ev->new_fd = ret >= 0 ? (__s32)ret : -1;
	return emit(ev, sizeof(*ev), 0);
}
