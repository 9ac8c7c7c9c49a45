/* test_client_session.c - unit tests for libraftd's exactly-once sessions,
 * locks, fencing and APPEND.
 *
 * What a user relies on: every write through a session is sent inside
 * RD.SEQ with one sequence number per logical operation, the same on every
 * retry, so a write whose reply was lost is retried and the first result
 * reported; the ack is the lowest unfinished sequence number; a session
 * stays alive without the caller's help (timer in the asynchronous
 * interface, a keepalive ahead of calls in the blocking one) and is never
 * re-opened behind the caller's back once the cluster says it expired;
 * locks return their token; -FENCED is RDC_FENCED. Against the scripted
 * fake server.
 */
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "raftd/client.h"
#include "test_client_fake.h"
#include "test_client_util.h"

#define EXPIRED "-SESSIONEXPIRED unknown or expired session 7\r\n"

/* A blocking client with session 7 open (the open is the node's first
 * request). timeout_ms 0: the default. The caller scripts the node with
 * the open's reply first. */
static rdc_session *open_session(rdc_client *c, unsigned timeout_ms)
{
	rdc_session *s = NULL;
	struct rdc_meta meta;

	assert_int_equal(rdc_session_open(c, timeout_ms, &s, &meta), RDC_OK);
	assert_non_null(s);
	assert_int_equal(rdc_session_id(s), 7);
	return s;
}

/* ---- blocking ---------------------------------------------------------- */

static void writes_are_sequenced(void **state)
{
	struct fake *f = *state;
	struct rdc_write_opts w = {0};
	struct rdc_meta meta;
	const char *keys[1] = {"a"};
	size_t klens[1] = {1};
	uint64_t len;
	int64_t v;
	rdc_client *c;

	script(f, 0, 6, FAKE_REPLY, ENV(":7\r\n", 2, 3),
	       FAKE_REPLY, ENV(ONE, 2, 4), FAKE_REPLY, ENV(":5\r\n", 2, 5),
	       FAKE_REPLY, ENV(":1\r\n", 2, 6), FAKE_REPLY, ENV(":9\r\n", 2, 7),
	       FAKE_REPLY, ENV(ONE, 2, 8));
	c = client(fake_addr(f, 0), 2000);
	w.session = open_session(c, 0);
	assert_int_equal(rdc_session_next_seq(w.session), 1);
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, RDC_PUT_NX, &w, &meta), RDC_OK);
	assert_int_equal(meta.index, 4);
	assert_int_equal(rdc_incrby(c, "n", 1, 2, &w, &v, NULL), RDC_OK);
	assert_int_equal(v, 5);
	assert_int_equal(rdc_del(c, 1, keys, klens, &w, NULL, NULL), RDC_OK);
	assert_int_equal(rdc_append(c, "s", 1, "tail", 4, &w, &len, NULL), RDC_OK);
	assert_int_equal(len, 9);
	assert_int_equal(rdc_session_close(w.session, NULL), RDC_OK);
	assert_request(f, 0, 0, "RD.SESSION OPEN 30000");
	assert_request(f, 0, 1, "RD.SEQ 7 1 1 RD.PUT k v NX");
	assert_request(f, 0, 2, "RD.SEQ 7 2 2 RD.INCRBY n 2");
	assert_request(f, 0, 3, "RD.SEQ 7 3 3 RD.DEL a");
	assert_request(f, 0, 4, "RD.SEQ 7 4 4 RD.APPEND s tail");
	assert_request(f, 0, 5, "RD.SESSION CLOSE 7");
	rdc_close(c);
}

static void seq_is_reused_after_a_broken_connection(void **state)
{
	struct fake *f = *state;
	struct rdc_write_opts w = {0};
	struct rdc_meta meta;
	int64_t v = 0;
	rdc_client *c;

	/* The increment's connection breaks after it was sent, and the
	 * server's next answer is -UNCERTAIN: a plain write would be
	 * RDC_UNCERTAIN twice over. The sequenced one is resent with the same
	 * number each time and gets the first application's result. */
	script(f, 0, 4, FAKE_REPLY, ENV(":7\r\n", 2, 3), FAKE_CLOSE, "",
	       FAKE_REPLY, "-UNCERTAIN leadership changed\r\n",
	       FAKE_REPLY, ENV(":41\r\n", 2, 4));
	c = client(fake_addr(f, 0), 3000);
	w.session = open_session(c, 5000);
	assert_int_equal(rdc_incrby(c, "n", 1, 1, &w, &v, &meta), RDC_OK);
	assert_int_equal(v, 41);
	assert_int_equal(meta.index, 4);
	assert_int_equal(fake_count(f, 0), 4);
	for (size_t i = 1; i < 4; i++)
		assert_request(f, 0, i, "RD.SEQ 7 1 1 RD.INCRBY n 1");
	assert_int_equal(fake_conns(f, 0), 2);
	/* The next operation gets the next number. */
	script(f, 0, 1, FAKE_REPLY, ENV(":42\r\n", 2, 5));
	assert_int_equal(rdc_incrby(c, "n", 1, 1, &w, &v, NULL), RDC_OK);
	assert_request(f, 0, 0, "RD.SEQ 7 2 2 RD.INCRBY n 1");
	rdc_session_free(w.session);
	rdc_close(c);
}

