/* test_fsm_session.c - client sessions in the state machine: ids and
 * timeouts, exactly-once (a retried seq applies once and answers the first
 * result and index), acknowledgements, the seq window and the bound on
 * stored results, and expiry in cluster time at exactly the right batch,
 * the same on every replica.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "fsm/fsm.h"
#include "fsm/state.h"
#include "test_fsm_util.h"

#define T0 1000000 /* a cluster time to start from */

static int setup(void **state)
{
	*state = fsm_new();
	return *state == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	fsm_free(*state);
	return 0;
}

#define INCR(key, delta) KV(FSM_OP_INCRBY, (delta), S(key))
#define PUTKV(key, val) KV(FSM_OP_PUT, 0, S(key), S(val))

/* The session's record as state.h shows it. */
struct one {
	uint64_t id;
	struct fsm_session_rec rec;
	int found;
};

static int find_cb(void *arg, const struct fsm_session_rec *s)
{
	struct one *o = arg;

	if (s->id != o->id)
		return 0;
	o->rec = *s;
	o->found = 1;
	return 1;
}

static struct fsm_session_rec session_rec(const fsm *f, uint64_t id)
{
	struct one o = {.id = id};

	fsm_sessions_visit(f, find_cb, &o);
	assert_true(o.found);
	return o.rec;
}

/* ---- opening, keepalive, close -------------------------------------------- */

static void test_open_ids_and_timeouts(void **state)
{
	fsm *f = *state;
	struct fsm_result r;

	assert_int_equal(fsm_session_count(f), 0);
	assert_int_equal(open_session(f, 1, T0, FSM_SESSION_MIN_TIMEOUT), 1);
	assert_int_equal(open_session(f, 2, T0, FSM_SESSION_MAX_TIMEOUT), 2);
	r = run(f, 3, T0,
		NOARGS(FSM_OP_SESSION_OPEN, FSM_SESSION_MIN_TIMEOUT - 1));
	assert_int_equal(r.status, FSM_BAD_COMMAND);
	r = run(f, 4, T0,
		NOARGS(FSM_OP_SESSION_OPEN, FSM_SESSION_MAX_TIMEOUT + 1));
	assert_int_equal(r.status, FSM_BAD_COMMAND);
	r = run(f, 5, T0, NOARGS(FSM_OP_SESSION_OPEN, -5000));
	assert_int_equal(r.status, FSM_BAD_COMMAND);
	assert_int_equal(fsm_session_count(f), 2);
	/* refused opens used no id; a closed session's id is not reused */
	r = run(f, 6, T0, NOARGS(FSM_OP_SESSION_CLOSE, 2));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 1);
	assert_int_equal(open_session(f, 7, T0, 5000), 3);
	assert_int_equal(fsm_session_count(f), 2);
	assert_int_equal(session_rec(f, 3).last_ms, T0);
	assert_int_equal(session_rec(f, 3).timeout_ms, 5000);
}

static void test_keepalive_and_close(void **state)
{
	fsm *f = *state;
	uint64_t sid = open_session(f, 1, T0, 2000);
	struct fsm_result r;

	r = run(f, 2, T0 + 1500,
		NOARGS(FSM_OP_SESSION_KEEPALIVE, (int64_t)sid));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 1);
	assert_int_equal(session_rec(f, sid).last_ms, T0 + 1500);
	r = run(f, 3, T0 + 1600, NOARGS(FSM_OP_SESSION_CLOSE, (int64_t)sid));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(fsm_session_count(f), 0);
	/* closed: everything naming it is refused and changes nothing */
	r = run(f, 4, T0 + 1600, NOARGS(FSM_OP_SESSION_CLOSE, (int64_t)sid));
	assert_int_equal(r.status, FSM_SESSION_EXPIRED);
	r = run(f, 5, T0 + 1600,
		NOARGS(FSM_OP_SESSION_KEEPALIVE, (int64_t)sid));
	assert_int_equal(r.status, FSM_SESSION_EXPIRED);
	r = run(f, 6, T0 + 1600, seqd(PUTKV("k", "v"), sid, 1, 1));
	assert_int_equal(r.status, FSM_SESSION_EXPIRED);
	assert_int_equal(fsm_count(f), 0);
}

