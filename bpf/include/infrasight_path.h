/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * infrasight_path.h — the kernel's own name for a file or directory, read at the syscall: a
 * d_path() done in BPF by walking dentries and mounts (tracepoint programs cannot call the
 * bpf_d_path helper, which only fentry/LSM programs get). Used by open, chmod and execve to fill
 * the record's `resolved` path (layout and flags in infrasight_event.h). Self-contained.
 *
 * Semantics:
 *   - path_resolve_file(file): the absolute path of the file the syscall reached (an opened fd, the
 *     new binary of an exec): symlinks were already followed by the kernel, `.`/`..` do not exist
 *     in a dentry chain. Flag INFRASIGHT_F_RESOLVED_FILE.
 *   - path_resolve_dir(fd): the directory a passed relative path is looked up from: the task's cwd
 *     (fd == AT_FDCWD) or the directory open as `fd`. User space joins the passed path onto it and
 *     normalises lexically (a symlink or `..` after a symlink may name another file). Flag
 *     INFRASIGHT_F_RESOLVED_DIR; the same flag with an empty directory when the passed path is
 *     absolute (nothing to read).
 *   - Names are relative to the TASK'S root (current->fs->root), as /proc/<pid>/fd links read from
 *     inside: a chrooted or containerised process gets the path it sees.
 *   - INFRASIGHT_F_RESOLVED_TRUNCATED: the walk stopped before the root: more than
 *     INFRASIGHT_PATH_WALK_DEPTH steps (a step is one path component or one mount crossing), a name
 *     that no longer fits in INFRASIGHT_PATH_MAX - 1 bytes, or a mount whose parent chain never meets
 *     the task's root (a file on an internal mount such as a pipe, or a mount outside a chroot). The
 *     kept part is the END of the path (the components nearest the file), joined as "/c/d/file".
 *   - A deleted file (unlinked after it was opened) keeps the name it had; the kernel's " (deleted)"
 *     suffix is not added.
 *   - A pseudo file (a dentry that is its own parent without being a mount's root: a memfd, a named
 *     anonymous inode) is "/NAME", as /proc/PID/fd shows it ("/memfd:x"); a nameless one (a pipe, a
 *     socket) is cut, as above.
 *
 * Cost: one step per component (three kernel reads and one copy of the name), and the walk
 * only runs when the record is going to be emitted.
 *
 * Verifier choices:
 *   - The loop is bpf_loop() (Linux >= 5.17): its callback is verified once, however deep the walk
 *     goes. Its state lives in the per-CPU map value `path_walk` (kernel pointers kept as plain
 *     u64), not on the stack: map contents are unknown scalars to the verifier, so iterations
 *     never need to converge on precise values.
 *   - The name is assembled backwards (like d_path) into buf[]; every write offset is masked to
 *     INFRASIGHT_PATH_MAX - 1 and every length to 255 (a dentry name is at most NAME_MAX bytes),
 *     and buf[] has 256 bytes of slack past INFRASIGHT_PATH_MAX, so the verifier sees each write
 *     inside the map value without having to follow the position arithmetic.
 *   - The copy out reads the source with bpf_probe_read_kernel (a source address is not checked
 *     against map bounds), and the destination length is masked to INFRASIGHT_PATH_MAX - 1.
 *
 * DEFINES the map `path_walk` (include once per object).
 */
#ifndef INFRASIGHT_PATH_H
#define INFRASIGHT_PATH_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "infrasight_event.h"

#define INFRASIGHT_AT_FDCWD (-100)

/* Where the name is built: buf[pos .. INFRASIGHT_PATH_MAX - 1) holds "/a/b/c" once done. */
struct infrasight_path_walk {
	__u64 dentry;       /* struct dentry * of the next component to prepend */
	__u64 vfsmnt;       /* struct vfsmount * it is on */
	__u64 mnt;          /* struct mount * around vfsmnt */
	__u64 root_dentry;  /* the task's root (current->fs->root) */
	__u64 root_mnt;
	__u32 pos;          /* first byte of the name in buf[] (INFRASIGHT_PATH_MAX - 1: empty) */
	__u32 state;        /* PATH_WALK_* below */
	char buf[INFRASIGHT_PATH_MAX + 256];
};

#define PATH_WALK_RUNNING  0
#define PATH_WALK_DONE     1  /* reached the task's root */
#define PATH_WALK_CUT      2  /* a name did not fit, or no way up to the root */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct infrasight_path_walk);
} path_walk SEC(".maps");

/* struct mount around a struct vfsmount (container_of, with the offset relocated by CO-RE). */
static __always_inline __u64 path_real_mount(__u64 vfsmnt)
{
	return vfsmnt - bpf_core_field_offset(struct mount, mnt);
}