static void sequenced_reply_from_an_older_term_is_accepted(void **state)
{
	struct fake *f = *state;
	struct rdc_write_opts w = {0};
	struct rdc_meta meta;
	rdc_client *c;

	/* Term 6 has been seen; the retried sequence number is answered from
	 * the stored first reply, which names term 5. */
	script(f, 0, 4, FAKE_REPLY, ENV(":7\r\n", 6, 3), FAKE_CLOSE, "",
	       FAKE_REPLY, ENV(ONE, 5, 2), FAKE_REPLY, ENV(ONE, 5, 9));
	c = client(fake_addr(f, 0), 3000);
	w.session = open_session(c, 5000);
	assert_int_equal(rdc_cas(c, "k", 1, "a", 1, "b", 1, &w, &meta), RDC_OK);
	assert_int_equal(meta.term, 5);
	assert_int_equal(meta.index, 2);
	/* A plain write from term 5 is still a deposed leader's. */
	assert_int_equal(rdc_put(c, "k", 1, "c", 1, 0, NULL, NULL), RDC_UNCERTAIN);
	rdc_session_free(w.session);
	rdc_close(c);
}

static void abandoned_seq_is_acknowledged(void **state)
{
	struct fake *f = *state;
	struct rdc_write_opts w = {0};
	rdc_client *c;

	/* The first write is never answered: at its deadline it is
	 * RDC_UNCERTAIN and finished. The library will never ask for its
	 * reply again, so the next write's ack passes it. */
	script(f, 0, 3, FAKE_REPLY, ENV(":7\r\n", 2, 3), FAKE_SILENT, "",
	       FAKE_REPLY, ENV(ONE, 2, 5));
	c = client(fake_addr(f, 0), 300);
	w.session = open_session(c, 5000);
	assert_int_equal(rdc_put(c, "a", 1, "1", 1, 0, &w, NULL), RDC_UNCERTAIN);
	assert_int_equal(rdc_put(c, "b", 1, "2", 1, 0, &w, NULL), RDC_OK);
	assert_request(f, 0, 1, "RD.SEQ 7 1 1 RD.PUT a 1");
	assert_request(f, 0, 2, "RD.SEQ 7 2 2 RD.PUT b 2");
	rdc_session_free(w.session);
	rdc_close(c);
}

static void expired_session_is_final(void **state)
{
	struct fake *f = *state;
	struct rdc_write_opts w = {0};
	struct rdc_meta meta;
	rdc_client *c;

	script(f, 0, 3, FAKE_REPLY, ENV(":7\r\n", 2, 3),
	       FAKE_REPLY, EXPIRED, FAKE_REPLY, ENV(ONE, 2, 9));
	c = client(fake_addr(f, 0), 2000);
	w.session = open_session(c, 5000);
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, &w, &meta), RDC_SESSION_EXPIRED);
	assert_int_equal(meta.index, 0);
	assert_true(rdc_session_expired(w.session));
	assert_non_null(strstr(rdc_errmsg(c), "unknown or expired session 7"));
	/* Every later use fails at once: nothing is sent, nothing is
	 * re-opened. */
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, &w, NULL), RDC_SESSION_EXPIRED);
	assert_int_equal(rdc_lock(w.session, "l", 1, 0, NULL, NULL), RDC_SESSION_EXPIRED);
	assert_int_equal(rdc_session_keepalive(w.session, NULL), RDC_SESSION_EXPIRED);
	assert_int_equal(fake_count(f, 0), 2);
	assert_int_equal(count_requests(f, 0, "RD.SESSION OPEN"), 1);
	/* Plain writes on the same client are unaffected. */
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, NULL, NULL), RDC_OK);
	assert_int_equal(rdc_session_close(w.session, NULL), RDC_SESSION_EXPIRED);
	assert_int_equal(fake_count(f, 0), 3);
	rdc_close(c);
}

