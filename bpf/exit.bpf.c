// SPDX-License-Identifier: GPL-2.0
/*
 * exit.bpf.c — process exit: one event per process, emitted when its LAST thread exits
 * (group_dead), with task->exit_code (set by do_exit just before the tracepoint):
 * exit code = (status >> 8) & 0xff, signal = status & 0x7f, core dumped = status & 0x80.
 *
 * Hooks, in order of preference (user space tries them in this order):
 *   tp_btf/sched_process_exit  BTF raw tracepoint, group_dead passed by the kernel (Linux >= 6.16
 *                              has the (task, group_dead) prototype; older kernels refuse to load)
 *   tracepoint/sched/sched_process_exit  classic tracepoint; group_dead = signal->live == 0
 */
#include "vmlinux.h"
#include "infrasight_bpf.h"

DEFINE_SCRATCH(struct infrasight_exit_event)

static __always_inline int on_process_exit(struct task_struct *task, int group_dead)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	if (!group_dead)
		return 0;
	if (excluded_tgid(tgid)) {
		count(INFRASIGHT_CTR_EXCLUDED);
		return 0;
	}
	__u32 refused = filter_process(filter_generation_now(), INFRASIGHT_FILTER_PROCESS_KINDS);
	if (refused) {
		count(refused);
		return 0;
	}
	struct infrasight_exit_event *ev = scratch_event();
	if (!ev)
		return 0;
	struct sys_stash st = {
		.boot_ns = bpf_ktime_get_boot_ns(),
		.tid = tid,
		.ppid = BPF_CORE_READ(task, real_parent, tgid),
		.syscall = 0,
	};
	fill_common(&ev->c, INFRASIGHT_EVENT_KIND_EXIT, &st, 0);
	ev->c.latency_ns = 0;
	ev->c.flags = INFRASIGHT_F_EXIT_GROUP_DEAD;
	ev->exit_status = (__u32)BPF_CORE_READ(task, exit_code);
	ev->_pad = 0;
	return emit(ev, sizeof(*ev), 0);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(btf_sched_process_exit, struct task_struct *p, bool group_dead)
{
	return on_process_exit(p, group_dead);
}

SEC("tracepoint/sched/sched_process_exit")
int tp_sched_process_exit(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	int live = BPF_CORE_READ(task, signal, live.counter);
	return on_process_exit(task, live == 0);
}
