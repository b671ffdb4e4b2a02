// SPDX-License-Identifier: GPL-2.0
/*
 * kernel.bpf.c — kernel reach: module loads (init_module, finit_module) and BPF program loads
 * (bpf(BPF_PROG_LOAD)) by other processes. Layout and field meanings: struct infrasight_kernel_event
 * in infrasight_event.h.
 *
 * THE ATTEMPT IS THE EVENT: every record is emitted at sys_enter, before the kernel decides anything
 * (a kernel without module support, a signature check or a verifier refusal still shows who tried
 * what). ret and latency_ns are 0. User strings (the module parameters, the program name) are read at
 * sys_enter; a parameter string that is not resident yet reads as failed (PARAMS_READ_FAILED).
 *
 * Hooks (user space tries them in this order, ProbeSpec.kernel):
 *   tracepoints     syscalls:sys_enter_init_module / sys_enter_finit_module, where the kernel has
 *                   them (a kernel built with modules); only module loads pay.
 *   raw_tracepoint  raw tracepoint sys_enter (every syscall), filtered by syscall number: the
 *                   program gets (regs, id) directly, the kernel builds no trace record for it.
 *   raw_syscalls    classic tracepoint raw_syscalls:sys_enter, same filter (a kernel that refuses raw
 *                   tracepoints to this loader).
 * bpf(BPF_PROG_LOAD) always comes from tracepoint syscalls:sys_enter_bpf (only bpf() calls pay; any
 * other command returns at the first comparison).
 *
 * COST AND VERIFIER CHOICES of the every-syscall hooks (as the filters in infrasight_filter.h are
 * written for the verifier, this one is written for the hot path):
 *   - The FIRST thing done with the syscall id is the number check: one load of the id from the
 *     context and two compares, then return. No helper call, no map lookup, no task read runs before
 *     it, so a syscall that is not a module load costs the program's entry, three instructions and
 *     the exit (measured: README "kernel").
 *   - The ids are this architecture's native numbers (x86-64: 175, 313; arm64 and the generic table:
 *     105, 273), chosen at compile time by __TARGET_ARCH_*. A 32-bit compat task on x86-64 has other
 *     numbers (ia32 175 is rt_sigprocmask): after a match, a task with TS_COMPAT is left out, so ia32
 *     module loads are not seen (nor x32's, whose ids carry bit 30); said in the README. On arm64 an
 *     AArch32 task (TIF_32BIT) is left out the same way (compiled for arm64, not run there yet).
 *   - Arguments are read only after the match (raw_tracepoint: from the saved user registers, CO-RE).
 *
 * Process filters, the exclusion list (the agent itself: its own program loads never count), the
 * rate limit and the loss counters apply as everywhere. Path filters do not apply: a deny-listed
 * directory must not hide a module load.
 */
#include "vmlinux.h"
#include "infrasight_bpf.h"
#include "infrasight_path.h"

#if defined(__TARGET_ARCH_x86)
#define IS_NR_INIT_MODULE  175
#define IS_NR_FINIT_MODULE 313
#define IS_TS_COMPAT       0x0002 /* thread_info.status: the syscall came through the ia32 entry */
#elif defined(__TARGET_ARCH_arm64)
#define IS_NR_INIT_MODULE  105
#define IS_NR_FINIT_MODULE 273
#define IS_TIF_32BIT       (1UL << 22) /* thread_info.flags: an AArch32 task (arm 105 is getitimer) */
#else
#error "kernel.bpf.c: the module syscall numbers of this architecture are not known"
#endif

#define IS_BPF_PROG_LOAD 5

/* libbpf's PT_REGS_PARM*_CORE_SYSCALL on arm64 declares a const temporary that newer clang warns about */
#if defined(__has_warning)
#if __has_warning("-Wdefault-const-init-var-unsafe")
#pragma clang diagnostic ignored "-Wdefault-const-init-var-unsafe"
#endif
#endif

DEFINE_SCRATCH(struct infrasight_kernel_event)

/* The start of union bpf_attr's BPF_PROG_LOAD member (UAPI: these offsets never move). */
struct prog_load_attr {
	__u32 prog_type;
	__u32 insn_cnt;
	__u64 insns;
	__u64 license;
	__u32 log_level;
	__u32 log_size;
	__u64 log_buf;
	__u32 kern_version;
	__u32 prog_flags;
	char prog_name[INFRASIGHT_BPF_OBJ_NAME_LEN];
	__u32 prog_ifindex;
	__u32 expected_attach_type;
};
_Static_assert(sizeof(struct prog_load_attr) == 72, "bpf_attr prefix");

/* Excluded and filtered processes stop here (counted); else the record with its common header
 * filled as at sys_enter, or NULL. */
