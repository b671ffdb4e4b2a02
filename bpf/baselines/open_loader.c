// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * open_loader.c — benchmark baseline (make bench, row 1): the smallest libbpf loader for the agent's
 * own open probe object (bpf/build/open.bpf.o, unchanged). It sizes the ring buffer like the agent
 * (8 MiB), excludes its own pid, attaches every program in the object and drains the ring buffer
 * with batched wake-ups (the programs only force a wake-up above 1 MiB pending; we also poll every
 * 2 ms). Each record is counted and dropped.
 *
 *   open_loader OBJ [RING_MB]     prints "ready" once attached; on SIGTERM/SIGINT drains and prints
 *                                  "events=N emitted=E lost=L" (E, L: the object's per-CPU counters)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

static volatile sig_atomic_t stop;
static unsigned long long events;

static void on_signal(int sig) { (void)sig; stop = 1; }

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx; (void)data; (void)size;
	events++;
	return 0;
}

/* Sum of one index of the per-CPU "counters" map over all CPUs. */
static unsigned long long counter_sum(int fd, __u32 idx)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long sum = 0, *vals = calloc((size_t)ncpu, sizeof(*vals));
	if (vals && bpf_map_lookup_elem(fd, &idx, vals) == 0)
		for (int i = 0; i < ncpu; i++) sum += vals[i];
	free(vals);
	return sum;
}

int main(int argc, char **argv)
{
	if (argc < 2) { fprintf(stderr, "usage: %s OBJ [RING_MB]\n", argv[0]); return 2; }
	unsigned ring_mb = argc > 2 ? (unsigned)atoi(argv[2]) : 8;
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) { fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno)); return 1; }
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "events"), ring_mb << 20);
	/* attach only the tracepoint programs (the object may carry others) */
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, strncmp(bpf_program__section_name(prog), "tracepoint/", 11) == 0);
	if (bpf_object__load(obj)) { fprintf(stderr, "load: %s\n", strerror(errno)); return 1; }
	__u32 self = (__u32)getpid();
	__u8 one = 1;
	bpf_map__update_elem(bpf_object__find_map_by_name(obj, "excluded_tgids"), &self, sizeof(self), &one, sizeof(one), BPF_ANY);
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog)) continue;
		if (!bpf_program__attach(prog))
			fprintf(stderr, "attach %s: %s (skipped)\n", bpf_program__name(prog), strerror(errno));
	}
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "events")), on_record, NULL, NULL);
	if (!rb) { fprintf(stderr, "ring buffer: %s\n", strerror(errno)); return 1; }
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		int n = ring_buffer__poll(rb, 2);
		if (n == 0) usleep(2000);
	}
	ring_buffer__consume(rb);
	int cfd = bpf_map__fd(bpf_object__find_map_by_name(obj, "counters"));
	printf("events=%llu emitted=%llu lost=%llu\n", events, counter_sum(cfd, 0), counter_sum(cfd, 1));
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