static void expiry_after_a_lost_reply_is_uncertain(void **state)
{
	struct fake *f = *state;
	struct rdc_write_opts w = {0};
	rdc_client *c;

	/* The first attempt may have been applied before the session
	 * expired: "nothing was applied" would be a lie. */
	script(f, 0, 3, FAKE_REPLY, ENV(":7\r\n", 2, 3), FAKE_CLOSE, "",
	       FAKE_REPLY, EXPIRED);
	c = client(fake_addr(f, 0), 2000);
	w.session = open_session(c, 5000);
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, &w, NULL), RDC_UNCERTAIN);
	assert_true(rdc_session_expired(w.session));
	rdc_session_free(w.session);
	rdc_close(c);
}

static void fenced_writes(void **state)
{
	struct fake *f = *state;
	struct rdc_write_opts w = {.fence_lock = "jobs", .fence_len = 4,
				   .fence_token = 120};
	struct rdc_meta meta;
	rdc_client *c;

	script(f, 0, 4, FAKE_REPLY, ENV(ONE, 2, 130),
	       FAKE_REPLY, "-FENCED token 120 is older than 131 for lock jobs\r\n",
	       FAKE_REPLY, ENV(":7\r\n", 2, 132),
	       FAKE_REPLY, "-FENCED token 120 is older than 131 for lock jobs\r\n");
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, &w, &meta), RDC_OK);
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, &w, &meta), RDC_FENCED);
	assert_non_null(strstr(rdc_errmsg(c), "older than 131"));
	/* Fenced and sequenced together. */
	w.session = open_session(c, 5000);
	assert_int_equal(rdc_cas_index(c, "k", 1, 0, "v", 1, &w, NULL), RDC_FENCED);
	assert_request(f, 0, 0, "RD.FENCE jobs 120 RD.PUT k v");
	assert_request(f, 0, 3, "RD.SEQ 7 1 1 RD.FENCE jobs 120 RD.CASIDX k 0 v");
	assert_int_equal(fake_count(f, 0), 4);
	rdc_session_free(w.session);
	rdc_close(c);
}

static void locks(void **state)
{
	struct fake *f = *state;
	struct rdc_meta meta;
	uint64_t token = 1;
	uint64_t t0;
	rdc_session *s;
	rdc_client *c;

	script(f, 0, 8, FAKE_REPLY, ENV(":7\r\n", 2, 3),
	       FAKE_REPLY, ENV(":120\r\n", 2, 120),
	       FAKE_REPLY, ENV(ZERO, 2, 121),
	       FAKE_REPLY, ENV(ZERO, 2, 122), FAKE_REPLY, ENV(ZERO, 2, 123),
	       FAKE_REPLY, ENV(":124\r\n", 2, 124),
	       FAKE_REPLY, ENV(ONE, 2, 125), FAKE_REPLY, ENV(ZERO, 2, 126));
	c = client(fake_addr(f, 0), 2000);
	s = open_session(c, 5000);
	assert_int_equal(rdc_lock(s, "jobs", 4, 0, &token, &meta), RDC_OK);
	assert_int_equal(token, 120);
	assert_int_equal(meta.index, 120);
	/* Held elsewhere, no wait: one try. */
	assert_int_equal(rdc_lock(s, "jobs", 4, 0, &token, NULL), RDC_CONDITION);
	assert_int_equal(token, 0);
	/* With a wait: tried until it is free. */
	t0 = now_ms();
	assert_int_equal(rdc_lock(s, "jobs", 4, 1500, &token, NULL), RDC_OK);
	assert_true(now_ms() - t0 < 1500);
	assert_int_equal(token, 124);
	assert_int_equal(rdc_unlock(s, "jobs", 4, NULL), RDC_OK);
	assert_int_equal(rdc_unlock(s, "jobs", 4, NULL), RDC_CONDITION);
	assert_request(f, 0, 0, "RD.SESSION OPEN 5000");
	assert_request(f, 0, 1, "RD.LOCK jobs 7");
	assert_request(f, 0, 5, "RD.LOCK jobs 7");
	assert_request(f, 0, 6, "RD.UNLOCK jobs 7");
	assert_int_equal(fake_count(f, 0), 8);
	rdc_session_free(s);
	rdc_close(c);
}

