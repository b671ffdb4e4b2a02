/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* infrasight_sock.h — BPF-side socket helpers for connect, accept, dup, socket, bind and sendto (*.bpf.c): find the kernel
 * `struct socket` behind an fd through the current task's fd table (CO-RE reads:
 * task->files->fdt->fd[fd] → file (S_IFSOCK inode) → private_data) and copy family, type,
 * protocol and the addresses from `struct sock`. Self-contained. */
#ifndef INFRASIGHT_SOCK_H
#define INFRASIGHT_SOCK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "infrasight_event.h"

#define IS_AF_UNIX  1
#define IS_AF_INET  2
#define IS_AF_INET6 10
#define IS_S_IFMT   00170000
#define IS_S_IFSOCK 0140000
#define IS_AF_NETLINK 16

/* Copies an AF_INET / AF_INET6 address and port from a caller's sockaddr (bind, sendto): address
 * bytes in network order into addr[16], port in host order. Returns the family read (any family:
 * the address is copied for AF_INET/AF_INET6 only), or -1 when the sockaddr is unreadable or too
 * short to hold its family's address. */
static __always_inline long read_user_inet_sockaddr(const void *uaddr, long addrlen, __u8 *addr, __u16 *port)
{
	__u16 family = 0;
	if (!uaddr || addrlen < 2 || bpf_probe_read_user(&family, sizeof(family), uaddr))
		return -1;
	if (family == IS_AF_INET) {
		struct { __u16 family; __u16 port; __u32 addr; } sin;
		if (addrlen < 8 || bpf_probe_read_user(&sin, sizeof(sin), uaddr))
			return -1;
		*port = bpf_ntohs(sin.port);
		__builtin_memcpy(addr, &sin.addr, 4);
	} else if (family == IS_AF_INET6) {
		struct { __u16 family; __u16 port; __u32 flowinfo; __u8 addr[16]; } sin6;
		if (addrlen < 24 || bpf_probe_read_user(&sin6, sizeof(sin6), uaddr))
			return -1;
		*port = bpf_ntohs(sin6.port);
		__builtin_memcpy(addr, sin6.addr, 16);
	}
	return family;
}

static __always_inline struct socket *socket_from_fd(long fd)
{
	if (fd < 0 || fd > 0x7fffffff)
		return NULL;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt)
		return NULL;
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if ((unsigned long)fd >= max)
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & IS_S_IFMT) != IS_S_IFSOCK)
		return NULL;
	return (struct socket *)BPF_CORE_READ(f, private_data);
}

/* The `struct sock` behind an fd, NULL when the fd is no socket (or has no sock). */
static __always_inline struct sock *sock_from_fd(long fd)
{
	struct socket *sock = socket_from_fd(fd);
	if (!sock)
		return NULL;
	return BPF_CORE_READ(sock, sk);
}

/* The family of the socket behind an fd, 0 when the fd is no socket (or has no sock). */
static __always_inline __u16 socket_family_of_fd(long fd)
{
	struct sock *sk = sock_from_fd(fd);
	return sk ? BPF_CORE_READ(sk, __sk_common.skc_family) : 0;
}

/* Path of a unix socket's bound (or, for an accepted socket, its listener's) address. */
static __always_inline void read_unix_addr(struct infrasight_socket_event *ev, struct sock *sk)
{
	struct unix_sock *u = (struct unix_sock *)sk;
	struct unix_address *ua = BPF_CORE_READ(u, addr);
	if (!ua)
		return;
	int len = BPF_CORE_READ(ua, len) - 2; /* minus sun_family */
	if (len <= 0)
		return;
	if (len > INFRASIGHT_UNIX_PATH_MAX)
		len = INFRASIGHT_UNIX_PATH_MAX;
	if (bpf_probe_read_kernel(ev->unix_path, len & 0x7f, &ua->name[0].sun_path) == 0)
		ev->unix_path_len = len;
}

/* The bound port: skc_num, or inet_sport when the port was already released (a refused TCP
 * connect unhashes the socket, zeroing skc_num, but keeps inet_sport). */
static __always_inline __u16 local_port(struct sock *sk)
{
	__u16 port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (port)
		return port;
	return bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
}

/* Copies family/type/protocol and local (+ remote when want_remote) endpoint from the socket.
 * Returns the family, 0 when the socket has no sock. */
static __always_inline __u16 fill_from_socket(struct infrasight_socket_event *ev, struct socket *sock,
					      int want_remote)
{
	ev->sock_type = BPF_CORE_READ(sock, type);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return 0;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	ev->family = family;
	ev->protocol = BPF_CORE_READ(sk, sk_protocol);
	if (family == IS_AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(ev->local_addr, &a, 4);
		ev->local_port = local_port(sk);
		if (want_remote) {
			a = BPF_CORE_READ(sk, __sk_common.skc_daddr);
			__builtin_memcpy(ev->remote_addr, &a, 4);
			ev->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		}
	} else if (family == IS_AF_INET6) {
		BPF_CORE_READ_INTO(&ev->local_addr, sk, __sk_common.skc_v6_rcv_saddr);
		ev->local_port = local_port(sk);
		if (want_remote) {
			BPF_CORE_READ_INTO(&ev->remote_addr, sk, __sk_common.skc_v6_daddr);
			ev->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		}
	}
	return family;
}

static __always_inline void clear_socket_event(struct infrasight_socket_event *ev)
{
	ev->family = 0;
	ev->sock_type = 0;
	ev->protocol = 0;
	ev->local_port = 0;
	ev->remote_port = 0;
	ev->unix_path_len = 0;
	ev->fd = -1;
	ev->new_fd = -1;
	ev->sock_flags = 0;
	ev->_pad = 0;
	__builtin_memset(ev->local_addr, 0, sizeof(ev->local_addr));
	__builtin_memset(ev->remote_addr, 0, sizeof(ev->remote_addr));
	ev->unix_path[0] = 0;
}

#endif /* INFRASIGHT_SOCK_H */
