/* test_snap_session.c - sessions, locks and the fsm scalars in snapshots:
 * a restored copy holds the same state and, fed the same batches as the
 * original, gives the same results; version 1 snapshots still load; every
 * field of the new sections is checked, each rule on its own, on snapshots
 * written by hand behind a correct checksum.
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
#include "snapshot/snap.h"
#include "test_fsm_util.h"
#include "test_snap_util.h"

#define T0 7000000

#define INCR(sid, seq, ack, key, delta) \
	seqd(KV(FSM_OP_INCRBY, (delta), S(key)), (sid), (seq), (ack))
#define LOCK(sid, name) KV(FSM_OP_LOCK, (int64_t)(sid), S(name))
#define UNLOCK(sid, name) KV(FSM_OP_UNLOCK, (int64_t)(sid), S(name))
#define PUTKV(key, val) KV(FSM_OP_PUT, 0, S(key), S(val))

/* A state with something of everything: keys, three sessions (one with
 * acknowledged and pending results, one with none, one that will expire),
 * a held lock, a released one with its newest token. Ends at index 20. */
static fsm *rich_fsm(void)
{
	fsm *f = fsm_new();
	uint64_t a, b, c;

	assert_non_null(f);
	a = open_session(f, 1, T0, 60000);
	b = open_session(f, 2, T0, 60000);
	c = open_session(f, 3, T0 + 100, 1000);
	run(f, 4, T0 + 200, PUTKV("plain", "value"));
	run(f, 5, T0 + 300, INCR(a, 1, 1, "n", 1));
	run(f, 6, T0 + 300, INCR(a, 2, 1, "n", 1));
	run(f, 7, T0 + 400, INCR(a, 3, 2, "n", 1));
	run(f, 8, T0 + 400, seqd(KV(FSM_OP_CAS, 0, S("plain"), S("x"), S("y")),
				 a, 4, 2));
	run(f, 9, T0 + 500, LOCK(a, "held"));
	run(f, 10, T0 + 500, LOCK(b, "released"));
	run(f, 11, T0 + 600, UNLOCK(b, "released"));
	run(f, 12, T0 + 600, LOCK(c, "expiring"));
	run(f, 13, T0 + 700, seqd(fenced(PUTKV("f", "1"), "held", 9), c, 1, 1));
	tick(f, 20, T0 + 800);
	assert_int_equal(fsm_session_count(f), 3);
	return f;
}

/* Batches to run on the original and on its restored copy. */
static void continue_both(fsm *f, fsm *g)
{
	const uint64_t a = 1, b = 2, c = 3;
	struct fsm_cmd cmds[] = {
		INCR(a, 3, 2, "n", 1),	/* a stored result: dup */
		INCR(a, 4, 2, "n", 1),	/* CAS result under seq 4: dup */
		INCR(a, 1, 1, "n", 1),	/* below the ack: BAD_SEQ */
		INCR(a, 5, 3, "n", 1),	/* new */
		INCR(c, 1, 1, "n", 100), /* c's stored fenced PUT: dup */
		LOCK(b, "held"),	/* a holds it */
		LOCK(b, "released"),	/* a new token */
		fenced(PUTKV("g", "1"), "released", 10), /* now too old */
		NOARGS(FSM_OP_SESSION_OPEN, 5000), /* id 4 */
		KV(FSM_OP_APPEND, 0, S("plain"), S("+")),
	};
	const size_t n = sizeof(cmds) / sizeof(cmds[0]);
	struct fsm_result rf[16], rg[16];
	uint64_t t, index = 21;
	size_t i;

	for (i = 0; i < n; i++, index++) {
		rf[i] = run(f, index, T0 + 900, cmds[i]);
		rg[i] = run(g, index, T0 + 900, cmds[i]);
	}
	assert_same_results(rf, rg, n);
	assert_int_equal(rf[0].dup, 1);
	assert_int_equal(rf[0].num, 3);
	assert_int_equal(rf[1].dup, 1);
	assert_int_equal(rf[1].status, FSM_COND_FAILED);
	assert_int_equal(rf[2].status, FSM_BAD_SEQ);
	assert_int_equal(rf[3].num, 4);
	assert_int_equal(rf[4].dup, 1);
	assert_int_equal(rf[4].index, 13);
	assert_int_equal(rf[5].status, FSM_COND_FAILED);
	assert_int_equal(rf[5].num, a);
	assert_int_equal(rf[6].num, 27);
	assert_int_equal(rf[7].status, FSM_FENCED);
	assert_int_equal(rf[8].num, 4);
	assert_int_equal(rf[9].num, 6);
	/* time runs on: c expires first (timeout 1 s), releasing its lock, in
	 * the same batch on both */
	for (t = T0 + 1000; t <= T0 + 70000; t += 500, index++) {
		tick(f, index, t);
		tick(g, index, t);
		assert_int_equal(fsm_session_count(f), fsm_session_count(g));
	}
	assert_int_equal(fsm_session_count(f), 0);
	assert_same_fsm(f, g);
}

