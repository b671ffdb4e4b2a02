// SPDX-License-Identifier: MIT
/*
 * rdk_bench.c — benchmark baselines (make bench, rows 2 and 3): raw librdkafka with the agent's
 * producer settings (idempotent, acks=all, linger.ms=5, lz4), nothing else.
 *
 *   rdk_bench produce BROKERS TOPIC PAYLOADS COUNT
 *       sends COUNT messages, cycling through the payloads in the file PAYLOADS (records of a
 *       little-endian u32 length + bytes, as written by `pass ... DUMP`), keyed "bench/<i % 64>";
 *   rdk_bench pass BROKERS IN_TOPIC OUT_TOPIC EXPECT IDLE_S [DUMP]
 *       a pass-through worker: consumes IN_TOPIC from the start (fresh group), produces each value
 *       unchanged to OUT_TOPIC, stops after EXPECT messages (or IDLE_S seconds without one) once all
 *       are acknowledged; DUMP keeps up to 200,000 of the consumed payloads for `produce`.
 * Both print: "sent=N acked=A failed=F seconds=S rate=R" with S from the first message to the last ack.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <librdkafka/rdkafka.h>

static unsigned long long acked, failed;
static double t_last_ack;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk; (void)opaque;
	if (m->err) failed++; else acked++;
	t_last_ack = now();
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v)
{
	char err[256];
	if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) { fprintf(stderr, "%s: %s\n", k, err); exit(2); }
}

static rd_kafka_t *producer(const char *brokers)
{
	char err[256];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	set(c, "bootstrap.servers", brokers);
	set(c, "enable.idempotence", "true");
	set(c, "acks", "all");
	set(c, "linger.ms", "5");
	set(c, "compression.codec", "lz4");
	rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	if (!rk) { fprintf(stderr, "producer: %s\n", err); exit(1); }
	return rk;
}

static void send_one(rd_kafka_t *rk, const char *topic, const void *key, size_t klen, const void *val, size_t vlen)
{
	for (;;) {
		rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, klen),
			RD_KAFKA_V_VALUE((void *)val, vlen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return;
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) { failed++; return; }
		rd_kafka_poll(rk, 10);
	}
}

static void report(unsigned long long sent, double t0)
{
	double s = t_last_ack > t0 ? t_last_ack - t0 : 0;
	printf("sent=%llu acked=%llu failed=%llu seconds=%.3f rate=%.0f\n", sent, acked, failed, s, s > 0 ? acked / s : 0);
}

static int produce(int argc, char **argv)
{
	if (argc < 6) return 2;
	FILE *f = fopen(argv[4], "rb");
	if (!f) { perror(argv[4]); return 1; }
	size_t cap = 1 << 20, used = 0, n = 0;
	char *buf = malloc(cap);
	for (;;) { /* slurp */
		if (used == cap) buf = realloc(buf, cap *= 2);
		size_t r = fread(buf + used, 1, cap - used, f);
		if (r == 0) break;
		used += r;
	}
	fclose(f);
	size_t *off = malloc(sizeof(size_t) * (used / 4 + 1));
	for (size_t p = 0; p + 4 <= used;) {
		uint32_t len; memcpy(&len, buf + p, 4);
		if (p + 4 + len > used) break;
		off[n++] = p; p += 4 + len;
	}
	if (n == 0) { fprintf(stderr, "no payloads in %s\n", argv[4]); return 1; }
	unsigned long long count = strtoull(argv[5], NULL, 10);
	rd_kafka_t *rk = producer(argv[2]);
	double t0 = now();
	char key[32];
	for (unsigned long long i = 0; i < count; i++) {
		uint32_t len; memcpy(&len, buf + off[i % n], 4);
		int kl = snprintf(key, sizeof(key), "bench/%llu", i % 64);
		send_one(rk, argv[3], key, (size_t)kl, buf + off[i % n] + 4, len);
		rd_kafka_poll(rk, 0);
	}
	rd_kafka_flush(rk, 60000);
	report(count, t0);
	rd_kafka_destroy(rk);
	return 0;
}

static int pass(int argc, char **argv)
{
	if (argc < 7) return 2;
	char err[256], group[64];
	unsigned long long expect = strtoull(argv[5], NULL, 10), sent = 0;
	double idle = atof(argv[6]);
	FILE *dump = argc > 7 ? fopen(argv[7], "wb") : NULL;
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	snprintf(group, sizeof(group), "bench-pass-%ld", (long)time(NULL));
	set(c, "bootstrap.servers", argv[2]);
	set(c, "group.id", group);
	set(c, "auto.offset.reset", "earliest");
	set(c, "enable.auto.commit", "true");
	set(c, "session.timeout.ms", "6000");
	set(c, "max.poll.interval.ms", "10000");
	rd_kafka_t *cons = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
	if (!cons) { fprintf(stderr, "consumer: %s\n", err); return 1; }
	rd_kafka_poll_set_consumer(cons);
	rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, argv[3], RD_KAFKA_PARTITION_UA);
	rd_kafka_subscribe(cons, topics);
	rd_kafka_t *rk = producer(argv[2]);
	double t0 = 0, last = now();
	while (sent < expect && now() - last < idle) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(cons, 100);
		rd_kafka_poll(rk, 0);
		if (!m) continue;
		if (m->err) { rd_kafka_message_destroy(m); continue; }
		if (t0 == 0) t0 = now();
		last = now();
		send_one(rk, argv[4], m->key, m->key_len, m->payload, m->len);
		if (dump && sent < 200000) { uint32_t l = (uint32_t)m->len; fwrite(&l, 4, 1, dump); fwrite(m->payload, 1, m->len, dump); }
		sent++;
		rd_kafka_message_destroy(m);
	}
	rd_kafka_flush(rk, 60000);
	if (dump) fclose(dump);
	report(sent, t0);
	rd_kafka_consumer_close(cons);
	rd_kafka_destroy(cons);
	rd_kafka_destroy(rk);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;
	if (argc > 1 && strcmp(argv[1], "produce") == 0) rc = produce(argc, argv);
	else if (argc > 1 && strcmp(argv[1], "pass") == 0) rc = pass(argc, argv);
	if (rc == 2) fprintf(stderr, "usage: %s produce BROKERS TOPIC PAYLOADS COUNT | pass BROKERS IN OUT EXPECT IDLE_S [DUMP]\n", argv[0]);
	return rc;
}