static __always_inline struct infrasight_kernel_event *begin(__u32 syscall)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	if (excluded_tgid(tgid)) {
		count(INFRASIGHT_CTR_EXCLUDED);
		return NULL;
	}
	__u32 refused = filter_process(filter_generation_now(), INFRASIGHT_FILTER_PROCESS_KINDS);
	if (refused) {
		count(refused);
		return NULL;
	}
	struct infrasight_kernel_event *ev = scratch_event();
	if (!ev)
		return NULL;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct sys_stash st = {
		.boot_ns = bpf_ktime_get_boot_ns(),
		.tid = tid,
		.ppid = BPF_CORE_READ(task, real_parent, tgid),
		.syscall = syscall,
	};
	fill_common(&ev->c, INFRASIGHT_EVENT_KIND_KERNEL, &st, 0);
	ev->c.latency_ns = 0;
	ev->fd = -1;
	ev->module_flags = 0;
	ev->image_len = 0;
	ev->prog_type = 0;
	ev->insn_cnt = 0;
	ev->expected_attach_type = 0;
	ev->prog_flags = 0;
	ev->params_len = 0;
	ev->resolved_len = 0;
	__builtin_memset(ev->prog_name, 0, sizeof(ev->prog_name));
	ev->params[0] = 0;
	ev->resolved[0] = 0;
	return ev;
}

/* init_module(image, len, uargs) or finit_module(fd, uargs, flags): the attempt. */
static __always_inline int on_module_load(int finit, __u64 a0, __u64 a1, __u64 a2)
{
	struct infrasight_kernel_event *ev = begin(finit ? INFRASIGHT_SYS_FINIT_MODULE : INFRASIGHT_SYS_INIT_MODULE);
	if (!ev)
		return 0;
	__u32 flags = 0;
	const void *uargs;
	if (finit) {
		ev->fd = (__s32)a0;
		ev->module_flags = (__u32)a2;
		uargs = (const void *)a1;
		ev->resolved_len = path_resolve_file(path_file_from_fd((long)(int)a0), ev->resolved, &flags);
	} else {
		ev->image_len = a1;
		uargs = (const void *)a2;
	}
	ev->params_len = read_user_str(ev->params, sizeof(ev->params), uargs, &flags, INFRASIGHT_F_PARAMS_TRUNCATED,
				       INFRASIGHT_F_PARAMS_READ_FAILED);
	ev->c.flags = flags;
	return emit(ev, sizeof(*ev), flags);
}

#ifdef IS_TS_COMPAT
/* 1 when the current syscall came through the ia32 entry (its numbers are another table's). */
static __always_inline int compat_syscall(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return (BPF_CORE_READ(task, thread_info.status) & IS_TS_COMPAT) != 0;
}
#elif defined(IS_TIF_32BIT)
/* 1 when the current task is AArch32 (its numbers are the arm table's); not verified on arm64 here. */
static __always_inline int compat_syscall(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return (BPF_CORE_READ(task, thread_info.flags) & IS_TIF_32BIT) != 0;
}
#else
static __always_inline int compat_syscall(void) { return 0; }
#endif

SEC("raw_tracepoint/sys_enter")
int raw_sys_enter_module(struct bpf_raw_tracepoint_args *ctx)
{
	long nr = (long)ctx->args[1];
	/* the number check comes first: every syscall on the machine runs this far */
	if (nr != IS_NR_INIT_MODULE && nr != IS_NR_FINIT_MODULE)
		return 0;
	if (compat_syscall())
		return 0;
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	return on_module_load(nr == IS_NR_FINIT_MODULE, PT_REGS_PARM1_CORE_SYSCALL(regs),
			      PT_REGS_PARM2_CORE_SYSCALL(regs), PT_REGS_PARM3_CORE_SYSCALL(regs));
}

SEC("tracepoint/raw_syscalls/sys_enter")
int tp_raw_sys_enter_module(struct trace_event_raw_sys_enter *ctx)
{
	long nr = ctx->id;
	/* the number check comes first: every syscall on the machine runs this far */
	if (nr != IS_NR_INIT_MODULE && nr != IS_NR_FINIT_MODULE)
		return 0;
	if (compat_syscall())
		return 0;
	return on_module_load(nr == IS_NR_FINIT_MODULE, ctx->args[0], ctx->args[1], ctx->args[2]);
}

/* Where the kernel has the module syscalls' own tracepoints (not this test machine's kernel). */
SEC("tracepoint/syscalls/sys_enter_init_module")
int tp_enter_init_module(struct trace_event_raw_sys_enter *ctx)
{
	return on_module_load(0, ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_finit_module")
int tp_enter_finit_module(struct trace_event_raw_sys_enter *ctx)
{
	return on_module_load(1, ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_bpf")
int tp_enter_bpf(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[0] != IS_BPF_PROG_LOAD)
		return 0; /* map operations, link and object commands: not emitted */
	const void *uattr = (const void *)ctx->args[1];
	__u32 size = (__u32)ctx->args[2];
	struct infrasight_kernel_event *ev = begin(INFRASIGHT_SYS_BPF);
	if (!ev)
		return 0;
	__u32 flags = 0;
	struct prog_load_attr a = {};
	if (size > sizeof(a))
		size = sizeof(a); /* the kernel reads at most `size` bytes; fields past it are zero */
	if (!uattr || bpf_probe_read_user(&a, size, uattr)) {
		__builtin_memset(&a, 0, sizeof(a));
		flags |= INFRASIGHT_F_ATTR_READ_FAILED;
	}
	ev->prog_type = a.prog_type;
	ev->insn_cnt = a.insn_cnt;
	ev->prog_flags = a.prog_flags;
	ev->expected_attach_type = a.expected_attach_type;
	__builtin_memcpy(ev->prog_name, a.prog_name, sizeof(ev->prog_name));
	ev->c.flags = flags;
	return emit(ev, sizeof(*ev), flags);
}