static void test_roundtrip_and_continue(void **state)
{
	fsm *f = rich_fsm(), *g;
	struct snap_info info;
	const char *err = NULL;
	struct buf b, again;

	(void)state;
	buf_init(&b);
	buf_init(&again);
	assert_int_equal(snap_encode(f, 3, fsm_applied_index(f), &b), 0);
	assert_int_equal(snap_decode(b.data, b.len, &g, &info, &err), 0);
	assert_int_equal(info.version, SNAP_VERSION);
	assert_int_equal(info.sessions, 3);
	assert_int_equal(info.locks, 3);
	assert_int_equal(fsm_cluster_time(g), T0 + 800);
	assert_int_equal(fsm_next_session_id(g), 4);
	assert_same_fsm(f, g);
	/* one encoding per state */
	assert_int_equal(snap_encode(g, 3, fsm_applied_index(g), &again), 0);
	assert_int_equal(again.len, b.len);
	assert_memory_equal(again.data, b.data, b.len);
	continue_both(f, g);
	fsm_free(g);
	fsm_free(f);
	buf_free(&b);
	buf_free(&again);
}

static void test_damage_detected(void **state)
{
	fsm *f = rich_fsm();
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(snap_encode(f, 3, fsm_applied_index(f), &b), 0);
	assert_flips_detected(&b);
	assert_cuts_detected(&b);
	fsm_free(f);
	buf_free(&b);
}

/* Written by a version 1 raftd: keys only. It loads with no sessions or
 * locks, cluster time 0 and session ids from 1. */
static void test_v1_snapshot_loads(void **state)
{
	static const char *const kvs[] = {"a", "1", "b", "2"};
	struct snap_info info;
	const char *err;
	struct buf b;
	fsm *g;

	(void)state;
	buf_init(&b);
	w_header(&b, 1, 1, 4, 30);
	w_kv(&b, 2, kvs, 2);
	w_seal(&b);
	assert_int_equal(snap_decode(b.data, b.len, &g, &info, &err), 0);
	assert_int_equal(info.version, 1);
	assert_int_equal(info.keys, 2);
	assert_int_equal(info.sessions, 0);
	assert_int_equal(fsm_session_count(g), 0);
	assert_int_equal(fsm_lock_count(g), 0);
	assert_int_equal(fsm_cluster_time(g), 0);
	assert_int_equal(fsm_applied_index(g), 30);
	assert_value(g, "b", "2");
	assert_int_equal(open_session(g, 31, T0, 5000), 1);
	fsm_free(g);
	buf_free(&b);
}

/* ---- snapshots by hand --------------------------------------------------------- */

struct h_result {
	uint64_t seq, index;
	int64_t num;
	uint8_t status, pad;
};

struct h_session {
	uint64_t id, timeout, last, highest, ack;
	uint32_t nres, pad;
	struct h_result r[3];
};

struct h_lock {
	const char *name;
	uint32_t len, pad; /* len 0: strlen(name) */
	uint64_t holder, newest;
};

struct hand {
	uint64_t index, cluster_time, next_id;
	uint64_t nsessions, results; /* results ~0: the sum */
	struct h_session s[2];
	uint64_t nlocks, name_bytes; /* name_bytes ~0: the sum */
	struct h_lock l[2];
	uint64_t claim_sessions, claim_locks; /* counts to write, 0: as many
						 as there are */
};

/* One session with a pending result and its highest one; a held lock and
 * a free one. Valid as it stands. */
static struct hand base(void)
{
	struct hand h = {
		.index = 100, .cluster_time = 50000, .next_id = 5,
		.nsessions = 1, .results = ~0ull,
		.s = {{.id = 3, .timeout = 10000, .last = 45000, .highest = 7,
		       .ack = 6, .nres = 2,
		       .r = {{6, 90, 1, FSM_OK, 0},
			     {7, 95, 4, FSM_COND_FAILED, 0}}}},
		.nlocks = 2, .name_bytes = ~0ull,
		.l = {{.name = "a", .holder = 3, .newest = 80},
		      {.name = "b", .holder = 0, .newest = 20}},
	};

	return h;
}

static void w_hand(struct buf *b, const struct hand *h)
{
	uint64_t sess_len = 16, locks_len = 16, results = 0, names = 0, i;
	uint32_t k;

	for (i = 0; i < h->nsessions; i++) {
		/* at most 3 written, whatever nres says */
		sess_len += 48 + 32 * (uint64_t)(h->s[i].nres < 3 ? h->s[i].nres
								 : 3);
		results += h->s[i].nres;
	}
	for (i = 0; i < h->nlocks; i++) {
		uint32_t len = h->l[i].len ? h->l[i].len
					   : (uint32_t)strlen(h->l[i].name);

		locks_len += 24 + strlen(h->l[i].name);
		names += len;
	}
	w_header(b, 3, 5, 1, h->index);
	w_kv(b, 0, NULL, 0);
	w_fsm(b, h->cluster_time, h->next_id);
	w_section(b, SNAP_TAG_SESSIONS, sess_len);
	w_u64(b, h->claim_sessions ? h->claim_sessions : h->nsessions);
	w_u64(b, h->results == ~0ull ? results : h->results);
	for (i = 0; i < h->nsessions; i++) {
		const struct h_session *s = &h->s[i];

		w_u64(b, s->id);
		w_u64(b, s->timeout);
		w_u64(b, s->last);
		w_u64(b, s->highest);
		w_u64(b, s->ack);
		w_u32(b, s->nres);
		w_u32(b, s->pad);
		for (k = 0; k < s->nres && k < 3; k++) {
			unsigned char tail[8] = {s->r[k].status, s->r[k].pad};

			w_u64(b, s->r[k].seq);
			w_u64(b, s->r[k].index);
			w_u64(b, (uint64_t)s->r[k].num);
			w_bytes(b, tail, 8);
		}
	}
	w_section(b, SNAP_TAG_LOCKS, locks_len);
	w_u64(b, h->claim_locks ? h->claim_locks : h->nlocks);
	w_u64(b, h->name_bytes == ~0ull ? names : h->name_bytes);
	for (i = 0; i < h->nlocks; i++) {
		const struct h_lock *l = &h->l[i];

		w_u32(b, l->len ? l->len : (uint32_t)strlen(l->name));
		w_u32(b, l->pad);
		w_u64(b, l->holder);
		w_u64(b, l->newest);
		w_bytes(b, l->name, strlen(l->name));
	}
	w_no_members(b);
	w_seal(b);
}

/* The hand-written layout decodes, and the encoder writes it back byte for
 * byte. */
static void test_layout_matches_spec(void **state)
{
	struct hand h = base();
	struct buf b, again;
	struct snap_info info;
	const char *err;
	fsm *g;

	(void)state;
	buf_init(&b);
	buf_init(&again);
	w_hand(&b, &h);
	assert_int_equal(snap_decode(b.data, b.len, &g, &info, &err), 0);
	assert_int_equal(info.sessions, 1);
	assert_int_equal(info.locks, 2);
	assert_int_equal(fsm_cluster_time(g), 50000);
	assert_int_equal(fsm_next_session_id(g), 5);
	assert_int_equal(fsm_stored_results(g), 2);
	assert_int_equal(snap_encode(g, 1, 100, &again), 0);
	assert_int_equal(again.len, b.len);
	assert_memory_equal(again.data, b.data, b.len);
	/* and it behaves: seq 7 is a dup, the lock is held by 3 */
	{
		struct fsm_result r = run(g, 101, 50000,
					  INCR(3, 7, 6, "k", 1));

		assert_int_equal(r.dup, 1);
		assert_int_equal(r.status, FSM_COND_FAILED);
		assert_int_equal(r.num, 4);
		assert_int_equal(r.index, 95);
		r = run(g, 102, 50000, fenced(PUTKV("k", "v"), "b", 20));
		assert_int_equal(r.status, FSM_OK);
		r = run(g, 103, 50000, NOARGS(FSM_OP_SESSION_OPEN, 1000));
		assert_int_equal(r.num, 5);
		r = run(g, 104, 50000, LOCK(5, "a"));
		assert_int_equal(r.status, FSM_COND_FAILED);
		assert_int_equal(r.num, 3);
	}
	fsm_free(g);
	buf_free(&b);
	buf_free(&again);
}

struct bad_case {
	const char *want;
	void (*edit)(struct hand *h);
};

static void next_id_zero(struct hand *h) { h->next_id = 0; }
static void next_id_huge(struct hand *h)
{
	h->next_id = (uint64_t)INT64_MAX + 2;
}
static void id_not_below_next(struct hand *h) { h->next_id = 3; }
static void id_zero(struct hand *h) { h->s[0].id = 0; }
static void ids_repeat(struct hand *h)
{
	h->nsessions = 2;
	h->s[1] = h->s[0];
}
static void timeout_low(struct hand *h) { h->s[0].timeout = 999; }
static void timeout_high(struct hand *h) { h->s[0].timeout = 3600001; }
static void last_after_time(struct hand *h) { h->s[0].last = 50001; }
static void overdue(struct hand *h) { h->s[0].last = 39999; }
static void ack_zero(struct hand *h) { h->s[0].ack = 0; }
static void ack_above(struct hand *h) { h->s[0].ack = 8; }
static void ack_without_seqs(struct hand *h)
{
	h->s[0].highest = 0;
	h->s[0].ack = 2;
	h->s[0].nres = 0;
}
static void too_many(struct hand *h)
{
	h->s[0].nres = FSM_SESSION_MAX_PENDING + 1;
}
static void session_pad(struct hand *h) { h->s[0].pad = 1; }
static void result_pad(struct hand *h) { h->s[0].r[1].pad = 1; }
static void seq_below_ack(struct hand *h) { h->s[0].r[0].seq = 5; }
static void seq_above_highest(struct hand *h)
{
	h->s[0].r[1].seq = 8;
}
static void seqs_repeat(struct hand *h) { h->s[0].r[0].seq = 7; }
static void status_unstorable(struct hand *h)
{
	h->s[0].r[0].status = FSM_BAD_SEQ;
}
static void status_unknown(struct hand *h) { h->s[0].r[0].status = 8; }
static void index_zero(struct hand *h) { h->s[0].r[0].index = 0; }
static void index_future(struct hand *h) { h->s[0].r[1].index = 101; }
static void highest_missing(struct hand *h) { h->s[0].nres = 1; }
static void results_sum(struct hand *h) { h->results = 3; }
static void sessions_short(struct hand *h) { h->claim_sessions = 2; }
static void token_zero(struct hand *h) { h->l[1].newest = 0; }
static void token_huge(struct hand *h) { h->l[1].newest = 1ull << 63; }
static void holder_unknown(struct hand *h) { h->l[0].holder = 4; }
static void names_unordered(struct hand *h)
{
	h->l[0].name = "b";
	h->l[1].name = "a";
}
static void names_repeat(struct hand *h) { h->l[1].name = "a"; }
static void lock_pad(struct hand *h) { h->l[1].pad = 1; }
static void names_sum(struct hand *h) { h->name_bytes = 3; }
static void name_too_long(struct hand *h) { h->l[1].len = FSM_MAX_KEY + 1; }
static void locks_short(struct hand *h) { h->claim_locks = 3; }

static void test_fields_checked(void **state)
{
	static const struct bad_case cases[] = {
		{"next session id is out of range", next_id_zero},
		{"next session id is out of range", next_id_huge},
		{"not below the next session id", id_not_below_next},
		{"ids are not increasing", id_zero},
		{"ids are not increasing", ids_repeat},
		{"timeout is out of range", timeout_low},
		{"timeout is out of range", timeout_high},
		{"does not fit cluster time", last_after_time},
		{"does not fit cluster time", overdue},
		{"ack does not fit", ack_zero},
		{"ack does not fit", ack_above},
		{"ack does not fit", ack_without_seqs},
		{"too many results", too_many},
		{"session is corrupt", session_pad},
		{"result is corrupt", result_pad},
		{"outside [ack, highest seq]", seq_below_ack},
		{"outside [ack, highest seq]", seq_above_highest},
		{"out of order", seqs_repeat},
		{"invalid status", status_unstorable},
		{"invalid status", status_unknown},
		{"outside the log", index_zero},
		{"outside the log", index_future},
		{"lacks the result of its highest seq", highest_missing},
		{"result count does not match", results_sum},
		{"session is truncated", sessions_short},
		{"token is out of range", token_zero},
		{"token is out of range", token_huge},
		{"held by a session it does not have", holder_unknown},
		{"not in strictly increasing order", names_unordered},
		{"not in strictly increasing order", names_repeat},
		{"lock is corrupt", lock_pad},
		{"lock name size does not match", names_sum},
		{"exceeds the size limits", name_too_long},
		{"lock is truncated", locks_short},
	};
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hand h = base();

		cases[i].edit(&h);
		w_hand(&b, &h);
		assert_refused(&b, cases[i].want);
	}
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_continue),
		cmocka_unit_test(test_damage_detected),
		cmocka_unit_test(test_v1_snapshot_loads),
		cmocka_unit_test(test_layout_matches_spec),
		cmocka_unit_test(test_fields_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
