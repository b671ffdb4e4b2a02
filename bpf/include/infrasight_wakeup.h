/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * infrasight_wakeup.h — when a record written to the ring buffer wakes its consumer.
 *
 * Semantics: while at most the wake-up step (INFRASIGHT_WAKEUP_THRESHOLD_BYTES, at most a quarter
 * of the ring) is pending, records are written with BPF_RB_NO_WAKEUP (the agent polls
 * ring_buffer__consume every ~2 ms and needs no wake-up; the C baseline loader waits in epoll, so it
 * is woken only above the step). Above it, every record forces a wake-up.
 *
 * That wake-up is the ring's back-pressure, and it is deliberate. It is an irq_work, on a virtual
 * machine a self-IPI (an MSR write and an exit to the hypervisor), paid by the writing process. A
 * process that outruns the consumer pays it on every record until the consumer catches up, so it
 * slows to the consumer's pace instead of overflowing the ring. Measured (issue 11): with wake-ups
 * only when pending data crossed a multiple of the step, a one-process openat storm ran 2.5x faster
 * co-located with the pipeline and the agent lost 1,247,212 of 2,000,000 records (the C loader lost
 * 7k); with this rule it lost none. The cost (62 % of the storm's CPU in native_write_msr while the
 * consumer was behind) is paid only by a process that writes faster than the consumer reads.
 */
#ifndef INFRASIGHT_WAKEUP_H
#define INFRASIGHT_WAKEUP_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "infrasight_event.h"

/* The bpf_ringbuf_output flags for the next record into `ring`. */
static __always_inline __u64 ringbuf_wakeup_flags(void *ring)
{
	__u64 step = INFRASIGHT_WAKEUP_THRESHOLD_BYTES;
	__u64 quarter = bpf_ringbuf_query(ring, BPF_RB_RING_SIZE) / 4;
	if (quarter < step)
		step = quarter;
	return bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) > step ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

#endif /* INFRASIGHT_WAKEUP_H */
