// SPDX-License-Identifier: GPL-2.0
/*
 * setid.bpf.c — privilege changes: setuid(2), setgid(2), setreuid(2), setregid(2), setresuid(2),
 * setresgid(2) and capset(2) (tracepoints syscalls:sys_{enter,exit}_<name>). The task's credentials
 * before the call are read at sys_enter into the stash's `extra` bytes (set*id: the six ids; capset:
 * the three capability sets); the requested values are the raw arguments (capset's structs are read
 * from user memory at sys_exit). Record layout and field meanings: struct infrasight_setid_event.
 */
#include "vmlinux.h"
#include "infrasight_bpf.h"

DEFINE_SCRATCH(struct infrasight_setid_event)

/* What sys_enter keeps in sys_stash.extra (24 bytes) */
struct setid_old_ids {
	__u32 uid, euid, suid, gid, egid, sgid;
};
struct setid_old_caps {
	__u64 effective, permitted, inheritable;
};
_Static_assert(sizeof(struct setid_old_ids) <= sizeof(((struct sys_stash *)0)->extra), "stash extra");
_Static_assert(sizeof(struct setid_old_caps) <= sizeof(((struct sys_stash *)0)->extra), "stash extra");

/* capset's user structs (include/uapi/linux/capability.h) */
struct setid_cap_header {
	__u32 version;
	__s32 pid;
};
struct setid_cap_data {
	__u32 effective, permitted, inheritable;
};
#define SETID_CAP_VERSION_1 0x19980330

static __always_inline struct cred *current_cred_ptr(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return (struct cred *)BPF_CORE_READ(task, cred);
}

static __always_inline void read_ids(struct cred *cred, struct setid_old_ids *ids)
{
	ids->uid = BPF_CORE_READ(cred, uid.val);
	ids->euid = BPF_CORE_READ(cred, euid.val);
	ids->suid = BPF_CORE_READ(cred, suid.val);
	ids->gid = BPF_CORE_READ(cred, gid.val);
	ids->egid = BPF_CORE_READ(cred, egid.val);
	ids->sgid = BPF_CORE_READ(cred, sgid.val);
}

/* kernel_cap_t is one u64 since Linux 6.3 and two u32 words (low first) before: 8 raw bytes either way */
static __always_inline __u64 read_caps(const kernel_cap_t *set)
{
	__u64 v = 0;
	bpf_core_read(&v, sizeof(v), set);
	return v;
}

/* sys_enter: the common stash (exclusions and process filters apply there), then the old credentials. */
static __always_inline int on_enter(struct trace_event_raw_sys_enter *ctx, __u32 syscall, const int nargs)
{
	stash_enter(ctx, syscall, nargs);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sys_stash *st = bpf_map_lookup_elem(&starts, &tid);
	if (!st || st->syscall != syscall)
		return 0; /* excluded or filtered: nothing stashed */
	struct cred *cred = current_cred_ptr();
	if (syscall == INFRASIGHT_SYS_CAPSET) {
		struct setid_old_caps *caps = (struct setid_old_caps *)st->extra;
		caps->effective = read_caps(&cred->cap_effective);
		caps->permitted = read_caps(&cred->cap_permitted);
		caps->inheritable = read_caps(&cred->cap_inheritable);
	} else {
		read_ids(cred, (struct setid_old_ids *)st->extra);
	}
	st->extra_valid = 1;
	return 0;
}

