// SPDX-License-Identifier: GPL-2.0
/* ptrace.bpf.c — ptrace(2) (tracepoints syscalls:sys_{enter,exit}_ptrace): request, target pid,
 * addr and data as passed (data is a pointer or value depending on the request). */
#include "vmlinux.h"
#include "infrasight_bpf.h"

DEFINE_SCRATCH(struct infrasight_ptrace_event)

SEC("tracepoint/syscalls/sys_enter_ptrace")
int tp_enter_ptrace(struct trace_event_raw_sys_enter *ctx) { return stash_enter(ctx, INFRASIGHT_SYS_PTRACE, 4); }

SEC("tracepoint/syscalls/sys_exit_ptrace")
int tp_exit_ptrace(struct trace_event_raw_sys_exit *ctx)
{
	struct sys_stash st;
	if (!stash_take(&st))
		return 0;
	struct infrasight_ptrace_event *ev = scratch_event();
	if (!ev)
		return 0;
	fill_common(&ev->c, INFRASIGHT_EVENT_KIND_PTRACE, &st, ctx->ret);
	ev->request = (__s64)st.args[0];
	ev->target_pid = (__u32)st.args[1];
	ev->_pad = 0;
	ev->addr = st.args[2];
	ev->data = st.args[3];
	return emit(ev, sizeof(*ev), 0);
}