static void test_unknown_session(void **state)
{
	fsm *f = *state;
	struct fsm_result r;

	open_session(f, 1, T0, 5000);
	r = run(f, 2, T0, seqd(INCR("n", 1), 99, 1, 1));
	assert_int_equal(r.status, FSM_SESSION_EXPIRED);
	assert_int_equal(r.dup, 0);
	r = run(f, 3, T0, seqd(INCR("n", 1), 0, 1, 1));
	assert_int_equal(r.status, FSM_SESSION_EXPIRED);
	r = run(f, 4, T0, NOARGS(FSM_OP_SESSION_KEEPALIVE, 0));
	assert_int_equal(r.status, FSM_SESSION_EXPIRED);
	r = run(f, 5, T0, NOARGS(FSM_OP_SESSION_KEEPALIVE, -1));
	assert_int_equal(r.status, FSM_SESSION_EXPIRED);
	r = run(f, 6, T0, KV(FSM_OP_LOCK, 42, S("l")));
	assert_int_equal(r.status, FSM_SESSION_EXPIRED);
	assert_int_equal(fsm_count(f), 0);
	assert_int_equal(fsm_lock_count(f), 0);
	assert_int_equal(fsm_session_count(f), 1);
}

/* ---- exactly-once ---------------------------------------------------------- */

/* The retried increment answers the first value and index; the counter
 * moved once. */
static void test_retried_incr_applies_once(void **state)
{
	fsm *f = *state;
	uint64_t sid = open_session(f, 1, T0, 10000);
	struct fsm_result r;
	struct fsm_kv kv;

	r = run(f, 10, T0 + 1, seqd(INCR("n", 5), sid, 1, 1));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 5);
	assert_int_equal(r.dup, 0);
	assert_int_equal(r.index, 10);
	r = run(f, 11, T0 + 2, seqd(INCR("n", 5), sid, 1, 1));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 5);
	assert_int_equal(r.dup, 1);
	assert_int_equal(r.index, 10);
	assert_value(f, "n", "5");
	assert_int_equal(fsm_get(f, "n", 1, &kv), 1);
	assert_int_equal(kv.mod_index, 10);
	/* the next seq applies */
	r = run(f, 12, T0 + 3, seqd(INCR("n", 5), sid, 2, 1));
	assert_int_equal(r.num, 10);
	assert_int_equal(r.dup, 0);
	/* a retry inside the same batch as its first try */
	{
		struct fsm_cmd c = seqd(INCR("n", 1), sid, 3, 1);
		struct fsm_result res[2];
		struct buf b;

		buf_init(&b);
		batch_begin(&b, T0 + 4);
		batch_add(&b, &c);
		batch_add(&b, &c);
		assert_int_equal(batch_apply(f, 13, &b, res, 2), 2);
		assert_int_equal(res[0].num, 11);
		assert_int_equal(res[1].num, 11);
		assert_int_equal(res[1].dup, 1);
		assert_int_equal(res[1].index, 13);
		buf_free(&b);
	}
	assert_value(f, "n", "11");
}

/* A CAS that succeeded answers OK to its retry though it would now fail;
 * one that failed answers its failure (and the mod_index it saw) though it
 * would now succeed. */
static void test_retried_cas_and_stored_failures(void **state)
{
	fsm *f = *state;
	uint64_t sid = open_session(f, 1, T0, 10000);
	struct fsm_result r;

	run(f, 2, T0, PUTKV("k", "a"));
	r = run(f, 3, T0,
		seqd(KV(FSM_OP_CAS, 0, S("k"), S("a"), S("b")), sid, 1, 1));
	assert_int_equal(r.status, FSM_OK);
	r = run(f, 4, T0,
		seqd(KV(FSM_OP_CAS, 0, S("k"), S("a"), S("b")), sid, 1, 1));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.dup, 1);
	assert_int_equal(r.index, 3);
	assert_value(f, "k", "b");

	r = run(f, 5, T0,
		seqd(KV(FSM_OP_CAS, 0, S("k"), S("x"), S("y")), sid, 2, 1));
	assert_int_equal(r.status, FSM_COND_FAILED);
	assert_int_equal(r.num, 3);
	run(f, 6, T0, PUTKV("k", "x"));
	r = run(f, 7, T0,
		seqd(KV(FSM_OP_CAS, 0, S("k"), S("x"), S("y")), sid, 2, 1));
	assert_int_equal(r.status, FSM_COND_FAILED);
	assert_int_equal(r.num, 3);
	assert_int_equal(r.dup, 1);
	assert_int_equal(r.index, 5);
	assert_value(f, "k", "x");

	/* NOT_INTEGER is kept just the same */
	r = run(f, 8, T0, seqd(INCR("k", 1), sid, 3, 1));
	assert_int_equal(r.status, FSM_NOT_INTEGER);
	run(f, 9, T0, PUTKV("k", "1"));
	r = run(f, 10, T0, seqd(INCR("k", 1), sid, 3, 1));
	assert_int_equal(r.status, FSM_NOT_INTEGER);
	assert_int_equal(r.dup, 1);
	assert_value(f, "k", "1");
}

