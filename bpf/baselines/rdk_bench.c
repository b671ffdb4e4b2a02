// SPDX-License-Identifier: MIT
/*
 * rdk_bench.c — benchmark baselines (make bench): raw librdkafka with the agent's producer settings
 * (idempotent, acks=all, linger.ms=50, batches up to 4 MB, lz4), nothing else.
 *
 *   rdk_bench produce BROKERS TOPIC PAYLOADS COUNT [KEYS]
 *       sends COUNT messages, cycling through the payloads in the file PAYLOADS (records of a
 *       little-endian u32 length + bytes, as written by `pass ... DUMP`), keyed "bench/<i % KEYS>"
 *       (KEYS 64 by default; 1 = one hot key, one partition, like one process's storm under the agent);
 *   rdk_bench pass BROKERS IN_TOPIC OUT_TOPIC EXPECT IDLE_S [DUMP [DUMP_MAX]]
 *       a pass-through worker: consumes IN_TOPIC (a name, or a ^regex) from the start, produces each
 *       value unchanged (same key) to OUT_TOPIC, stops after EXPECT messages (0: no limit) or IDLE_S
 *       seconds without one (0: no limit) or SIGTERM, once all are acknowledged; DUMP keeps up to
 *       DUMP_MAX (200,000) consumed payloads (for `produce`, and bench/records/);
 *   rdk_bench consume BROKERS IN_TOPIC EXPECT IDLE_S
 *       consumes only (the broker's consume rate for the same messages);
 *   rdk_bench insert BROKERS IN_TOPIC CLICKHOUSE_URL TABLE
 *       the C chain's inserter: consumes raw open records (bpf/include/infrasight_event.h, as
 *       published by chain_loader), writes "pid<TAB>path" rows and POSTs them with libcurl as
 *       `INSERT INTO TABLE FORMAT TabSeparated` (one POST per 100,000 rows or 0.5 s), until SIGTERM.
 * Consumers: fresh group (RDK_GROUP overrides, e.g. two pass-throughs sharing one group), earliest,
 * (RDK_CONSUMER_CONF="k=v,..." adds settings, for experiments),
 * auto commit, batches of up to 10,000 messages (rd_kafka_consume_batch_queue), librdkafka's default
 * prefetch (queued.max.messages.kbytes=65536), session.timeout.ms=6000, max.poll.interval.ms=10000.
 * All print: "sent=N acked=A failed=F seconds=S rate=R" with S from the first message to the last ack
 * (consume: to the last message; insert: to the last successful POST), plus the consumer settings.
 */
#include <inttypes.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <librdkafka/rdkafka.h>
#include "../include/infrasight_event.h"

#define BATCH 10000

static unsigned long long acked, failed;
static double t_last_ack;
static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

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

static rd_kafka_t *producer(const char *brokers)
{
	char err[256];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	set(c, "bootstrap.servers", brokers);
	set(c, "enable.idempotence", "true");
	set(c, "acks", "all");
	set(c, "linger.ms", "50");
	set(c, "batch.size", "4000000");
	set(c, "message.max.bytes", "4200000");
	set(c, "compression.codec", "lz4");
	extra_conf(c, getenv("RDK_PRODUCER_CONF"));
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
	unsigned long long keys = argc > 6 ? strtoull(argv[6], NULL, 10) : 64;
	if (keys == 0) keys = 1;
	rd_kafka_t *rk = producer(argv[2]);
	double t0 = now();
	char key[32];
	for (unsigned long long i = 0; i < count; i++) {
		uint32_t len; memcpy(&len, buf + off[i % n], 4);
		int kl = snprintf(key, sizeof(key), "bench/%llu", i % keys);
		send_one(rk, argv[3], key, (size_t)kl, buf + off[i % n] + 4, len);
		rd_kafka_poll(rk, 0);
	}
	rd_kafka_flush(rk, 60000);
	report(count, t0);
	rd_kafka_destroy(rk);
	return 0;
}

