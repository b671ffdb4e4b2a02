// SPDX-License-Identifier: GPL-2.0
/*
 * connect.bpf.c — connect(2).
 *
 * tracepoint sys_enter_connect stashes (fd, uservaddr, addrlen); sys_exit_connect reads the
 * destination from the caller's sockaddr (AF_INET, AF_INET6, AF_UNIX path), and family, type,
 * protocol and the local (source) address from the kernel socket behind the fd (fd table, CO-RE).
 *
 * fexit/tcp_v4_connect and fexit/tcp_v6_connect (optional; user space loads the object without
 * them when trampolines are unavailable) record the source address/port the kernel picked, in
 * the stash: a refused TCP connect has released its port by sys_exit, so this is the only place
 * the source of a failed connect is still known (flag LOCAL_FROM_FEXIT).
 *
 * Without trampolines, tracepoint sock:inet_sock_set_state (SYN_SENT → CLOSE) gives the same for
 * refused TCP connects (flag LOCAL_FROM_STATE).
 */
#include "vmlinux.h"
#include "infrasight_bpf.h"
#include "infrasight_sock.h"

DEFINE_SCRATCH(struct infrasight_socket_event)

SEC("tracepoint/syscalls/sys_enter_connect")
int tp_enter_connect(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_CONNECT, 3); }

/* extra[0..16) address (network order), extra[16..18) port (host order); extra_valid = family */
static __always_inline int record_source(struct sock *sk)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sys_stash *st = bpf_map_lookup_elem(&starts, &tid);
	if (!st || st->syscall != INFRASIGHT_SYS_CONNECT)
		return 0;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (family == IS_AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memset(st->extra, 0, 16);
		__builtin_memcpy(st->extra, &a, 4);
	} else if (family == IS_AF_INET6) {
		BPF_CORE_READ_INTO(&st->extra, sk, __sk_common.skc_v6_rcv_saddr);
	} else {
		return 0;
	}
	__builtin_memcpy(&st->extra[16], &port, 2);
	st->extra_valid = family;
	return 0;
}

SEC("fexit/tcp_v4_connect")
int BPF_PROG(fexit_tcp_v4_connect, struct sock *sk, struct sockaddr *uaddr, int addr_len, int ret)
{
	return record_source(sk);
}

SEC("fexit/tcp_v6_connect")
int BPF_PROG(fexit_tcp_v6_connect, struct sock *sk, struct sockaddr *uaddr, int addr_len, int ret)
{
	return record_source(sk);
}

/* Source of TCP connects that fail after the SYN (refused, reset, timed out): at sys_exit the
 * kernel has already reset the socket's source address (tcp_disconnect), so the last
 * SYN_SENT → CLOSE transition is remembered per socket (sock:inet_sock_set_state fires before the
 * reset, in whatever context processed the RST; keyed by the sock pointer, not the task). */
struct refused_src {
	__u8 addr[16];
	__u16 port;
	__u16 family;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);   /* struct sock * */
	__type(value, struct refused_src);
} refused SEC(".maps");

#define TCP_SYN_SENT_STATE 2
#define TCP_CLOSE_STATE    7