/* The ack lets the fsm forget: a seq below it is refused, results at or
 * above it are kept. */
static void test_ack_forgets(void **state)
{
	fsm *f = *state;
	uint64_t sid = open_session(f, 1, T0, 10000), i;
	struct fsm_result r;

	for (i = 1; i <= 3; i++)
		assert_int_equal(
			run(f, 1 + i, T0, seqd(INCR("n", 1), sid, i, 1)).num,
			(int64_t)i);
	assert_int_equal(fsm_stored_results(f), 3);
	r = run(f, 5, T0, seqd(INCR("n", 1), sid, 4, 3));
	assert_int_equal(r.num, 4);
	assert_int_equal(session_rec(f, sid).ack, 3);
	assert_int_equal(session_rec(f, sid).nresults, 2); /* seqs 3 and 4 */
	assert_int_equal(fsm_stored_results(f), 2);
	r = run(f, 6, T0, seqd(INCR("n", 1), sid, 2, 3));
	assert_int_equal(r.status, FSM_BAD_SEQ);
	/* the command's own ack counts even when the session's is older */
	r = run(f, 7, T0, seqd(INCR("n", 1), sid, 2, 1));
	assert_int_equal(r.status, FSM_BAD_SEQ);
	r = run(f, 8, T0, seqd(INCR("n", 1), sid, 3, 1));
	assert_int_equal(r.dup, 1);
	assert_int_equal(r.num, 3);
	assert_value(f, "n", "4");

	/* A refused command changes nothing, not even the ack it carries:
	 * seq 3 is still answered afterwards. */
	r = run(f, 9, T0, seqd(INCR("n", 1), sid, 3, 10));
	assert_int_equal(r.status, FSM_BAD_SEQ);
	assert_int_equal(session_rec(f, sid).ack, 3);
	r = run(f, 10, T0, seqd(INCR("n", 1), sid, 3, 3));
	assert_int_equal(r.dup, 1);

	/* A duplicate's ack is taken: after it, seq 3 is gone. */
	r = run(f, 11, T0, seqd(INCR("n", 1), sid, 4, 4));
	assert_int_equal(r.dup, 1);
	assert_int_equal(session_rec(f, sid).ack, 4);
	assert_int_equal(run(f, 12, T0, seqd(INCR("n", 1), sid, 3, 1)).status,
			 FSM_BAD_SEQ);
	assert_value(f, "n", "4");
}

static void test_seq_zero_and_window(void **state)
{
	fsm *f = *state;
	uint64_t sid = open_session(f, 1, T0, 10000);
	struct fsm_result r;

	r = run(f, 2, T0, seqd(INCR("n", 1), sid, 0, 0));
	assert_int_equal(r.status, FSM_BAD_SEQ);
	r = run(f, 3, T0, seqd(INCR("n", 1), sid, FSM_SEQ_WINDOW + 1, 1));
	assert_int_equal(r.status, FSM_BAD_SEQ);
	r = run(f, 4, T0, seqd(INCR("n", 1), sid, UINT64_MAX, 1));
	assert_int_equal(r.status, FSM_BAD_SEQ);
	assert_int_equal(fsm_count(f), 0);
	assert_int_equal(session_rec(f, sid).highest_seq, 0);
	/* exactly the window above the highest (0 so far) is fine */
	r = run(f, 5, T0, seqd(INCR("n", 1), sid, FSM_SEQ_WINDOW, 1));
	assert_int_equal(r.status, FSM_OK);
	r = run(f, 6, T0, seqd(INCR("n", 1), sid, 2 * FSM_SEQ_WINDOW + 1, 1));
	assert_int_equal(r.status, FSM_BAD_SEQ);
	r = run(f, 7, T0, seqd(INCR("n", 1), sid, 2 * FSM_SEQ_WINDOW, 1));
	assert_int_equal(r.status, FSM_OK);
	assert_value(f, "n", "2");
}

