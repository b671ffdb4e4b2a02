// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * open_loader.c — benchmark baseline (make bench): the smallest libbpf loader for the agent's own
 * probe objects (bpf/build/<probe>.bpf.o, unchanged). It sizes each object's ring buffer like the
 * agent (8 MiB), excludes its own pid, attaches every tracepoint program of every object given and
 * drains all their ring buffers from one ring_buffer (ring_buffer__add) with batched wake-ups (the
 * programs only force a wake-up above 1 MiB pending; we also poll every 2 ms). Each record is counted
 * and dropped.
 *
 *   open_loader [--ring MB] [--dump FILE N] OBJ...
 *       prints "ready" once attached; on SIGTERM/SIGINT drains and prints
 *       "events=N emitted=E lost=L" (E, L: the objects' per-CPU counters, summed over the objects).
 *       --dump FILE N writes the first N records as [u32 little-endian length][record bytes]
 *       (bench/records/, the instruction-count replay input).
 *
 * Built a second time with -DWITH_KAFKA as chain_loader (the C chain of the end-to-end row): it also
 * takes --kafka BROKERS TOPIC and publishes every raw record unchanged with librdkafka, keyed
 * "<hostname>/<pid>" like the agent, with the agent's producer settings (idempotent, acks=all,
 * linger.ms=50, batches up to 4 MB, lz4, message.timeout.ms=300000) and a deep local queue (2M messages / 1 GiB, so a burst
 * never blocks the ring-buffer drain). On exit it also prints "acked=A failed=F".
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#ifdef WITH_KAFKA
#include <librdkafka/rdkafka.h>
#endif

#define MAX_OBJS 16

static volatile sig_atomic_t stop;
static unsigned long long events;
static FILE *dump;
static unsigned long long dump_left;

#ifdef WITH_KAFKA
static rd_kafka_t *rk;
static const char *topic;
static char host[256];
static unsigned long long acked, failed;

static void on_delivery(rd_kafka_t *k, const rd_kafka_message_t *m, void *opaque)
{
	(void)k; (void)opaque;
	if (m->err) failed++; else acked++;
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v)
{
	char err[256];
	if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) { fprintf(stderr, "%s: %s\n", k, err); exit(2); }
}

/* "k=v,k=v" from the environment (RDK_PRODUCER_CONF, RDK_CONSUMER_CONF): settings added on top. */
static void extra_conf(rd_kafka_conf_t *c, const char *extra)
{
	if (!extra || !*extra) return;
	char *dup = strdup(extra), *save = NULL;
	for (char *kv = strtok_r(dup, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (eq) { *eq = 0; set(c, kv, eq + 1); }
	}
	free(dup);
}

static void publish(const void *data, size_t size)
{
	char key[300];
	uint32_t pid = 0;
	if (size >= 44) memcpy(&pid, (const char *)data + 40, 4); /* infrasight_common.pid, same offset in every record */
	int kl = snprintf(key, sizeof(key), "%s/%u", host, pid);
	for (;;) {
		rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, (size_t)kl),
			RD_KAFKA_V_VALUE((void *)data, size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return;
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) { failed++; return; }
		rd_kafka_poll(rk, 10);
	}
}
#endif

static void on_signal(int sig) { (void)sig; stop = 1; }

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	events++;
	if (dump && dump_left) {
		uint32_t len = (uint32_t)size; /* x86: little-endian */
		fwrite(&len, 4, 1, dump);
		fwrite(data, 1, size, dump);
		if (--dump_left == 0) fflush(dump);
	}
#ifdef WITH_KAFKA
	if (rk) publish(data, size);
#endif
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

static int usage(const char *me)
{
	fprintf(stderr, "usage: %s [--ring MB] [--dump FILE N]"
#ifdef WITH_KAFKA
		" [--kafka BROKERS TOPIC]"
#endif
		" OBJ...\n", me);
	return 2;
}

int main(int argc, char **argv)
{
	unsigned ring_mb = 8;
	const char *objs[MAX_OBJS];
	int nobj = 0;
	const char *brokers = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ring") == 0 && i + 1 < argc) ring_mb = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--dump") == 0 && i + 2 < argc) {
			dump = fopen(argv[++i], "wb");
			if (!dump) { perror(argv[i]); return 1; }
			dump_left = strtoull(argv[++i], NULL, 10);
		}
#ifdef WITH_KAFKA
		else if (strcmp(argv[i], "--kafka") == 0 && i + 2 < argc) { brokers = argv[++i]; topic = argv[++i]; }
#endif
		else if (argv[i][0] == '-') return usage(argv[0]);
		else if (nobj < MAX_OBJS) objs[nobj++] = argv[i];
	}
	/* compatibility: `open_loader OBJ RING_MB` */
	if (nobj == 2 && strspn(objs[1], "0123456789") == strlen(objs[1])) { ring_mb = (unsigned)atoi(objs[1]); nobj = 1; }
	if (nobj == 0) return usage(argv[0]);
	(void)brokers;