/* One step of the walk: prepends one component or crosses one mount. 1 stops bpf_loop. */
static long path_walk_step(__u32 index, void *ctx)
{
	__u32 zero = 0;
	struct infrasight_path_walk *w = bpf_map_lookup_elem(&path_walk, &zero);
	if (!w)
		return 1;
	struct dentry *dentry = (struct dentry *)w->dentry;
	struct vfsmount *vfsmnt = (struct vfsmount *)w->vfsmnt;
	if (w->dentry == w->root_dentry && w->vfsmnt == w->root_mnt) {
		w->state = PATH_WALK_DONE;
		return 1;
	}
	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	/* A file with no parent that is not a mount's root is a pseudo file (a memfd, a named anonymous
	 * inode): named by itself, "/NAME", as /proc/PID/fd shows it. */
	int pseudo = dentry == parent && dentry != mnt_root && w->pos == INFRASIGHT_PATH_MAX - 1;
	if (!pseudo && (dentry == mnt_root || dentry == parent)) {
		/* top of this mount: continue from where it is mounted on its parent */
		struct mount *mnt = (struct mount *)w->mnt;
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
		if (!up || (__u64)up == w->mnt) {
			/* a root that is not the task's: the path cannot be named from here */
			w->state = PATH_WALK_CUT;
			return 1;
		}
		w->dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = (__u64)up;
		w->vfsmnt = (__u64)up + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}
	/* d_name and f_path are const in newer kernels: BPF_CORE_READ's typeof() temporaries would be
	 * const too, so these are read with bpf_core_read into plain locals */
	const unsigned char *name = NULL;
	__u32 len = 0;
	bpf_core_read(&name, sizeof(name), &dentry->d_name.name);
	bpf_core_read(&len, sizeof(len), &dentry->d_name.len);
	__u32 pos = w->pos;
	if (len == 0 || len > 255 || len + 1 > pos) {
		w->state = PATH_WALK_CUT;
		return 1;
	}
	pos -= len;
	bpf_probe_read_kernel(&w->buf[pos & (INFRASIGHT_PATH_MAX - 1)], len & 255, name);
	pos -= 1;
	w->buf[pos & (INFRASIGHT_PATH_MAX - 1)] = '/';
	w->pos = pos;
	w->dentry = (__u64)parent;
	if (pseudo) {
		w->state = PATH_WALK_DONE;
		return 1;
	}
	return 0;
}

/* Walks `p` (a struct path in kernel memory) up to the task's root and copies the name into out[]
 * (INFRASIGHT_PATH_MAX bytes, map memory), NUL-terminated. Returns its length; sets
 * INFRASIGHT_F_RESOLVED_TRUNCATED in *flags when the walk stopped short (see the top comment). */
static __always_inline __u32 path_walk_copy(const struct path *p, char *out, __u32 *flags)
{
	__u32 zero = 0;
	struct infrasight_path_walk *w = bpf_map_lookup_elem(&path_walk, &zero);
	if (!w) {
		out[0] = 0;
		*flags |= INFRASIGHT_F_RESOLVED_TRUNCATED;
		return 0;
	}
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	w->root_dentry = (__u64)BPF_CORE_READ(fs, root.dentry);
	w->root_mnt = (__u64)BPF_CORE_READ(fs, root.mnt);
	struct dentry *dentry = NULL;
	struct vfsmount *vfsmnt = NULL;
	bpf_core_read(&dentry, sizeof(dentry), &p->dentry);
	bpf_core_read(&vfsmnt, sizeof(vfsmnt), &p->mnt);
	w->dentry = (__u64)dentry;
	w->vfsmnt = (__u64)vfsmnt;
	w->mnt = path_real_mount(w->vfsmnt);
	w->pos = INFRASIGHT_PATH_MAX - 1;
	w->state = PATH_WALK_RUNNING;
	w->buf[INFRASIGHT_PATH_MAX - 1] = 0;
	if (!w->dentry || !w->vfsmnt) {
		out[0] = 0;
		*flags |= INFRASIGHT_F_RESOLVED_TRUNCATED;
		return 0;
	}
	bpf_loop(INFRASIGHT_PATH_WALK_DEPTH, path_walk_step, NULL, 0);
	if (w->state != PATH_WALK_DONE)
		*flags |= INFRASIGHT_F_RESOLVED_TRUNCATED; /* CUT, or still RUNNING after the last step */
	__u32 pos = w->pos;
	if (pos >= INFRASIGHT_PATH_MAX - 1) {
		/* nothing prepended: the root itself */
		out[0] = '/';
		out[1] = 0;
		return 1;
	}
	__u32 len = INFRASIGHT_PATH_MAX - 1 - pos;
	bpf_probe_read_kernel(out, len & (INFRASIGHT_PATH_MAX - 1), &w->buf[pos]);
	out[len & (INFRASIGHT_PATH_MAX - 1)] = 0;
	return len;
}

/* The file open as `fd` in the current task, NULL when there is none. */
static __always_inline struct file *path_file_from_fd(long fd)
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
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

/* The path of `f` into out[] (see path_walk_copy); sets INFRASIGHT_F_RESOLVED_FILE. With no file,
 * out[] is empty and no RESOLVED flag is set (the record has no resolved path). */
static __always_inline __u32 path_resolve_file(struct file *f, char *out, __u32 *flags)
{
	if (!f) {
		out[0] = 0;
		return 0;
	}
	*flags |= INFRASIGHT_F_RESOLVED_FILE;
	return path_walk_copy(&f->f_path, out, flags);
}

/* The directory a passed path is looked up from, into out[]: empty when `passed` (the first byte
 * of the passed path) is '/', else the cwd (dirfd AT_FDCWD) or dirfd's file. Sets
 * INFRASIGHT_F_RESOLVED_DIR; an unknown dirfd leaves the record without a resolved path. */
static __always_inline __u32 path_resolve_dir(long dirfd, char passed, char *out, __u32 *flags)
{
	out[0] = 0;
	if (passed == '/') {
		*flags |= INFRASIGHT_F_RESOLVED_DIR;
		return 0;
	}
	if ((int)dirfd == INFRASIGHT_AT_FDCWD) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		struct fs_struct *fs = BPF_CORE_READ(task, fs);
		if (!fs)
			return 0;
		*flags |= INFRASIGHT_F_RESOLVED_DIR;
		return path_walk_copy(&fs->pwd, out, flags);
	}
	struct file *f = path_file_from_fd(dirfd);
	if (!f)
		return 0;
	*flags |= INFRASIGHT_F_RESOLVED_DIR;
	return path_walk_copy(&f->f_path, out, flags);
}

#endif /* INFRASIGHT_PATH_H */
