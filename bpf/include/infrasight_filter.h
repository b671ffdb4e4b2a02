/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * infrasight_filter.h — the allow/deny filters every probe object applies (layout and kinds in
 * infrasight_event.h). Self-contained (counters and count() come from infrasight_maps.h).
 *
 * Semantics (user space validates and writes the maps; README "Filters"):
 *   - a record is dropped when any of its values is on a deny list (deny wins over allow);
 *   - a kind whose allow list is non-empty admits only records whose value is on it;
 *   - kinds combine with AND: a record passes when every kind passes it.
 *   pid, comm, uid and cgroup are decided at sys_enter, before anything is stashed (execve: comm at
 *   sys_exit, where it is the new program's); the path prefix at sys_exit of open/chmod, on the path
 *   of the file reached (infrasight_bpf.h resolved_path_filtered), after the kernel's walk and before
 *   the ring buffer is touched. Each dropped record is counted once, as
 *   INFRASIGHT_CTR_FILTERED_<first kind that refused it> (order: pid, uid, cgroup, comm, path).
 *
 * Maps (names user space looks up):
 *   filter_generation  ARRAY[1] __u32: the generation in force (0 or 1)
 *   filter_config      ARRAY[2] struct infrasight_filter_config, by generation (zero: no filters)
 *   filter_pids, filter_uids   hash infrasight_filter_id_key -> __u8 ALLOW|DENY
 *   filter_comms       hash infrasight_filter_comm_key -> __u8
 *   filter_cgroups     hash infrasight_filter_cgroup_key -> __u8 (matches the cgroup and below)
 *   filter_paths       LPM trie infrasight_filter_path_key -> __u8 (cumulative over shorter prefixes)
 * A reload writes the inactive generation and then flips filter_generation with one 4-byte store; a
 * syscall remembers the generation it was judged by at sys_enter and is judged at sys_exit by the
 * same one, so every record is decided by exactly one configuration, old or new.
 */
#ifndef INFRASIGHT_FILTER_H
#define INFRASIGHT_FILTER_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "infrasight_event.h"
#include "infrasight_maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} filter_generation SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct infrasight_filter_config);
} filter_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * INFRASIGHT_FILTER_MAX_ENTRIES);
	__type(key, struct infrasight_filter_id_key);
	__type(value, __u8);
} filter_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * INFRASIGHT_FILTER_MAX_ENTRIES);
	__type(key, struct infrasight_filter_id_key);
	__type(value, __u8);
} filter_uids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * INFRASIGHT_FILTER_MAX_ENTRIES);
	__type(key, struct infrasight_filter_comm_key);
	__type(value, __u8);
} filter_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * INFRASIGHT_FILTER_MAX_ENTRIES);
	__type(key, struct infrasight_filter_cgroup_key);
	__type(value, __u8);
} filter_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 2 * INFRASIGHT_FILTER_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct infrasight_filter_path_key);
	__type(value, __u8);
} filter_paths SEC(".maps");

/* per-CPU room for a path lookup key (260 bytes: too big for the stack next to a stash) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct infrasight_filter_path_key);
} filter_path_scratch SEC(".maps");

/* per-CPU room to join a walked directory and a relative path before a path lookup: twice the key's
 * path, so the second copy may start anywhere in the first half (the verifier checks start + size). */
struct infrasight_filter_path_join {
	char buf[2 * (INFRASIGHT_FILTER_PATH_MAX + 1)];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct infrasight_filter_path_join);
} filter_path_join_scratch SEC(".maps");

#define INFRASIGHT_FILTER_PROCESS_KINDS \
	(INFRASIGHT_FILTER_PID | INFRASIGHT_FILTER_COMM | INFRASIGHT_FILTER_UID | INFRASIGHT_FILTER_CGROUP)

/* The generation in force now. */
static __always_inline __u32 filter_generation_now(void)
{
	__u32 zero = 0;
	__u32 *gen = bpf_map_lookup_elem(&filter_generation, &zero);
	return gen ? (*gen & 1) : 0;
}

/* 1 when the entry flags `v` (NULL: not listed) make `kind` refuse the record under `cfg`. */
static __always_inline int filter_refuses(const struct infrasight_filter_config *cfg, __u32 kind,
					  const __u8 *v)
{
	__u8 f = v ? *v : 0;
	if ((cfg->deny_kinds & kind) && (f & INFRASIGHT_FILTER_DENY))
		return 1;
	if ((cfg->allow_kinds & kind) && !(f & INFRASIGHT_FILTER_ALLOW))
		return 1;
	return 0;
}

/* Flags of the current process's cgroup and of its ancestors (a cgroup entry covers its subtree). */
static __always_inline __u8 filter_cgroup_flags(__u32 gen)
{
	struct infrasight_filter_cgroup_key key = { .generation = gen };
	__u64 leaf = bpf_get_current_cgroup_id();
	__u8 flags = 0;
	key.cgroup_id = leaf;
	__u8 *v = bpf_map_lookup_elem(&filter_cgroups, &key);
	if (v)
		flags |= *v;
	for (int level = 0; level < INFRASIGHT_FILTER_CGROUP_DEPTH; level++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(level);
		if (!id || id == leaf)
			break;
		key.cgroup_id = id;
		v = bpf_map_lookup_elem(&filter_cgroups, &key);
		if (v)
			flags |= *v;
	}
	return flags;
}