/* A subscribed consumer with librdkafka's default prefetch (64 MiB), and its batch queue. */
static rd_kafka_t *consumer(const char *brokers, const char *topic, rd_kafka_queue_t **queue)
{
	char err[256], group[64];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	const char *g = getenv("RDK_GROUP");
	if (g && *g) snprintf(group, sizeof(group), "%s", g);
	else snprintf(group, sizeof(group), "bench-c-%ld-%d", (long)time(NULL), (int)getpid());
	set(c, "bootstrap.servers", brokers);
	set(c, "group.id", group);
	set(c, "auto.offset.reset", "earliest");
	set(c, "enable.auto.commit", "true");
	set(c, "session.timeout.ms", "6000");
	set(c, "max.poll.interval.ms", "10000");
	if (topic[0] == '^') set(c, "topic.metadata.refresh.interval.ms", "5000");
	extra_conf(c, getenv("RDK_CONSUMER_CONF"));
	char v[64]; size_t vl;
	printf("consumer");
	const char *shown[] = {"queued.max.messages.kbytes", "queued.min.messages", "fetch.max.bytes",
			       "max.partition.fetch.bytes", "fetch.wait.max.ms", "fetch.queue.backoff.ms"};
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		vl = sizeof(v);
		if (rd_kafka_conf_get(c, shown[i], v, &vl) == RD_KAFKA_CONF_OK) printf(" %s=%s", shown[i], v);
	}
	printf("\n");
	rd_kafka_t *cons = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
	if (!cons) { fprintf(stderr, "consumer: %s\n", err); exit(1); }
	rd_kafka_poll_set_consumer(cons);
	rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
	rd_kafka_subscribe(cons, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	*queue = rd_kafka_queue_get_consumer(cons);
	return cons;
}

static void close_consumer(rd_kafka_t *cons, rd_kafka_queue_t *q)
{
	rd_kafka_queue_destroy(q);
	rd_kafka_consumer_close(cons);
	rd_kafka_destroy(cons);
}

static int pass(int argc, char **argv)
{
	if (argc < 7) return 2;
	unsigned long long expect = strtoull(argv[5], NULL, 10), sent = 0;
	double idle = atof(argv[6]);
	FILE *dump = argc > 7 ? fopen(argv[7], "wb") : NULL;
	unsigned long long dump_max = argc > 8 ? strtoull(argv[8], NULL, 10) : 200000;
	rd_kafka_queue_t *q;
	rd_kafka_t *cons = consumer(argv[2], argv[3], &q);
	rd_kafka_t *rk = producer(argv[2]);
	static rd_kafka_message_t *msgs[BATCH];
	double t0 = 0, last = now();
	while (!stop && (expect == 0 || sent < expect) && (idle <= 0 || now() - last < idle)) {
		ssize_t n = rd_kafka_consume_batch_queue(q, 100, msgs, BATCH);
		rd_kafka_poll(rk, 0);
		for (ssize_t i = 0; i < n; i++) {
			rd_kafka_message_t *m = msgs[i];
			if (!m->err && (expect == 0 || sent < expect)) {
				if (t0 == 0) t0 = now();
				send_one(rk, argv[4], m->key, m->key_len, m->payload, m->len);
				if (dump && sent < dump_max) { uint32_t l = (uint32_t)m->len; fwrite(&l, 4, 1, dump); fwrite(m->payload, 1, m->len, dump); }
				sent++;
			}
			rd_kafka_message_destroy(m);
		}
		if (n > 0) last = now();
	}
	rd_kafka_flush(rk, 60000);
	if (dump) fclose(dump);
	report(sent, t0);
	close_consumer(cons, q);
	rd_kafka_destroy(rk);
	return 0;
}

static int consume(int argc, char **argv)
{
	if (argc < 6) return 2;
	unsigned long long expect = strtoull(argv[4], NULL, 10), got = 0;
	double idle = atof(argv[5]);
	rd_kafka_queue_t *q;
	rd_kafka_t *cons = consumer(argv[2], argv[3], &q);
	static rd_kafka_message_t *msgs[BATCH];
	double t0 = 0, last = now();
	while (!stop && (expect == 0 || got < expect) && (idle <= 0 || now() - last < idle)) {
		ssize_t n = rd_kafka_consume_batch_queue(q, 100, msgs, BATCH);
		for (ssize_t i = 0; i < n; i++) {
			if (!msgs[i]->err && (expect == 0 || got < expect)) { if (t0 == 0) t0 = now(); got++; }
			rd_kafka_message_destroy(msgs[i]);
		}
		if (n > 0) last = now();
	}
	acked = got;
	t_last_ack = last;
	report(got, t0);
	close_consumer(cons, q);
	return 0;
}