static __always_inline int on_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct sys_stash st;
	if (!stash_take(&st))
		return 0;
	struct infrasight_setid_event *ev = scratch_event();
	if (!ev)
		return 0;
	__u32 flags = 0;
	fill_common(&ev->c, INFRASIGHT_EVENT_KIND_SETID, &st, ctx->ret);
	ev->new_real = ev->new_effective = ev->new_saved = (__u32)-1;
	ev->old_cap_effective = ev->old_cap_permitted = ev->old_cap_inheritable = 0;
	ev->cap_effective = ev->cap_permitted = ev->cap_inheritable = 0;
	ev->cap_version = 0;
	ev->cap_pid = 0;
	ev->_pad = 0;
	struct setid_old_ids ids = {};
	if (st.syscall == INFRASIGHT_SYS_CAPSET) {
		read_ids(current_cred_ptr(), &ids); /* capset leaves the ids as they were */
		struct setid_old_caps *caps = (struct setid_old_caps *)st.extra;
		if (st.extra_valid) {
			ev->old_cap_effective = caps->effective;
			ev->old_cap_permitted = caps->permitted;
			ev->old_cap_inheritable = caps->inheritable;
		}
		struct setid_cap_header hdr = {};
		struct setid_cap_data data[2] = {};
		if (!st.args[0] || bpf_probe_read_user(&hdr, sizeof(hdr), (const void *)st.args[0])) {
			flags |= INFRASIGHT_F_CAPS_READ_FAILED;
		} else {
			ev->cap_version = hdr.version;
			ev->cap_pid = hdr.pid;
			long err = !st.args[1] ? -1
				 : hdr.version == SETID_CAP_VERSION_1
				       ? bpf_probe_read_user(&data[0], sizeof(data[0]), (const void *)st.args[1])
				       : bpf_probe_read_user(data, sizeof(data), (const void *)st.args[1]);
			if (err) {
				flags |= INFRASIGHT_F_CAPS_READ_FAILED;
			} else {
				ev->cap_effective = (__u64)data[1].effective << 32 | data[0].effective;
				ev->cap_permitted = (__u64)data[1].permitted << 32 | data[0].permitted;
				ev->cap_inheritable = (__u64)data[1].inheritable << 32 | data[0].inheritable;
			}
		}
	} else {
		if (st.extra_valid)
			__builtin_memcpy(&ids, st.extra, sizeof(ids));
		switch (st.syscall) {
		case INFRASIGHT_SYS_SETUID:
		case INFRASIGHT_SYS_SETGID:
			ev->new_real = (__u32)st.args[0];
			break;
		case INFRASIGHT_SYS_SETREUID:
		case INFRASIGHT_SYS_SETREGID:
			ev->new_real = (__u32)st.args[0];
			ev->new_effective = (__u32)st.args[1];
			break;
		default: /* setresuid, setresgid */
			ev->new_real = (__u32)st.args[0];
			ev->new_effective = (__u32)st.args[1];
			ev->new_saved = (__u32)st.args[2];
			break;
		}
	}
	ev->old_uid = ids.uid;
	ev->old_euid = ids.euid;
	ev->old_suid = ids.suid;
	ev->old_gid = ids.gid;
	ev->old_egid = ids.egid;
	ev->old_sgid = ids.sgid;
	ev->c.flags = flags;
	return emit(ev, sizeof(*ev), flags);
}

SEC("tracepoint/syscalls/sys_enter_setuid")
int tp_enter_setuid(struct trace_event_raw_sys_enter *ctx) { return on_enter(ctx, INFRASIGHT_SYS_SETUID, 1); }
SEC("tracepoint/syscalls/sys_exit_setuid")
int tp_exit_setuid(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_setgid")
int tp_enter_setgid(struct trace_event_raw_sys_enter *ctx) { return on_enter(ctx, INFRASIGHT_SYS_SETGID, 1); }
SEC("tracepoint/syscalls/sys_exit_setgid")
int tp_exit_setgid(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_setreuid")
int tp_enter_setreuid(struct trace_event_raw_sys_enter *ctx) { return on_enter(ctx, INFRASIGHT_SYS_SETREUID, 2); }
SEC("tracepoint/syscalls/sys_exit_setreuid")
int tp_exit_setreuid(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_setregid")
int tp_enter_setregid(struct trace_event_raw_sys_enter *ctx) { return on_enter(ctx, INFRASIGHT_SYS_SETREGID, 2); }
SEC("tracepoint/syscalls/sys_exit_setregid")
int tp_exit_setregid(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_setresuid")
int tp_enter_setresuid(struct trace_event_raw_sys_enter *ctx) { return on_enter(ctx, INFRASIGHT_SYS_SETRESUID, 3); }
SEC("tracepoint/syscalls/sys_exit_setresuid")
int tp_exit_setresuid(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_setresgid")
int tp_enter_setresgid(struct trace_event_raw_sys_enter *ctx) { return on_enter(ctx, INFRASIGHT_SYS_SETRESGID, 3); }
SEC("tracepoint/syscalls/sys_exit_setresgid")
int tp_exit_setresgid(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_capset")
int tp_enter_capset(struct trace_event_raw_sys_enter *ctx) { return on_enter(ctx, INFRASIGHT_SYS_CAPSET, 2); }
SEC("tracepoint/syscalls/sys_exit_capset")
int tp_exit_capset(struct trace_event_raw_sys_exit *ctx) { return on_exit(ctx); }
