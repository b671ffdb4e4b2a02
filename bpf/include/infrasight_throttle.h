/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * infrasight_throttle.h — the per-process rate limit every probe object applies before it writes a
 * record (like Tetragon's throttling). Self-contained (counters and count() come from infrasight_maps.h).
 * Maps (names user space looks up):
 *   rate_limit       ARRAY[1] struct infrasight_rate_limit (max_events 0 = off; the default)
 *   rate_state       LRU hash tgid -> struct infrasight_rate_state (fixed windows)
 *   throttled_tgids  hash tgid -> records dropped by the limit (user space reads and prunes it)
 * Every record a process produces is therefore emitted, lost to a full ring buffer, or throttled,
 * and each of the three is counted per process.
 */
#ifndef INFRASIGHT_THROTTLE_H
#define INFRASIGHT_THROTTLE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "infrasight_event.h"
#include "infrasight_maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct infrasight_rate_limit);
} rate_limit SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);   /* tgid */
	__type(value, struct infrasight_rate_state);
} rate_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);   /* tgid */
	__type(value, __u64); /* records dropped by the rate limit */
} throttled_tgids SEC(".maps");

/* Adds one to `tgid`'s entry of a tgid -> __u64 hash map (lost_tgids, throttled_tgids). */
static __always_inline void tgid_count_add(void *map, __u32 tgid)
{
	__u64 *v = bpf_map_lookup_elem(map, &tgid);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	__u64 one = 1;
	if (bpf_map_update_elem(map, &tgid, &one, BPF_NOEXIST)) {
		v = bpf_map_lookup_elem(map, &tgid); /* raced with another CPU's insert */
		if (v)
			__sync_fetch_and_add(v, 1);
	}
}

/* 1 when the current process is over its limit: the record must not be written (it is counted). */
static __always_inline int throttled(void)
{
	__u32 zero = 0;
	struct infrasight_rate_limit *cfg = bpf_map_lookup_elem(&rate_limit, &zero);
	if (!cfg || cfg->max_events == 0)
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 now = bpf_ktime_get_boot_ns();
	struct infrasight_rate_state *st = bpf_map_lookup_elem(&rate_state, &tgid);
	if (!st) {
		struct infrasight_rate_state fresh = { .window_start_ns = now, .count = 1 };
		bpf_map_update_elem(&rate_state, &tgid, &fresh, BPF_ANY);
		return 0;
	}
	if (now - st->window_start_ns >= cfg->window_ns) {
		/* a new window (two CPUs may both reset it: the limit is approximate, the counts are not) */
		st->window_start_ns = now;
		st->count = 1;
		return 0;
	}
	if (__sync_fetch_and_add(&st->count, 1) < cfg->max_events)
		return 0;
	count(INFRASIGHT_CTR_THROTTLED);
	tgid_count_add(&throttled_tgids, tgid);
	return 1;
}

#endif /* INFRASIGHT_THROTTLE_H */