/* Seqs may arrive out of order (a retry that lost its first try): any seq
 * at or above the ack not seen yet is new. */
static void test_out_of_order_seqs(void **state)
{
	fsm *f = *state;
	uint64_t sid = open_session(f, 1, T0, 10000);

	assert_int_equal(run(f, 2, T0, seqd(INCR("n", 10), sid, 2, 1)).num, 10);
	assert_int_equal(run(f, 3, T0, seqd(INCR("n", 1), sid, 1, 1)).num, 11);
	assert_int_equal(run(f, 4, T0, seqd(INCR("n", 1), sid, 1, 1)).dup, 1);
	assert_int_equal(run(f, 5, T0, seqd(INCR("n", 10), sid, 2, 1)).num, 10);
	assert_int_equal(session_rec(f, sid).highest_seq, 2);
	assert_value(f, "n", "11");
}

/* FSM_SESSION_MAX_PENDING unacknowledged results at most; acknowledging
 * makes room again. */
static void test_pending_bound(void **state)
{
	fsm *f = *state;
	uint64_t sid = open_session(f, 1, T0, 10000), seq;
	struct fsm_result *res = calloc(FSM_SESSION_MAX_PENDING, sizeof(*res));
	struct fsm_cmd c;
	struct buf b;

	assert_non_null(res);
	buf_init(&b);
	batch_begin(&b, T0);
	for (seq = 1; seq <= FSM_SESSION_MAX_PENDING; seq++) {
		c = seqd(INCR("n", 1), sid, seq, 1);
		batch_add(&b, &c);
	}
	assert_int_equal(batch_apply(f, 2, &b, res, FSM_SESSION_MAX_PENDING),
			 FSM_SESSION_MAX_PENDING);
	assert_int_equal(res[FSM_SESSION_MAX_PENDING - 1].num,
			 FSM_SESSION_MAX_PENDING);
	assert_int_equal(fsm_stored_results(f), FSM_SESSION_MAX_PENDING);
	assert_int_equal(run(f, 3, T0, seqd(INCR("n", 1), sid, seq, 1)).status,
			 FSM_BAD_SEQ);
	/* a duplicate is still answered when full */
	assert_int_equal(run(f, 4, T0, seqd(INCR("n", 1), sid, 7, 1)).num, 7);
	/* acknowledging one reply makes room for one more */
	assert_int_equal(run(f, 5, T0, seqd(INCR("n", 1), sid, seq, 2)).num,
			 FSM_SESSION_MAX_PENDING + 1);
	assert_int_equal(
		run(f, 6, T0, seqd(INCR("n", 1), sid, seq + 1, 2)).status,
		FSM_BAD_SEQ);
	/* acknowledging everything forgets everything but the new one */
	assert_int_equal(
		run(f, 7, T0, seqd(INCR("n", 1), sid, seq + 1, seq + 1)).num,
		FSM_SESSION_MAX_PENDING + 2);
	assert_int_equal(fsm_stored_results(f), 1);
	assert_int_equal(session_rec(f, sid).nresults, 1);
	buf_free(&b);
	free(res);
}

/* ---- expiry ---------------------------------------------------------------- */

/* Opened at t with timeout T: alive in a batch stamped t + T, gone in the
 * first one stamped later, before that batch's commands run. */
static void test_expiry_exact_batch(void **state)
{
	fsm *f = *state;
	uint64_t sid = open_session(f, 1, T0, 2000);
	struct fsm_result r;

	tick(f, 2, T0 + 2000);
	assert_int_equal(fsm_session_count(f), 1);
	assert_int_equal(fsm_cluster_time(f), T0 + 2000);
	/* a batch from a leader whose clock is behind moves nothing */
	tick(f, 3, T0 + 1000);
	assert_int_equal(fsm_cluster_time(f), T0 + 2000);
	assert_int_equal(fsm_session_count(f), 1);
	/* the first batch past the deadline: its own command is too late */
	r = run(f, 4, T0 + 2001, seqd(PUTKV("k", "v"), sid, 1, 1));
	assert_int_equal(r.status, FSM_SESSION_EXPIRED);
	assert_int_equal(fsm_session_count(f), 0);
	assert_int_equal(fsm_count(f), 0);
	assert_int_equal(run(f, 5, T0 + 2001,
			     NOARGS(FSM_OP_SESSION_KEEPALIVE, (int64_t)sid))
				 .status,
			 FSM_SESSION_EXPIRED);
}