#define HELD ENV(ZERO, 2, 130)

static void lock_wait_runs_out(void **state)
{
	struct fake *f = *state;
	struct rdc_options o = {.deadline_ms = 2000, .backoff_base_ms = 40,
				.backoff_cap_ms = 60};
	uint64_t token = 1, t0, dt;
	rdc_session *s;
	rdc_client *c;

	script(f, 0, 12, FAKE_REPLY, ENV(":7\r\n", 2, 3), FAKE_REPLY, HELD,
	       FAKE_REPLY, HELD, FAKE_REPLY, HELD, FAKE_REPLY, HELD,
	       FAKE_REPLY, HELD, FAKE_REPLY, HELD, FAKE_REPLY, HELD,
	       FAKE_REPLY, HELD, FAKE_REPLY, HELD, FAKE_REPLY, HELD,
	       FAKE_REPLY, HELD);
	c = rdc_open(fake_addr(f, 0), &o);
	s = open_session(c, 5000);
	t0 = now_ms();
	assert_int_equal(rdc_lock(s, "jobs", 4, 200, &token, NULL), RDC_CONDITION);
	dt = now_ms() - t0;
	assert_int_equal(token, 0);
	assert_true(dt >= 190 && dt < 1500);
	assert_true(fake_count(f, 0) >= 3);
	assert_non_null(strstr(rdc_errmsg(c), "held by another session"));
	rdc_session_free(s);
	rdc_close(c);
}

static void unlock_after_a_lost_reply(void **state)
{
	struct fake *f = *state;
	rdc_session *s;
	rdc_client *c;

	/* The first unlock's reply is lost; the retry finds the lock not
	 * held. Either way the session no longer holds it: RDC_OK. */
	script(f, 0, 3, FAKE_REPLY, ENV(":7\r\n", 2, 3), FAKE_CLOSE, "",
	       FAKE_REPLY, ENV(ZERO, 2, 5));
	c = client(fake_addr(f, 0), 2000);
	s = open_session(c, 5000);
	assert_int_equal(rdc_unlock(s, "jobs", 4, NULL), RDC_OK);
	assert_int_equal(count_requests(f, 0, "RD.UNLOCK jobs 7"), 2);
	rdc_session_free(s);
	rdc_close(c);
}

static void blocking_calls_keep_sessions_alive(void **state)
{
	struct fake *f = *state;
	struct rdc_kv *kv;
	rdc_session *s;
	rdc_client *c;

	/* Timeout 300 ms: a keepalive is due after 100 ms idle. */
	script(f, 0, 4, FAKE_REPLY, ENV(":7\r\n", 2, 3),
	       FAKE_REPLY, ENV(NIL, 2, 3),
	       FAKE_REPLY, ENV(ONE, 2, 4), FAKE_REPLY, ENV(NIL, 2, 4));
	c = client(fake_addr(f, 0), 2000);
	s = open_session(c, 300);
	/* Right after the open: nothing due. */
	assert_int_equal(rdc_get(c, "k", 1, RDC_LINEARIZABLE, &kv, NULL), RDC_NOTFOUND);
	usleep(150 * 1000);
	/* Idle long enough: the keepalive goes out ahead of the call. */
	assert_int_equal(rdc_get(c, "k", 1, RDC_LINEARIZABLE, &kv, NULL), RDC_NOTFOUND);
	assert_request(f, 0, 1, "RD.GET k LINEARIZABLE");
	assert_request(f, 0, 2, "RD.SESSION KEEPALIVE 7");
	assert_request(f, 0, 3, "RD.GET k LINEARIZABLE");
	assert_int_equal(fake_count(f, 0), 4);
	rdc_session_free(s);
	rdc_close(c);
}

/* ---- asynchronous ------------------------------------------------------ */

struct atest {
	struct fake *f;
	uv_loop_t loop;
	rdc_async *a;
	rdc_session *s;
	int replies;
	int statuses[8];
	int expired_calls;
};

static void on_any(rdc_async_req *req, int status, const struct rdc_reply *r)
{
	struct atest *t = rdc_async_req_data(req);

	if (r->session != NULL)
		t->s = r->session;
	t->statuses[t->replies++ % 8] = status;
}

static void run_until(struct atest *t, int replies)
{
	while (t->replies < replies)
		uv_run(&t->loop, UV_RUN_ONCE);
}