/* The process filters `kinds` of generation `gen` for the current process: 0 when it passes, else
 * the counter index of the first kind that refuses it (not counted here). */
static __always_inline __u32 filter_process(__u32 gen, __u32 kinds)
{
	struct infrasight_filter_config *cfg = bpf_map_lookup_elem(&filter_config, &gen);
	if (!cfg)
		return 0;
	__u32 active = (cfg->allow_kinds | cfg->deny_kinds) & kinds;
	if (!active)
		return 0;
	if (active & INFRASIGHT_FILTER_PID) {
		struct infrasight_filter_id_key key = { .generation = gen,
							.id = bpf_get_current_pid_tgid() >> 32 };
		if (filter_refuses(cfg, INFRASIGHT_FILTER_PID, bpf_map_lookup_elem(&filter_pids, &key)))
			return INFRASIGHT_CTR_FILTERED_PID;
	}
	if (active & INFRASIGHT_FILTER_UID) {
		struct infrasight_filter_id_key key = { .generation = gen,
							.id = (__u32)bpf_get_current_uid_gid() };
		if (filter_refuses(cfg, INFRASIGHT_FILTER_UID, bpf_map_lookup_elem(&filter_uids, &key)))
			return INFRASIGHT_CTR_FILTERED_UID;
	}
	if (active & INFRASIGHT_FILTER_CGROUP) {
		__u8 flags = filter_cgroup_flags(gen);
		if (filter_refuses(cfg, INFRASIGHT_FILTER_CGROUP, &flags))
			return INFRASIGHT_CTR_FILTERED_CGROUP;
	}
	if (active & INFRASIGHT_FILTER_COMM) {
		struct infrasight_filter_comm_key key = { .generation = gen };
		bpf_get_current_comm(key.comm, sizeof(key.comm));
		if (filter_refuses(cfg, INFRASIGHT_FILTER_COMM, bpf_map_lookup_elem(&filter_comms, &key)))
			return INFRASIGHT_CTR_FILTERED_COMM;
	}
	return 0;
}

/* The path-prefix filter of generation `gen` for `path` (len bytes, in map memory): 0 when it
 * passes, else INFRASIGHT_CTR_FILTERED_PATH (not counted here). */
static __always_inline __u32 filter_path(__u32 gen, const char *path, __u32 len)
{
	struct infrasight_filter_config *cfg = bpf_map_lookup_elem(&filter_config, &gen);
	if (!cfg || !((cfg->allow_kinds | cfg->deny_kinds) & INFRASIGHT_FILTER_PATH))
		return 0;
	__u32 zero = 0;
	struct infrasight_filter_path_key *key = bpf_map_lookup_elem(&filter_path_scratch, &zero);
	if (!key)
		return 0;
	if (len > INFRASIGHT_FILTER_PATH_MAX)
		len = INFRASIGHT_FILTER_PATH_MAX;
	key->generation = (__u8)gen;
	key->prefixlen = 8 * (1 + len); /* bytes past len are never compared */
	if (bpf_probe_read_kernel(key->path, sizeof(key->path), path))
		key->prefixlen = 8;
	if (filter_refuses(cfg, INFRASIGHT_FILTER_PATH, bpf_map_lookup_elem(&filter_paths, key)))
		return INFRASIGHT_CTR_FILTERED_PATH;
	return 0;
}

/* Whether generation `gen` has any path filter (then the walk must come before the judgement). */
static __always_inline int filter_path_on(__u32 gen)
{
	struct infrasight_filter_config *cfg = bpf_map_lookup_elem(&filter_config, &gen);
	return cfg && ((cfg->allow_kinds | cfg->deny_kinds) & INFRASIGHT_FILTER_PATH);
}

/* The path-prefix filter for `dir` + "/" + `rel` (dir: an absolute walked directory, dlen bytes; rel:
 * a relative path, rlen bytes; both in map memory), as written: `..` is not applied. Past
 * INFRASIGHT_FILTER_PATH_MAX bytes the joined path is cut, as filter_path cuts any path. */
static __always_inline __u32 filter_path_joined(__u32 gen, const char *dir, __u32 dlen, const char *rel, __u32 rlen)
{
	__u32 zero = 0;
	struct infrasight_filter_path_join *j = bpf_map_lookup_elem(&filter_path_join_scratch, &zero);
	if (!j || bpf_probe_read_kernel(j->buf, INFRASIGHT_FILTER_PATH_MAX, dir))
		return filter_path(gen, rel, rlen);
	__u32 at = dlen < INFRASIGHT_FILTER_PATH_MAX ? dlen : INFRASIGHT_FILTER_PATH_MAX;
	if (at != 1 && at < INFRASIGHT_FILTER_PATH_MAX) /* the root "/" takes no second slash */
		j->buf[at++ & INFRASIGHT_FILTER_PATH_MAX] = '/';
	at &= INFRASIGHT_FILTER_PATH_MAX; /* a no-op (at <= 255) the verifier can see */
	if (bpf_probe_read_kernel(j->buf + at, INFRASIGHT_FILTER_PATH_MAX, rel))
		return filter_path(gen, rel, rlen);
	return filter_path(gen, j->buf, at + rlen);
}

#endif /* INFRASIGHT_FILTER_H */