SEC("tracepoint/sock/inet_sock_set_state")
int tp_inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->oldstate != TCP_SYN_SENT_STATE || ctx->newstate != TCP_CLOSE_STATE)
		return 0;
	struct refused_src src = { .port = ctx->sport, .family = ctx->family };
	/* fixed-offset loads only: the verifier refuses reads through a moved ctx pointer */
	if (ctx->family == IS_AF_INET) {
		__u32 a = *(__u32 *)ctx->saddr;
		__builtin_memcpy(src.addr, &a, 4);
	} else if (ctx->family == IS_AF_INET6) {
		__u64 lo = *(__u64 *)&ctx->saddr_v6[0];
		__u64 hi = *(__u64 *)&ctx->saddr_v6[8];
		__builtin_memcpy(src.addr, &lo, 8);
		__builtin_memcpy(&src.addr[8], &hi, 8);
	} else {
		return 0;
	}
	__u64 key = (__u64)ctx->skaddr;
	bpf_map_update_elem(&refused, &key, &src, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int tp_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	struct sys_stash st;
	if (!stash_take(&st))
		return 0;
	struct infrasight_socket_event *ev = scratch_event();
	if (!ev)
		return 0;
	__u32 flags = 0;
	long ret = ctx->ret;
	fill_common(&ev->c, INFRASIGHT_EVENT_KIND_SOCKET, &st, ret);
	clear_socket_event(ev);
	ev->fd = (__s32)st.args[0];

	/* destination: the caller's sockaddr */
	const void *uaddr = (const void *)st.args[1];
	long addrlen = (long)(int)st.args[2];
	__u16 ufamily = 0;
	if (!uaddr || addrlen < 2 || bpf_probe_read_user(&ufamily, sizeof(ufamily), uaddr)) {
		flags |= INFRASIGHT_F_ADDR_READ_FAILED;
	} else if (ufamily == IS_AF_INET && addrlen >= 8) {
		struct { __u16 family; __u16 port; __u32 addr; } sin;
		if (bpf_probe_read_user(&sin, sizeof(sin), uaddr)) {
			flags |= INFRASIGHT_F_ADDR_READ_FAILED;
		} else {
			ev->remote_port = bpf_ntohs(sin.port);
			__builtin_memcpy(ev->remote_addr, &sin.addr, 4);
		}
	} else if (ufamily == IS_AF_INET6 && addrlen >= 24) {
		struct { __u16 family; __u16 port; __u32 flowinfo; __u8 addr[16]; } sin6;
		if (bpf_probe_read_user(&sin6, sizeof(sin6), uaddr)) {
			flags |= INFRASIGHT_F_ADDR_READ_FAILED;
		} else {
			ev->remote_port = bpf_ntohs(sin6.port);
			__builtin_memcpy(ev->remote_addr, sin6.addr, 16);
		}
	} else if (ufamily == IS_AF_UNIX) {
		long len = addrlen - 2;
		if (len > INFRASIGHT_UNIX_PATH_MAX)
			len = INFRASIGHT_UNIX_PATH_MAX;
		if (len > 0) {
			if (bpf_probe_read_user(ev->unix_path, len & 0x7f, (const char *)uaddr + 2))
				flags |= INFRASIGHT_F_ADDR_READ_FAILED;
			else
				ev->unix_path_len = len;
		}
	}
	ev->family = ufamily;

	/* family, type, protocol, source: the kernel socket */
	struct socket *sock = socket_from_fd((long)(int)st.args[0]);
	if (sock) {
		__u16 remote_port = ev->remote_port;
		fill_from_socket(ev, sock, 0);
		ev->remote_port = remote_port;
		__u64 key = (__u64)BPF_CORE_READ(sock, sk);
		struct refused_src *src = key ? bpf_map_lookup_elem(&refused, &key) : NULL;
		if (src) {
			if (ret < 0) {
				__builtin_memcpy(ev->local_addr, src->addr, 16);
				ev->local_port = src->port;
				flags |= INFRASIGHT_F_LOCAL_FROM_STATE;
			}
			bpf_map_delete_elem(&refused, &key);
		} else if (ev->local_port == 0 && (st.extra_valid == IS_AF_INET || st.extra_valid == IS_AF_INET6)) {
			__builtin_memcpy(ev->local_addr, st.extra, 16);
			__builtin_memcpy(&ev->local_port, &st.extra[16], 2);
			flags |= INFRASIGHT_F_LOCAL_FROM_FEXIT;
		}
	} else {
		flags |= INFRASIGHT_F_NO_SOCKET;
	}
	ev->c.flags = flags;
	return emit(ev, sizeof(*ev), flags);
}