static void on_stop_timer(uv_timer_t *timer)
{
	uv_timer_stop(timer);
}

/* Run the loop for about ms milliseconds. */
static void run_for(struct atest *t, uint64_t ms)
{
	uv_timer_t timer;

	uv_timer_init(&t->loop, &timer);
	uv_timer_start(&timer, on_stop_timer, ms, 0);
	while (uv_is_active((uv_handle_t *)&timer))
		uv_run(&t->loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&timer, NULL);
	uv_run(&t->loop, UV_RUN_NOWAIT);
}

static void atest_open(struct atest *t, unsigned timeout_ms)
{
	uv_loop_init(&t->loop);
	t->a = rdc_async_open(&t->loop, fake_addr(t->f, 0), NULL);
	assert_int_equal(rdc_async_session_open(t->a, timeout_ms, on_any, t), RDC_OK);
	run_until(t, 1);
	assert_int_equal(t->statuses[0], RDC_OK);
	assert_non_null(t->s);
	assert_int_equal(rdc_session_id(t->s), 7);
}

static void atest_close(struct atest *t)
{
	rdc_async_close(t->a, NULL, NULL);
	assert_int_equal(uv_run(&t->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&t->loop), 0);
}

static void ack_is_the_lowest_unfinished_seq(void **state)
{
	struct atest t = {.f = *state};
	struct rdc_write_opts w = {0};

	/* Three pipelined writes, answered only once the third has arrived:
	 * while the first is unanswered, every ack is 1. Once all are
	 * answered, the next write acknowledges them all. */
	script(t.f, 0, 5, FAKE_REPLY, ENV(":7\r\n", 2, 3),
	       FAKE_HOLD, ENV(ONE, 2, 4), FAKE_HOLD, ENV(ONE, 2, 5),
	       FAKE_REPLY, ENV(ONE, 2, 6), FAKE_REPLY, ENV(ONE, 2, 7));
	atest_open(&t, 5000);
	w.session = t.s;
	assert_int_equal(rdc_async_put(t.a, "a", 1, "1", 1, 0, &w, on_any, &t), RDC_OK);
	assert_int_equal(rdc_async_put(t.a, "b", 1, "1", 1, 0, &w, on_any, &t), RDC_OK);
	assert_int_equal(rdc_async_put(t.a, "c", 1, "1", 1, 0, &w, on_any, &t), RDC_OK);
	run_until(&t, 4);
	assert_int_equal(rdc_async_put(t.a, "d", 1, "1", 1, 0, &w, on_any, &t), RDC_OK);
	run_until(&t, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(t.statuses[i], RDC_OK);
	assert_request(t.f, 0, 1, "RD.SEQ 7 1 1 RD.PUT a 1");
	assert_request(t.f, 0, 2, "RD.SEQ 7 2 1 RD.PUT b 1");
	assert_request(t.f, 0, 3, "RD.SEQ 7 3 1 RD.PUT c 1");
	assert_request(t.f, 0, 4, "RD.SEQ 7 4 4 RD.PUT d 1");
	atest_close(&t);
}

#define KA ENV(ONE, 2, 9)

static void timer_keeps_an_idle_session_alive(void **state)
{
	struct atest t = {.f = *state};
	size_t n;

	/* Timeout 600 ms: idle for 700 ms, the session needs a keepalive
	 * about every 200 ms; about three. */
	script(t.f, 0, 8, FAKE_REPLY, ENV(":7\r\n", 2, 3), FAKE_REPLY, KA,
	       FAKE_REPLY, KA, FAKE_REPLY, KA, FAKE_REPLY, KA, FAKE_REPLY, KA,
	       FAKE_REPLY, KA, FAKE_REPLY, KA);
	atest_open(&t, 600);
	run_for(&t, 700);
	n = count_requests(t.f, 0, "RD.SESSION KEEPALIVE 7");
	assert_true(n >= 2 && n <= 4);
	assert_int_equal(fake_count(t.f, 0), n + 1);
	atest_close(&t);
}

static void activity_postpones_keepalives(void **state)
{
	struct atest t = {.f = *state};
	struct rdc_write_opts w = {0};

	/* A write every 80 ms keeps a 600 ms session busy: no keepalive. */
	script(t.f, 0, 10, FAKE_REPLY, ENV(":7\r\n", 2, 3), FAKE_REPLY, KA,
	       FAKE_REPLY, KA, FAKE_REPLY, KA, FAKE_REPLY, KA, FAKE_REPLY, KA,
	       FAKE_REPLY, KA, FAKE_REPLY, KA, FAKE_REPLY, KA, FAKE_REPLY, KA);
	atest_open(&t, 600);
	w.session = t.s;
	for (int i = 0; i < 8; i++) {
		assert_int_equal(rdc_async_incrby(t.a, "n", 1, 1, &w, on_any, &t), RDC_OK);
		run_until(&t, 2 + i);
		run_for(&t, 80);
	}
	assert_int_equal(count_requests(t.f, 0, "RD.SESSION KEEPALIVE"), 0);
	assert_int_equal(count_requests(t.f, 0, "RD.SEQ 7"), 8);
	atest_close(&t);
}

static void on_expired_cb(rdc_session *s, void *data)
{
	struct atest *t = data;

	assert_ptr_equal(s, t->s);
	t->expired_calls++;
}

static void expiry_stops_the_timer_and_is_reported(void **state)
{
	struct atest t = {.f = *state};
	struct rdc_write_opts w = {0};

	script(t.f, 0, 4, FAKE_REPLY, ENV(":7\r\n", 2, 3), FAKE_REPLY, EXPIRED,
	       FAKE_REPLY, KA, FAKE_REPLY, KA);
	atest_open(&t, 300);
	rdc_async_session_on_expired(t.s, on_expired_cb, &t);
	run_for(&t, 500);
	assert_int_equal(t.expired_calls, 1);
	assert_true(rdc_session_expired(t.s));
	/* One keepalive, the one that learned of the expiry; none since. */
	assert_int_equal(fake_count(t.f, 0), 2);
	w.session = t.s;
	assert_int_equal(rdc_async_put(t.a, "k", 1, "v", 1, 0, &w, on_any, &t), RDC_OK);
	assert_int_equal(t.replies, 1); /* answered from the loop, not here */
	run_until(&t, 2);
	assert_int_equal(t.statuses[1], RDC_SESSION_EXPIRED);
	assert_int_equal(fake_count(t.f, 0), 2);
	assert_int_equal(count_requests(t.f, 0, "RD.SESSION OPEN"), 1);
	atest_close(&t);
}

static void sessions_belong_to_their_handle(void **state)
{
	struct atest t = {.f = *state};
	struct rdc_write_opts w = {0};
	rdc_client *c;
	rdc_async *b;

	script(t.f, 0, 1, FAKE_REPLY, ENV(":7\r\n", 2, 3));
	atest_open(&t, 5000);
	b = rdc_async_open(&t.loop, fake_addr(t.f, 0), NULL);
	w.session = t.s;
	assert_int_equal(rdc_async_put(b, "k", 1, "v", 1, 0, &w, on_any, &t), RDC_INVALID);
	c = client(fake_addr(t.f, 0), 1000);
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, &w, NULL), RDC_INVALID);
	assert_int_equal(rdc_lock(t.s, "l", 1, 0, NULL, NULL), RDC_INVALID);
	rdc_close(c);
	rdc_async_close(b, NULL, NULL);
	/* Closed, the session may not be used again. */
	assert_int_equal(rdc_async_session_close(t.s, on_any, &t), RDC_OK);
	assert_int_equal(rdc_async_lock(t.s, "l", 1, 0, on_any, &t), RDC_INVALID);
	run_until(&t, 2);
	assert_request(t.f, 0, 1, "RD.SESSION CLOSE 7");
	assert_int_equal(fake_count(t.f, 0), 2);
	atest_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define NET(t) cmocka_unit_test_setup_teardown(t, fake_setup, fake_teardown)
		NET(writes_are_sequenced),
		NET(seq_is_reused_after_a_broken_connection),
		NET(sequenced_reply_from_an_older_term_is_accepted),
		NET(abandoned_seq_is_acknowledged),
		NET(expired_session_is_final),
		NET(expiry_after_a_lost_reply_is_uncertain),
		NET(fenced_writes),
		NET(locks),
		NET(lock_wait_runs_out),
		NET(unlock_after_a_lost_reply),
		NET(blocking_calls_keep_sessions_alive),
		NET(ack_is_the_lowest_unfinished_seq),
		NET(timer_keeps_an_idle_session_alive),
		NET(activity_postpones_keepalives),
		NET(expiry_stops_the_timer_and_is_reported),
		NET(sessions_belong_to_their_handle),
#undef NET
	};

	signal(SIGPIPE, SIG_IGN); /* as the header asks of applications */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