/* TabSeparated escaping of a string field. */
static void tsv(char **p, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		char ch = s[i];
		if (ch == '\t') { *(*p)++ = '\\'; *(*p)++ = 't'; }
		else if (ch == '\n') { *(*p)++ = '\\'; *(*p)++ = 'n'; }
		else if (ch == '\\') { *(*p)++ = '\\'; *(*p)++ = '\\'; }
		else *(*p)++ = ch;
	}
}

static size_t discard(char *ptr, size_t size, size_t n, void *ud) { (void)ptr; (void)ud; return size * n; }

static int insert(int argc, char **argv)
{
	if (argc < 6) return 2;
	char url[1024];
	snprintf(url, sizeof(url), "%s/?query=INSERT%%20INTO%%20%s%%20FORMAT%%20TabSeparated", argv[4], argv[5]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *curl = curl_easy_init();
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	rd_kafka_queue_t *q;
	rd_kafka_t *cons = consumer(argv[2], argv[3], &q);
	static rd_kafka_message_t *msgs[BATCH];
	size_t cap = 100000 * (2 * INFRASIGHT_PATH_MAX + 16), used = 0;
	char *buf = malloc(cap);
	unsigned long long rows = 0, consumed = 0, inserted = 0, posts_failed = 0;
	double t0 = 0, first_row = 0;
	for (;;) {
		ssize_t n = stop ? 0 : rd_kafka_consume_batch_queue(q, 100, msgs, BATCH);
		for (ssize_t i = 0; i < n; i++) {
			rd_kafka_message_t *m = msgs[i];
			if (!m->err) {
				consumed++;
				if (t0 == 0) t0 = now();
				const struct infrasight_open_event *e = m->payload;
				if (m->len >= offsetof(struct infrasight_open_event, path) && e->c.kind == INFRASIGHT_EVENT_KIND_OPEN) {
					size_t plen = m->len - offsetof(struct infrasight_open_event, path);
					if (plen > e->path_len) plen = e->path_len;
					char *p = buf + used;
					p += sprintf(p, "%u\t", e->c.pid);
					tsv(&p, e->path, plen);
					*p++ = '\n';
					used = (size_t)(p - buf);
					if (rows++ == 0) first_row = now();
				}
			}
			rd_kafka_message_destroy(m);
		}
		if (rows > 0 && (rows >= 100000 || now() - first_row >= 0.5 || stop)) {
			curl_easy_setopt(curl, CURLOPT_POSTFIELDS, buf);
			curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)used);
			long code = 0;
			if (curl_easy_perform(curl) == CURLE_OK && (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code), code == 200)) {
				inserted += rows;
				t_last_ack = now();
			} else {
				posts_failed++;
			}
			rows = 0; used = 0;
		}
		if (stop && rows == 0) break;
	}
	acked = inserted;
	failed = posts_failed;
	printf("consumed=%llu ", consumed);
	report(inserted, t0);
	close_consumer(cons, q);
	curl_easy_cleanup(curl);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (argc > 1 && strcmp(argv[1], "produce") == 0) rc = produce(argc, argv);
	else if (argc > 1 && strcmp(argv[1], "pass") == 0) rc = pass(argc, argv);
	else if (argc > 1 && strcmp(argv[1], "consume") == 0) rc = consume(argc, argv);
	else if (argc > 1 && strcmp(argv[1], "insert") == 0) rc = insert(argc, argv);
	if (rc == 2) fprintf(stderr, "usage: %s produce BROKERS TOPIC PAYLOADS COUNT [KEYS] | pass BROKERS IN OUT EXPECT IDLE_S [DUMP [DUMP_MAX]]"
				     " | consume BROKERS IN EXPECT IDLE_S | insert BROKERS IN CLICKHOUSE_URL TABLE\n", argv[0]);
	return rc;
}
