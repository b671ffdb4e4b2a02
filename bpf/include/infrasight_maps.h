/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * infrasight_maps.h — the maps every probe object has, and count(). Include once per object (it
 * DEFINES the maps, with the names user space looks up in BPFProbe):
 *   events          ring buffer (size set by user space), batched wake-ups (infrasight_wakeup.h)
 *   excluded_tgids  tgids skipped at sys_enter (the agent itself, --exclude-pid)
 *   counters        per-CPU __u64[INFRASIGHT_CTR_MAX] (enum infrasight_counter)
 *   lost_tgids      tgid -> records of that process lost to a full ring buffer (exact per-process
 *                   loss accounting; user space reads and prunes it)
 * Self-contained: it includes what it uses, so every header built on it compiles on its own.
 */
#ifndef INFRASIGHT_MAPS_H
#define INFRASIGHT_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "infrasight_event.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* user space overrides with bpf_map__set_max_entries */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);   /* tgid */
	__type(value, __u8);
} excluded_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, INFRASIGHT_CTR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);   /* tgid */
	__type(value, __u64); /* records lost (ring buffer full) */
} lost_tgids SEC(".maps");

/* One more of counter `idx` on this CPU. Atomic: a tracepoint program does not nest with another
 * on its CPU, but an fentry/fexit program (connect's) can run inside one. */
static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);
	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline int excluded_tgid(__u32 tgid)
{
	return bpf_map_lookup_elem(&excluded_tgids, &tgid) != NULL;
}

#endif /* INFRASIGHT_MAPS_H */