/* Every command of the session pushes its deadline back: writes, dups,
 * keepalives, lock ops; refusals do not. */
static void test_activity_refreshes(void **state)
{
	fsm *f = *state;
	uint64_t sid = open_session(f, 1, T0, 1000);

	run(f, 2, T0 + 900, seqd(INCR("n", 1), sid, 1, 1));
	assert_int_equal(session_rec(f, sid).last_ms, T0 + 900);
	run(f, 3, T0 + 1800, seqd(INCR("n", 1), sid, 1, 1)); /* dup */
	assert_int_equal(session_rec(f, sid).last_ms, T0 + 1800);
	run(f, 4, T0 + 2700, KV(FSM_OP_LOCK, (int64_t)sid, S("l")));
	assert_int_equal(session_rec(f, sid).last_ms, T0 + 2700);
	run(f, 5, T0 + 3600, KV(FSM_OP_UNLOCK, (int64_t)sid, S("other")));
	assert_int_equal(session_rec(f, sid).last_ms, T0 + 3600);
	/* refused: no refresh */
	assert_int_equal(
		run(f, 6, T0 + 4500, seqd(INCR("n", 1), sid, 0, 1)).status,
		FSM_BAD_SEQ);
	assert_int_equal(session_rec(f, sid).last_ms, T0 + 3600);
	tick(f, 7, T0 + 4600);
	assert_int_equal(fsm_session_count(f), 1);
	tick(f, 8, T0 + 4601);
	assert_int_equal(fsm_session_count(f), 0);
}

/* A version 1 batch (no time_ms) applies its commands but neither moves
 * time nor expires anything, however late it comes. */
static void test_v1_batches_keep_time(void **state)
{
	fsm *f = *state;
	struct fsm_cmd c = PUTKV("k", "v");
	struct fsm_result r;
	struct buf b, v1;

	open_session(f, 1, T0, 1000);
	buf_init(&b);
	buf_init(&v1);
	batch_begin(&b, T0 + 999999);
	batch_add(&b, &c);
	assert_int_equal(fsm_batch_end(&b), 0);
	to_v1(&b, &v1);
	assert_int_equal(fsm_apply(f, 2, v1.data, v1.len, &r, 1), 1);
	assert_int_equal(r.status, FSM_OK);
	assert_value(f, "k", "v");
	assert_int_equal(fsm_cluster_time(f), T0);
	assert_int_equal(fsm_session_count(f), 1);
	buf_free(&b);
	buf_free(&v1);
}

/* A small deterministic generator, so the test repeats exactly. */
static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* Two replicas fed the same batches (sessions opening, acting, idling and
 * expiring among writes, with clocks that jitter backwards) agree on every
 * result and end in the same state; sessions expire at the batch where
 * their deadline is passed, and not before. */
