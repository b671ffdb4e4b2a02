// SPDX-License-Identifier: GPL-2.0
/*
 * accept.bpf.c — accept(2), accept4(2) (tracepoints syscalls:sys_{enter,exit}_accept[4]).
 * At sys_exit the accepted socket (the returned fd) is found through the fd table (CO-RE) and
 * family, type, protocol, local and peer addresses are read from its `struct sock` (for AF_UNIX
 * the listener's path, which the accepted socket shares). On failure the listening socket gives
 * family, type, protocol and local address.
 */
#include "vmlinux.h"
#include "infrasight_bpf.h"
#include "infrasight_sock.h"

DEFINE_SCRATCH(struct infrasight_socket_event)

static __always_inline int on_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct sys_stash st;
	if (!stash_take(&st))
		return 0;
	struct infrasight_socket_event *ev = scratch_event();
	if (!ev)
		return 0;
	long ret = ctx->ret;
	__u32 flags = 0;
	fill_common(&ev->c, INFRASIGHT_EVENT_KIND_SOCKET, &st, ret);
	clear_socket_event(ev);
	ev->fd = (__s32)st.args[0];
	ev->new_fd = ret >= 0 ? (__s32)ret : -1;
	ev->sock_flags = st.syscall == INFRASIGHT_SYS_ACCEPT4 ? (__u32)st.args[3] : 0;
	struct socket *sock = socket_from_fd(ret >= 0 ? ret : (long)(int)st.args[0]);
	if (sock) {
		__u16 family = fill_from_socket(ev, sock, ret >= 0);
		if (family == IS_AF_UNIX) {
			struct sock *sk = BPF_CORE_READ(sock, sk);
			if (sk)
				read_unix_addr(ev, sk);
		}
	} else {
		flags |= INFRASIGHT_F_NO_SOCKET;
	}
	ev->c.flags = flags;
	return emit(ev, sizeof(*ev), flags);
}

SEC("tracepoint/syscalls/sys_enter_accept")
int tp_enter_accept(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_ACCEPT, 3); }
SEC("tracepoint/syscalls/sys_exit_accept")
int tp_exit_accept(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_accept4")
int tp_enter_accept4(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_ACCEPT4, 4); }
SEC("tracepoint/syscalls/sys_exit_accept4")
int tp_exit_accept4(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }
