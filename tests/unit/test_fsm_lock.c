/* test_fsm_lock.c - locks and fencing tokens in the state machine: tokens
 * are log indexes that strictly increase across holders, a lock goes with
 * its session (unlock, close, expiry), guarded writes pass only with the
 * newest token (also after a release), and a sequenced, guarded write is
 * answered from its session before its fence is looked at.
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

#define T0 5000000

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

#define LOCK(sid, name) KV(FSM_OP_LOCK, (int64_t)(sid), S(name))
#define UNLOCK(sid, name) KV(FSM_OP_UNLOCK, (int64_t)(sid), S(name))
#define PUTKV(key, val) KV(FSM_OP_PUT, 0, S(key), S(val))

static struct fsm_lock_rec lock_rec(const fsm *f, const char *name);

/* ---- acquiring and releasing ------------------------------------------------ */

static void test_lock_unlock(void **state)
{
	fsm *f = *state;
	uint64_t a = open_session(f, 1, T0, 10000);
	uint64_t b = open_session(f, 2, T0, 10000);
	struct fsm_result r;

	r = run(f, 5, T0, LOCK(a, "job"));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 5); /* the log index of the acquisition */
	r = run(f, 7, T0, LOCK(a, "job")); /* again: the same token */
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 5);
	r = run(f, 8, T0, LOCK(b, "job"));
	assert_int_equal(r.status, FSM_COND_FAILED);
	assert_int_equal(r.num, a);
	r = run(f, 9, T0, UNLOCK(b, "job"));
	assert_int_equal(r.status, FSM_COND_FAILED);
	assert_int_equal(r.num, 0);
	assert_int_equal(lock_rec(f, "job").holder, a);
	r = run(f, 10, T0, UNLOCK(a, "job"));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 1);
	r = run(f, 11, T0, UNLOCK(a, "job")); /* not held any more */
	assert_int_equal(r.status, FSM_COND_FAILED);
	r = run(f, 12, T0, UNLOCK(a, "never"));
	assert_int_equal(r.status, FSM_COND_FAILED);
	assert_int_equal(fsm_lock_count(f), 1); /* unlocking made no lock */
	r = run(f, 13, T0, LOCK(b, "job"));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 13);
	/* locks are independent; the empty name is a name */
	assert_int_equal(run(f, 14, T0, LOCK(a, "other")).num, 14);
	assert_int_equal(
		run(f, 15, T0, KV(FSM_OP_LOCK, (int64_t)a, {"", 0})).num, 15);
	assert_int_equal(fsm_lock_count(f), 3);
	assert_int_equal(fsm_lock_name_bytes(f), 3 + 5);
}

/* Tokens strictly increase across holders, including a lock taken,
 * released and taken again within one batch (one log index). */
static void test_tokens_strictly_increase(void **state)
{
	fsm *f = *state;
	uint64_t s[3], last = 0, index = 10;
	struct fsm_result res[3];
	struct buf b;
	int i;

	for (i = 0; i < 3; i++)
		s[i] = open_session(f, (uint64_t)i + 1, T0, 10000);
	for (i = 0; i < 9; i++, index++) {
		uint64_t who = s[i % 3];
		struct fsm_result r = run(f, index, T0, LOCK(who, "l"));

		assert_int_equal(r.status, FSM_OK);
		assert_true((uint64_t)r.num > last);
		last = (uint64_t)r.num;
		assert_int_equal(run(f, ++index, T0, UNLOCK(who, "l")).status,
				 FSM_OK);
	}
	buf_init(&b);
	batch_begin(&b, T0);
	{
		struct fsm_cmd c[3] = {LOCK(s[0], "l"), UNLOCK(s[0], "l"),
				       LOCK(s[1], "l")};

		for (i = 0; i < 3; i++)
			batch_add(&b, &c[i]);
	}
	assert_int_equal(batch_apply(f, index, &b, res, 3), 3);
	assert_int_equal(res[0].num, index);
	assert_int_equal(res[2].status, FSM_OK);
	assert_int_equal(res[2].num, index + 1);
	assert_int_equal(lock_rec(f, "l").newest, index + 1);
	/* next batch: its index equals that token, so it gets one more */
	assert_int_equal(run(f, index + 1, T0, UNLOCK(s[1], "l")).status,
			 FSM_OK);
	assert_int_equal(run(f, index + 1, T0, LOCK(s[2], "l")).num, index + 2);
	assert_int_equal(run(f, index + 5, T0, UNLOCK(s[2], "l")).status,
			 FSM_OK);
	assert_int_equal(run(f, index + 6, T0, LOCK(s[0], "l")).num, index + 6);
	buf_free(&b);
}

static void test_close_and_expiry_release(void **state)
{
	fsm *f = *state;
	uint64_t a = open_session(f, 1, T0, 1000);
	uint64_t b = open_session(f, 2, T0, 60000);
	uint64_t c = open_session(f, 3, T0, 60000);

	assert_int_equal(run(f, 4, T0, LOCK(a, "x")).num, 4);
	assert_int_equal(run(f, 5, T0, LOCK(a, "y")).num, 5);
	assert_int_equal(run(f, 6, T0, LOCK(b, "z")).num, 6);
	assert_int_equal(run(f, 7, T0, LOCK(c, "w")).num, 7);
	/* c closes: w is free, the others stay */
	assert_int_equal(run(f, 8, T0, NOARGS(FSM_OP_SESSION_CLOSE, (int64_t)c))
				 .status,
			 FSM_OK);
	assert_int_equal(lock_rec(f, "w").holder, 0);
	assert_int_equal(lock_rec(f, "w").newest, 7);
	assert_int_equal(lock_rec(f, "x").holder, a);
	/* a expires: x and y are free, z (b's) is not */
	tick(f, 9, T0 + 1001);
	assert_false(fsm_has_session(f, a));
	assert_int_equal(lock_rec(f, "x").holder, 0);
	assert_int_equal(lock_rec(f, "y").holder, 0);
	assert_int_equal(lock_rec(f, "z").holder, b);
	/* the next holder gets a newer token */
	assert_int_equal(run(f, 10, T0 + 1001, LOCK(b, "x")).num, 10);
	assert_int_equal(lock_rec(f, "x").newest, 10);
}

/* Many holders with many locks each: releasing one session's locks leaves
 * everyone else's, whatever the interleaving of names and ids. */
static void test_release_only_own_locks(void **state)
{
	fsm *f = *state;
	uint64_t s[20], index = 100;
	char name[16];
	struct buf b;
	int i, k;

	for (i = 0; i < 20; i++)
		s[i] = open_session(f, (uint64_t)i + 1, T0, 10000);
	buf_init(&b);
	batch_begin(&b, T0);
	for (k = 0; k < 300; k++) {
		struct fsm_slice arg = {name, 0};
		struct fsm_cmd c = {.op = FSM_OP_LOCK, .nargs = 1, .args = &arg,
				    .num = (int64_t)s[k % 20]};

		arg.len = (size_t)snprintf(name, sizeof(name), "lock%03d", k);
		batch_add(&b, &c);
	}
	batch_apply(f, index++, &b, NULL, 0);
	for (i = 0; i < 20; i += 2)
		run(f, index++, T0,
		    NOARGS(FSM_OP_SESSION_CLOSE, (int64_t)s[i]));
	for (k = 0; k < 300; k++) {
		snprintf(name, sizeof(name), "lock%03d", k);
		assert_int_equal(lock_rec(f, name).holder,
				 (k % 20) % 2 == 0 ? 0 : s[k % 20]);
	}
	buf_free(&b);
}

/* ---- fencing ---------------------------------------------------------------- */

static void test_fenced_writes(void **state)
{
	fsm *f = *state;
	uint64_t a = open_session(f, 1, T0, 10000);
	uint64_t b = open_session(f, 2, T0, 10000);
	struct fsm_result r;

	/* never issued: fenced */
	r = run(f, 3, T0, fenced(PUTKV("k", "v"), "job", 3));
	assert_int_equal(r.status, FSM_FENCED);
	assert_int_equal(fsm_count(f), 0);
	assert_int_equal(run(f, 4, T0, LOCK(a, "job")).num, 4);
	r = run(f, 5, T0, fenced(PUTKV("k", "a"), "job", 4));
	assert_int_equal(r.status, FSM_OK);
	assert_value(f, "k", "a");
	/* a token from the future or zero is no token */
	assert_int_equal(
		run(f, 6, T0, fenced(PUTKV("k", "x"), "job", 5)).status,
		FSM_FENCED);
	assert_int_equal(
		run(f, 6, T0, fenced(PUTKV("k", "x"), "job", 0)).status,
		FSM_FENCED);
	/* released: the newest token still works (the lock guards the data,
	 * not the holding) */
	run(f, 7, T0, UNLOCK(a, "job"));
	assert_int_equal(
		run(f, 8, T0, fenced(PUTKV("k", "a2"), "job", 4)).status,
		FSM_OK);
	/* b takes it: a's token is older than the newest from now on */
	assert_int_equal(run(f, 9, T0, LOCK(b, "job")).num, 9);
	assert_int_equal(
		run(f, 10, T0, fenced(PUTKV("k", "old"), "job", 4)).status,
		FSM_FENCED);
	assert_value(f, "k", "a2");
	assert_int_equal(
		run(f, 11, T0, fenced(PUTKV("k", "b"), "job", 9)).status,
		FSM_OK);
	/* and after b releases, still only b's token */
	run(f, 12, T0, UNLOCK(b, "job"));
	assert_int_equal(
		run(f, 13, T0, fenced(PUTKV("k", "old"), "job", 4)).status,
		FSM_FENCED);
	assert_int_equal(
		run(f, 14, T0, fenced(PUTKV("k", "b2"), "job", 9)).status,
		FSM_OK);
	assert_value(f, "k", "b2");
	/* another lock's token does not count for this one */
	assert_int_equal(run(f, 15, T0, LOCK(a, "other")).num, 15);
	assert_int_equal(
		run(f, 16, T0, fenced(PUTKV("k", "z"), "job", 15)).status,
		FSM_FENCED);
}

/* Every key-value write is guarded the same way and changes nothing when
 * fenced. */
static void test_fence_every_write_op(void **state)
{
	fsm *f = *state;
	uint64_t a = open_session(f, 1, T0, 10000);
	struct fsm_cmd ops[] = {
		PUTKV("k", "x"),
		KV(FSM_OP_DEL, 0, S("k")),
		KV(FSM_OP_CAS, 0, S("k"), S("1"), S("2")),
		KV(FSM_OP_CAS_INDEX, 3, S("k"), S("2")),
		KV(FSM_OP_INCRBY, 1, S("k")),
		KV(FSM_OP_MPUT, 0, S("k"), S("m"), S("j"), S("n")),
		KV(FSM_OP_APPEND, 0, S("k"), S("tail")),
	};
	struct buf before, after;
	fsm *g;
	size_t i;

	run(f, 2, T0, LOCK(a, "g"));
	run(f, 3, T0, PUTKV("k", "1"));
	tick(f, 4, T0); /* the refused writes below apply at index 4 too */
	buf_init(&before);
	buf_init(&after);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct fsm_result r;

		dump_state(f, &before);
		r = run(f, 4, T0, fenced(ops[i], "g", 1));
		assert_int_equal(r.status, FSM_FENCED);
		dump_state(f, &after);
		assert_string_equal(before.data, after.data);
	}
	/* with the right token each applies as it would unguarded */
	g = fsm_new();
	assert_non_null(g);
	run(g, 3, T0, PUTKV("k", "1"));
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct fsm_result rf =
			run(f, 10 + i, T0, fenced(ops[i], "g", 2));
		struct fsm_result rg = run(g, 10 + i, T0, ops[i]);

		assert_int_equal(rf.status, rg.status);
		assert_int_equal(rf.num, rg.num);
	}
	assert_value(f, "k", "mtail");
	fsm_free(g);
	buf_free(&before);
	buf_free(&after);
}

/* The paused holder: a's write carrying (session, seq) and its token is
 * retried after b took the lock. The retry is answered from a's session
 * (applied, OK) even though its fence would fail now; a new seq with the
 * old token is fenced, and that answer is what its retries get. */
static void test_session_before_fence(void **state)
{
	fsm *f = *state;
	uint64_t a = open_session(f, 1, T0, 10000);
	uint64_t b = open_session(f, 2, T0, 10000);
	struct fsm_result r;

	assert_int_equal(run(f, 3, T0, LOCK(a, "job")).num, 3);
	r = run(f, 4, T0, seqd(fenced(PUTKV("k", "a"), "job", 3), a, 1, 1));
	assert_int_equal(r.status, FSM_OK);
	run(f, 5, T0, UNLOCK(a, "job"));
	assert_int_equal(run(f, 6, T0, LOCK(b, "job")).num, 6);
	r = run(f, 7, T0, seqd(fenced(PUTKV("k", "a"), "job", 3), a, 1, 1));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.dup, 1);
	assert_int_equal(r.index, 4);
	r = run(f, 8, T0, seqd(fenced(PUTKV("k", "late"), "job", 3), a, 2, 1));
	assert_int_equal(r.status, FSM_FENCED);
	assert_value(f, "k", "a");
	/* the fenced outcome is the stored one, even for the newest token */
	r = run(f, 9, T0, seqd(fenced(PUTKV("k", "late"), "job", 6), a, 2, 1));
	assert_int_equal(r.status, FSM_FENCED);
	assert_int_equal(r.dup, 1);
	assert_int_equal(r.index, 8);
	assert_value(f, "k", "a");
	/* an unknown session is refused before its fence is looked at */
	r = run(f, 10, T0,
		seqd(fenced(PUTKV("k", "x"), "nolock", 1), 77, 1, 1));
	assert_int_equal(r.status, FSM_SESSION_EXPIRED);
	/* and a bad seq before a failing fence too */
	r = run(f, 11, T0, seqd(fenced(PUTKV("k", "x"), "nolock", 1), b, 0, 1));
	assert_int_equal(r.status, FSM_BAD_SEQ);
}

/* An expired holder cannot write with its token once another holds the
 * lock. */
static void test_expired_holder_is_fenced(void **state)
{
	fsm *f = *state;
	uint64_t a = open_session(f, 1, T0, 1000);
	uint64_t b;

	assert_int_equal(run(f, 2, T0, LOCK(a, "job")).num, 2);
	b = open_session(f, 3, T0 + 5000, 10000); /* a expires here */
	assert_int_equal(run(f, 4, T0 + 5000, LOCK(b, "job")).num, 4);
	assert_int_equal(run(f, 5, T0 + 5000, fenced(PUTKV("k", "a"), "job", 2))
				 .status,
			 FSM_FENCED);
	assert_int_equal(run(f, 6, T0 + 5000, fenced(PUTKV("k", "b"), "job", 4))
				 .status,
			 FSM_OK);
}

/* ---- helpers ---------------------------------------------------------------- */

struct find_lock {
	const char *name;
	struct fsm_lock_rec rec;
	int found;
};

static int find_lock_cb(void *arg, const struct fsm_lock_rec *l)
{
	struct find_lock *fl = arg;

	if (l->len != strlen(fl->name) ||
	    (l->len > 0 && memcmp(l->name, fl->name, l->len) != 0))
		return 0;
	fl->rec = *l;
	fl->found = 1;
	return 1;
}

static struct fsm_lock_rec lock_rec(const fsm *f, const char *name)
{
	struct find_lock fl = {.name = name};

	fsm_locks_visit(f, find_lock_cb, &fl);
	assert_true(fl.found);
	return fl.rec;
}

#define TS(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TS(test_lock_unlock),
		TS(test_tokens_strictly_increase),
		TS(test_close_and_expiry_release),
		TS(test_release_only_own_locks),
		TS(test_fenced_writes),
		TS(test_fence_every_write_op),
		TS(test_session_before_fence),
		TS(test_expired_holder_is_fenced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