static void test_expiry_same_on_replicas(void **state)
{
	fsm *a = *state, *b = fsm_new();
	uint64_t seed = 7, now = T0, index = 1, seqs[64] = {0};
	uint64_t last[64] = {0}, timeout[64] = {0};
	unsigned step, n = 0;
	struct buf batch, da, db;

	assert_non_null(b);
	buf_init(&batch);
	buf_init(&da);
	buf_init(&db);
	for (step = 0; step < 3000; step++, index++) {
		struct fsm_result ra[4], rb[4];
		struct fsm_cmd c[4];
		unsigned k, ncmd = (unsigned)(rnd(&seed) % 4);
		uint64_t stamp;

		now += rnd(&seed) % 300;
		/* a lagging clock now and then */
		stamp = now - rnd(&seed) % 200;
		batch_begin(&batch, stamp);
		for (k = 0; k < ncmd; k++) {
			uint64_t who = rnd(&seed) % 64;

			if (who >= n && n < 64) {
				c[k] = NOARGS(
					FSM_OP_SESSION_OPEN,
					1000 + (int64_t)(rnd(&seed) % 4000));
			} else if (who < n) {
				who %= n;
				seqs[who]++;
				/* its args live in this block: add it here */
				c[k] = seqd(INCR("n", 1), who + 1, seqs[who],
					    seqs[who]);
				batch_add(&batch, &c[k]);
				continue;
			} else {
				c[k] = NOARGS(FSM_OP_NOOP, 0);
			}
			batch_add(&batch, &c[k]);
		}
		/* what the model expects: cluster time and who is overdue */
		uint64_t ct = stamp > fsm_cluster_time(a) ? stamp
							 : fsm_cluster_time(a);
		uint64_t alive = 0, i;

		for (i = 0; i < n; i++)
			if (last[i] != 0 && last[i] + timeout[i] < ct)
				last[i] = 0; /* expired now */
		assert_int_equal(fsm_batch_end(&batch), 0);
		assert_int_equal(
			fsm_apply(a, index, batch.data, batch.len, ra, 4),
			ncmd);
		assert_int_equal(
			fsm_apply(b, index, batch.data, batch.len, rb, 4),
			ncmd);
		assert_same_results(ra, rb, ncmd);
		for (k = 0; k < ncmd; k++) {
			if (c[k].op == FSM_OP_SESSION_OPEN) {
				assert_int_equal(ra[k].num, n + 1);
				timeout[n] = (uint64_t)c[k].num;
				last[n++] = ct;
			} else if (c[k].op == FSM_OP_INCRBY) {
				i = c[k].session - 1;
				assert_int_equal(ra[k].status,
						 last[i] != 0
							 ? FSM_OK
							 : FSM_SESSION_EXPIRED);
				if (last[i] != 0)
					last[i] = ct;
			}
		}
		for (i = 0; i < n; i++)
			alive += last[i] != 0;
		assert_int_equal(fsm_session_count(a), alive);
	}
	dump_state(a, &da);
	dump_state(b, &db);
	assert_string_equal(da.data, db.data);
	buf_free(&batch);
	buf_free(&da);
	buf_free(&db);
	fsm_free(b);
}

/* Many sessions coming and going exercise the id hash's deletes and the
 * deadline heap: every live one is still found, every expired one not. */
static void test_many_sessions(void **state)
{
	fsm *f = *state;
	uint64_t i, index = 1;
	struct buf b;

	buf_init(&b);
	batch_begin(&b, T0);
	for (i = 0; i < 3000; i++) {
		struct fsm_cmd c = NOARGS(FSM_OP_SESSION_OPEN,
					  1000 + (int64_t)(i * 7919 % 3000));

		batch_add(&b, &c);
	}
	batch_apply(f, index++, &b, NULL, 0);
	assert_int_equal(fsm_session_count(f), 3000);
	/* close every third */
	batch_begin(&b, T0);
	for (i = 1; i <= 3000; i += 3) {
		struct fsm_cmd c = NOARGS(FSM_OP_SESSION_CLOSE, (int64_t)i);

		batch_add(&b, &c);
	}
	batch_apply(f, index++, &b, NULL, 0);
	assert_int_equal(fsm_session_count(f), 2000);
	/* move time in steps: each step expires exactly the sessions whose
	 * timeout it passed */
	for (uint64_t t = 1000; t <= 4000; t += 250) {
		uint64_t want = 0;

		tick(f, index++, T0 + t);
		for (i = 1; i <= 3000; i++) {
			int live = (i - 1) % 3 != 0 &&
				   1000 + (i - 1) * 7919 % 3000 >= t;

			want += (uint64_t)live;
			assert_int_equal(fsm_has_session(f, i), live);
		}
		assert_int_equal(fsm_session_count(f), want);
	}
	assert_int_equal(fsm_session_count(f), 0);
	buf_free(&b);
}

#define TS(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TS(test_open_ids_and_timeouts),
		TS(test_keepalive_and_close),
		TS(test_unknown_session),
		TS(test_retried_incr_applies_once),
		TS(test_retried_cas_and_stored_failures),
		TS(test_ack_forgets),
		TS(test_seq_zero_and_window),
		TS(test_out_of_order_seqs),
		TS(test_pending_bound),
		TS(test_expiry_exact_batch),
		TS(test_activity_refreshes),
		TS(test_v1_batches_keep_time),
		TS(test_expiry_same_on_replicas),
		TS(test_many_sessions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