#ifdef WITH_KAFKA
	if (brokers) {
		char err[256];
		gethostname(host, sizeof(host) - 1);
		rd_kafka_conf_t *c = rd_kafka_conf_new();
		set(c, "bootstrap.servers", brokers);
		set(c, "enable.idempotence", "true");
		set(c, "acks", "all");
		set(c, "linger.ms", "50");
		set(c, "batch.size", "4000000");
		set(c, "message.max.bytes", "4200000");
		set(c, "message.timeout.ms", "300000");
		set(c, "compression.codec", "lz4");
		/* A deep local queue (2M messages, 1 GiB) so a burst waits in librdkafka instead of blocking the
		 * ring-buffer drain (a blocked drain loses records in the kernel). */
		set(c, "queue.buffering.max.messages", "2000000");
		set(c, "queue.buffering.max.kbytes", "1048576");
		extra_conf(c, getenv("RDK_PRODUCER_CONF"));
		rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
		rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
		if (!rk) { fprintf(stderr, "producer: %s\n", err); return 1; }
	}
#endif

	struct bpf_object *obj[MAX_OBJS];
	int counters_fd[MAX_OBJS];
	struct ring_buffer *rb = NULL;
	__u32 self = (__u32)getpid();
	__u8 one = 1;
	for (int o = 0; o < nobj; o++) {
		obj[o] = bpf_object__open_file(objs[o], NULL);
		if (!obj[o]) { fprintf(stderr, "open %s: %s\n", objs[o], strerror(errno)); return 1; }
		bpf_map__set_max_entries(bpf_object__find_map_by_name(obj[o], "events"), ring_mb << 20);
		/* attach only the tracepoint programs (the objects may carry fentry/lsm programs this kernel refuses),
		 * and raw tracepoints: an object with one (kernel.bpf.o's every-syscall sys_enter hook) gets it in
		 * place of its classic raw_syscalls:sys_enter fallback, as the agent does (one of the two, not both;
		 * a sys_enter_*_module tracepoint the kernel lacks is skipped below). */
		struct bpf_program *prog;
		int has_raw = 0;
		bpf_object__for_each_program(prog, obj[o])
			has_raw |= strncmp(bpf_program__section_name(prog), "raw_tracepoint/", 15) == 0;
		bpf_object__for_each_program(prog, obj[o]) {
			const char *sec = bpf_program__section_name(prog);
			int tp = strncmp(sec, "tracepoint/", 11) == 0 && !(has_raw && strncmp(sec, "tracepoint/raw_syscalls/", 24) == 0);
			bpf_program__set_autoload(prog, tp || strncmp(sec, "raw_tracepoint/", 15) == 0);
		}
		if (bpf_object__load(obj[o])) { fprintf(stderr, "load %s: %s\n", objs[o], strerror(errno)); return 1; }
		bpf_map__update_elem(bpf_object__find_map_by_name(obj[o], "excluded_tgids"), &self, sizeof(self), &one, sizeof(one), BPF_ANY);
		bpf_object__for_each_program(prog, obj[o]) {
			if (!bpf_program__autoload(prog)) continue;
			if (!bpf_program__attach(prog))
				fprintf(stderr, "attach %s: %s (skipped)\n", bpf_program__name(prog), strerror(errno));
		}
		int efd = bpf_map__fd(bpf_object__find_map_by_name(obj[o], "events"));
		if (!rb) rb = ring_buffer__new(efd, on_record, NULL, NULL);
		else if (ring_buffer__add(rb, efd, on_record, NULL)) rb = NULL;
		if (!rb) { fprintf(stderr, "ring buffer %s: %s\n", objs[o], strerror(errno)); return 1; }
		counters_fd[o] = bpf_map__fd(bpf_object__find_map_by_name(obj[o], "counters"));
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("ready objects=%d\n", nobj);
	fflush(stdout);
	while (!stop) {
		int n = ring_buffer__poll(rb, 2);
#ifdef WITH_KAFKA
		if (rk) rd_kafka_poll(rk, 0);
#endif
		if (n == 0) usleep(2000);
	}
	ring_buffer__consume(rb);
	unsigned long long emitted = 0, lost = 0;
	for (int o = 0; o < nobj; o++) {
		emitted += counter_sum(counters_fd[o], 0);
		lost += counter_sum(counters_fd[o], 1);
	}
	if (dump) fclose(dump);
	printf("events=%llu emitted=%llu lost=%llu", events, emitted, lost);
#ifdef WITH_KAFKA
	if (rk) {
		rd_kafka_flush(rk, 60000);
		printf(" acked=%llu failed=%llu", acked, failed);
		rd_kafka_destroy(rk);
	}
#endif
	printf("\n");
	ring_buffer__free(rb);
	for (int o = 0; o < nobj; o++) bpf_object__close(obj[o]);
	return 0;
}
