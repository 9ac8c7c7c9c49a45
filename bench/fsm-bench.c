/* fsm-bench.c - how fast and how big the fsm is at a million keys.
 *
 *   bench/fsm-bench [keys [value_bytes]]      (default 1000000 100)
 *
 * Inserts the keys in a scrambled order through fsm_apply (batches of 64
 * PUTs, as the daemon proposes them), writes them all again plainly and
 * then as exactly-once commands spread over 1000 client sessions (the cost
 * of the session check and the stored reply), looks every key up, scans,
 * encodes a snapshot and decodes it, printing the time of each step and the
 * process's resident memory against the raw bytes of keys and values.
 * Numbers from a build with --enable-sanitize are not meaningful.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "fsm/fsm.h"
#include "snapshot/snap.h"

#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set size in MiB, from /proc/self/status; -1 when unknown. */
static double rss_mib(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	double kib = -1;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %lf", &kib) == 1)
			break;
	fclose(fp);
	return kib < 0 ? -1 : kib / 1024;
}

static void report(const char *step, double t0, uint64_t ops)
{
	double s = now() - t0;

	printf("%-28s %8.3f s  %10.0f ops/s  rss %7.1f MiB\n", step, s,
	       ops / (s > 0 ? s : 1e-9), rss_mib());
}

/* Key i of n, visited in a scrambled but repeatable order. */
static size_t key_of(char *out, uint64_t i, uint64_t n)
{
	uint64_t k = (i * 2654435761u) % n;

	return (size_t)sprintf(out, "key:%010" PRIu64, k);
}

static int count_cb(void *arg, const struct fsm_kv *kv)
{
	uint64_t *sum = arg;

	*sum += kv->vlen;
	return 0;
}

static void die(const char *what)
{
	fprintf(stderr, "fsm-bench: %s\n", what);
	exit(1);
}

/* Log indexes, shared by every step so that they keep increasing. */
static uint64_t next_index = 1;

static const struct fsm_batch_hdr bench_hdr = {.term = 1, .proposer = 1,
					       .time_ms = 1};

/* Open `count` sessions (ids 1..count on a fresh fsm), none expiring
 * during the run. */
static void open_sessions(fsm *f, unsigned count)
{
	const struct fsm_cmd c = {.op = FSM_OP_SESSION_OPEN,
				  .num = FSM_SESSION_MAX_TIMEOUT};
	struct buf b;
	unsigned i = 0;

	buf_init(&b);
	while (i < count) {
		unsigned j;

		if (fsm_batch_begin(&b, &bench_hdr) != 0)
			die("out of memory");
		for (j = 0; j < BATCH && i < count; j++, i++)
			if (fsm_batch_add(&b, &c) != 0)
				die("cannot encode");
		if (fsm_batch_end(&b) != 0)
			die("out of memory");
		fsm_apply(f, next_index++, b.data, b.len, NULL, 0);
	}
	buf_free(&b);
}

/* PUT every key once, in batches of BATCH. With sessions > 0 each PUT is
 * sequenced in one of sessions 1..sessions in turn, acknowledging all its
 * earlier replies, as a client that has them all would. */
static void put_all(fsm *f, uint64_t n, size_t vlen, unsigned sessions)
{
	char (*keys)[32] = malloc(BATCH * sizeof(*keys));
	char *val = malloc(vlen ? vlen : 1);
	uint64_t *seqs = calloc(sessions + 1, sizeof(*seqs));
	struct fsm_slice args[BATCH][2];
	struct buf b;
	uint64_t i;

	if (keys == NULL || val == NULL || seqs == NULL)
		die("out of memory");
	memset(val, 'v', vlen);
	buf_init(&b);
	for (i = 0; i < n;) {
		unsigned j;

		if (fsm_batch_begin(&b, &bench_hdr) != 0)
			die("out of memory");
		for (j = 0; j < BATCH && i < n; j++, i++) {
			struct fsm_cmd c = {.op = FSM_OP_PUT, .nargs = 2,
					    .args = args[j]};

			if (sessions > 0) {
				c.flags = FSM_F_SESSION;
				c.session = 1 + i % sessions;
				c.seq = ++seqs[c.session];
				c.ack = c.seq;
			}
			args[j][0].p = keys[j];
			args[j][0].len = key_of(keys[j], i, n);
			args[j][1].p = val;
			args[j][1].len = vlen;
			if (fsm_batch_add(&b, &c) != 0)
				die("cannot encode");
		}
		if (fsm_batch_end(&b) != 0)
			die("out of memory");
		fsm_apply(f, next_index++, b.data, b.len, NULL, 0);
	}
	buf_free(&b);
	free(seqs);
	free(val);
	free(keys);
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	size_t vlen = argc > 2 ? strtoul(argv[2], NULL, 10) : 100;
	uint64_t i, found = 0, visited = 0, sum = 0;
	double t0, raw, base = rss_mib();
	struct snap_info info;
	const char *err;
	struct buf snap;
	char key[32];
	fsm *f, *g;

	if (n == 0)
		die("need at least one key");
	f = fsm_new();
	if (f == NULL)
		die("out of memory");
	printf("fsm-bench: %" PRIu64 " keys, %zu-byte values\n", n, vlen);

	t0 = now();
	put_all(f, n, vlen, 0);
	report("insert (apply, batches 64)", t0, n);
	raw = (double)fsm_data_bytes(f) / (1024 * 1024);
	printf("  keys %" PRIu64 ", raw data %.1f MiB, rss above start %.1f "
	       "MiB = %.2fx raw\n",
	       fsm_count(f), raw, rss_mib() - base,
	       (rss_mib() - base) / raw);

	/* the same keys again: plain, then exactly-once in 1000 sessions */
	t0 = now();
	put_all(f, n, vlen, 0);
	report("update (apply, batches 64)", t0, n);
	open_sessions(f, 1000);
	t0 = now();
	put_all(f, n, vlen, 1000);
	report("update, session-tagged", t0, n);
	if (fsm_session_count(f) != 1000)
		die("a session went missing");

	t0 = now();
	for (i = 0; i < n; i++) {
		struct fsm_kv kv;
		size_t klen = key_of(key, (i * 7919) % n, n);

		found += (uint64_t)fsm_get(f, key, klen, &kv);
	}
	report("get (every key)", t0, n);
	if (found != n)
		die("a key went missing");

	t0 = now();
	fsm_scan(f, NULL, 0, NULL, 0, SIZE_MAX, count_cb, &sum);
	report("scan (all keys)", t0, n);

	t0 = now();
	for (i = 0; i < 10000; i++) {
		size_t plen = key_of(key, i * 97, n) - 3; /* 1000 keys each */

		visited += fsm_scan(f, key, plen, NULL, 0, 100, count_cb, &sum);
	}
	report("scan (10000 prefixes x 100)", t0, visited);

	buf_init(&snap);
	t0 = now();
	if (snap_encode(f, 1, fsm_applied_index(f), &snap) != 0)
		die("out of memory encoding the snapshot");
	report("snapshot encode", t0, n);
	printf("  snapshot %.1f MiB\n", (double)snap.len / (1024 * 1024));

	t0 = now();
	if (snap_decode(snap.data, snap.len, &g, &info, &err) != 0)
		die(err);
	report("snapshot decode", t0, n);
	if (fsm_count(g) != n)
		die("the snapshot lost keys");

	fsm_free(g);
	buf_free(&snap);
	fsm_free(f);
	return 0;
}
