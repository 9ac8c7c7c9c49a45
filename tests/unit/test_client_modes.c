/* test_client_modes.c - unit tests for libraftd's read consistency modes.
 *
 * What a user of session and stale reads relies on: the mode is spelled
 * out in every read the server receives; a session read carries the
 * highest index the handle has seen in any reply (writes and reads of
 * every mode), never a lower one; session and stale reads go to the
 * endpoints and never where a MOVED points; a node that lags is left for
 * the next endpoint; their replies carry lag, last contact and the serving
 * node; and a follower's term neither makes its reply "stale" nor is
 * taken for the leader's. Against the scripted fake server.
 */
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/command.h"
#include "raftd/client.h"
#include "test_client_fake.h"
#include "test_client_util.h"

/* A one-byte value with its indexes, as RD.GET returns it. */
#define VAL(v, create, mod) "*3\r\n$1\r\n" v "\r\n:" #create "\r\n:" #mod "\r\n"

/* ---- bytes ------------------------------------------------------------- */

static void encode_modes_and_prefixes(void **state)
{
	struct buf body, out;

	(void)state;
	buf_init(&body);
	buf_init(&out);
	assert_int_equal(rdc__enc_get(&body, "k", 1), 0);
	assert_int_equal(rdc__enc_mode(&out, &body, RDC_LINEARIZABLE, 9), 0);
	assert_memory_equal(out.data, "*3\r\n$6\r\nRD.GET\r\n$1\r\nk\r\n$12\r\nLINEARIZABLE\r\n", out.len);
	buf_reset(&out);
	assert_int_equal(rdc__enc_mode(&out, &body, RDC_STALE, 9), 0);
	assert_memory_equal(out.data, "*3\r\n$6\r\nRD.GET\r\n$1\r\nk\r\n$5\r\nSTALE\r\n", out.len);
	buf_reset(&out);
	assert_int_equal(rdc__enc_mode(&out, &body, RDC_SESSION, 1234), 0);
	assert_memory_equal(out.data, "*4\r\n$6\r\nRD.GET\r\n$1\r\nk\r\n$7\r\nSESSION\r\n$4\r\n1234\r\n", out.len);

	/* Prefixes stack: RD.SEQ around RD.FENCE around the write. */
	buf_reset(&body);
	buf_reset(&out);
	assert_int_equal(rdc__enc_put(&body, "k", 1, "v", 1, 0), 0);
	assert_int_equal(rdc__enc_fence(&out, &body, "jobs", 4, 120), 0);
	buf_reset(&body);
	assert_int_equal(rdc__enc_seq(&body, &out, 7, 3, 2), 0);
	assert_int_equal(body.len, strlen("*10\r\n$6\r\nRD.SEQ\r\n$1\r\n7\r\n$1\r\n3\r\n$1\r\n2\r\n$8\r\nRD.FENCE\r\n$4\r\njobs\r\n$3\r\n120\r\n$6\r\nRD.PUT\r\n$1\r\nk\r\n$1\r\nv\r\n"));
	assert_memory_equal(body.data, "*10\r\n$6\r\nRD.SEQ\r\n$1\r\n7\r\n$1\r\n3\r\n$1\r\n2\r\n$8\r\nRD.FENCE\r\n$4\r\njobs\r\n$3\r\n120\r\n$6\r\nRD.PUT\r\n$1\r\nk\r\n$1\r\nv\r\n", body.len);

	/* A body that is not an encoded command is refused, not read past. */
	buf_reset(&body);
	buf_reset(&out);
	buf_append(&body, "*3\r", 3);
	assert_int_equal(rdc__enc_seq(&out, &body, 1, 1, 1), -1);
	buf_reset(&body);
	buf_append(&body, "$3\r\nabc\r\n", 9);
	assert_int_equal(rdc__enc_mode(&out, &body, RDC_STALE, 0), -1);
	buf_free(&body);
	buf_free(&out);
}

static void five_element_envelope(void **state)
{
	struct resp_reply r;
	const struct resp_value *result;
	struct rdc_meta meta;
	const char *err;
	const char *five = ENV5(NIL, 4, 17, 3, 250);
	const char *four = "*4\r\n$-1\r\n:4\r\n:17\r\n:3\r\n";
	const char *neg = ENV5(NIL, 4, 17, -3, 250);

	(void)state;
	resp_reply_init(&r);
	assert_int_equal(resp_parse_reply(five, strlen(five), 1 << 20, 100, &r, &err), (long)strlen(five));
	assert_int_equal(rdc__envelope(&r.root, &result, &meta), 5);
	assert_int_equal(meta.term, 4);
	assert_int_equal(meta.index, 17);
	assert_int_equal(meta.lag, 3);
	assert_int_equal(meta.last_contact_ms, 250);
	assert_int_equal(result->type, RESP_T_NIL);
	assert_int_equal(resp_parse_reply(four, strlen(four), 1 << 20, 100, &r, &err), (long)strlen(four));
	assert_int_equal(rdc__envelope(&r.root, &result, &meta), -1);
	assert_int_equal(resp_parse_reply(neg, strlen(neg), 1 << 20, 100, &r, &err), (long)strlen(neg));
	assert_int_equal(rdc__envelope(&r.root, &result, &meta), -1);
	resp_reply_free(&r);
}

/* ---- against the fake server ------------------------------------------- */

static void modes_are_spelled_out(void **state)
{
	struct fake *f = *state;
	struct rdc_kv *kv, *items;
	size_t n;
	rdc_client *c;

	script(f, 0, 3, FAKE_REPLY, ENV5(NIL, 2, 5, 0, 0),
	       FAKE_REPLY, ENV5("*0\r\n", 2, 5, 0, 0),
	       FAKE_REPLY, ENV(NIL, 2, 5));
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_get(c, "k", 1, RDC_STALE, &kv, NULL), RDC_NOTFOUND);
	assert_int_equal(rdc_list(c, "p", 1, NULL, 0, 5, RDC_SESSION, &items, &n, NULL), RDC_OK);
	assert_int_equal(rdc_get(c, "STALE", 5, RDC_LINEARIZABLE, &kv, NULL), RDC_NOTFOUND);
	assert_request(f, 0, 0, "RD.GET k STALE");
	/* Index 5 was seen in the stale read's reply. */
	assert_request(f, 0, 1, "RD.LIST p LIMIT 5 SESSION 5");
	assert_request(f, 0, 2, "RD.GET STALE LINEARIZABLE");
	rdc_close(c);
}

static void session_reads_carry_the_highest_index_seen(void **state)
{
	struct fake *f = *state;
	struct rdc_kv *kv;
	struct rdc_meta meta;
	rdc_client *c;

	script(f, 0, 7, FAKE_REPLY, ENV(ONE, 2, 10),            /* put */
	       FAKE_REPLY, ENV5(VAL("a", 10, 10), 2, 12, 0, 0),  /* session */
	       FAKE_REPLY, ENV(ONE, 2, 11),                      /* put, lower */
	       FAKE_REPLY, ENV5(VAL("a", 10, 10), 2, 12, 0, 0),  /* session */
	       FAKE_REPLY, ENV(VAL("a", 10, 10), 2, 15),         /* linearizable */
	       FAKE_REPLY, ENV5(VAL("a", 10, 10), 2, 15, 0, 0),  /* session */
	       FAKE_REPLY, ENV5(VAL("a", 10, 10), 2, 30, 0, 0)); /* session */
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_last_index(c), 0);
	assert_int_equal(rdc_put(c, "a", 1, "a", 1, 0, NULL, NULL), RDC_OK);
	assert_int_equal(rdc_last_index(c), 10);
	assert_int_equal(rdc_get(c, "a", 1, RDC_SESSION, &kv, &meta), RDC_OK);
	rdc_free(kv);
	assert_int_equal(meta.index, 12);
	assert_int_equal(rdc_put(c, "b", 1, "b", 1, 0, NULL, NULL), RDC_OK);
	assert_int_equal(rdc_get(c, "a", 1, RDC_SESSION, &kv, NULL), RDC_OK);
	rdc_free(kv);
	assert_int_equal(rdc_get(c, "a", 1, RDC_LINEARIZABLE, &kv, NULL), RDC_OK);
	rdc_free(kv);
	assert_int_equal(rdc_get(c, "a", 1, RDC_SESSION, &kv, NULL), RDC_OK);
	rdc_free(kv);
	/* An index learned elsewhere raises the floor; a lower one does not
	 * lower it. */
	rdc_observe_index(c, 30);
	rdc_observe_index(c, 3);
	assert_int_equal(rdc_last_index(c), 30);
	assert_int_equal(rdc_get(c, "a", 1, RDC_SESSION, &kv, NULL), RDC_OK);
	rdc_free(kv);
	assert_request(f, 0, 1, "RD.GET a SESSION 10");
	assert_request(f, 0, 3, "RD.GET a SESSION 12");
	assert_request(f, 0, 5, "RD.GET a SESSION 15");
	assert_request(f, 0, 6, "RD.GET a SESSION 30");
	rdc_close(c);
}

static void stale_reply_carries_its_staleness(void **state)
{
	struct fake *f = *state;
	struct rdc_kv *kv;
	struct rdc_meta meta;
	rdc_client *c;

	script(f, 0, 1, FAKE_REPLY, ENV5(VAL("o", 3, 3), 2, 7, 41, 1500));
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_get(c, "k", 1, RDC_STALE, &kv, &meta), RDC_OK);
	assert_string_equal(kv->value, "o");
	rdc_free(kv);
	assert_int_equal(meta.index, 7);
	assert_int_equal(meta.lag, 41);
	assert_int_equal(meta.last_contact_ms, 1500);
	assert_string_equal(meta.served_by, fake_addr(f, 0));
	rdc_close(c);
}

static void any_node_reads_do_not_follow_moved(void **state)
{
	struct fake *f = *state;
	char moved[64], ends[64];
	struct rdc_kv *kv;
	struct rdc_meta meta;
	rdc_client *c;

	/* Both endpoints send the reader to node 1, which is not an
	 * endpoint; the read must stay on the endpoints until one of them
	 * serves it. Which endpoint comes first is the client's choice. */
	snprintf(moved, sizeof(moved), "-MOVED 0 %s\r\n", fake_addr(f, 1));
	script(f, 0, 2, FAKE_REPLY, moved,
	       FAKE_REPLY, ENV5(VAL("v", 1, 1), 3, 4, 0, 9));
	script(f, 2, 2, FAKE_REPLY, moved,
	       FAKE_REPLY, ENV5(VAL("v", 1, 1), 3, 4, 0, 9));
	script(f, 1, 1, FAKE_REPLY, ENV(ONE, 3, 4));
	snprintf(ends, sizeof(ends), "%s,%s", fake_addr(f, 0), fake_addr(f, 2));
	c = client(ends, 2000);
	assert_int_equal(rdc_get(c, "k", 1, RDC_STALE, &kv, &meta), RDC_OK);
	rdc_free(kv);
	assert_int_equal(fake_count(f, 1), 0);
	assert_int_equal(fake_count(f, 0) + fake_count(f, 2), 3);
	assert_true(fake_count(f, 0) >= 1 && fake_count(f, 2) >= 1);
	/* Nor did the redirect teach the client a leader: a write still
	 * goes to an endpoint (node 0 or 2 would answer; node 1 must not). */
	script(f, 0, 1, FAKE_REPLY, ENV(ONE, 3, 5));
	script(f, 2, 1, FAKE_REPLY, ENV(ONE, 3, 5));
	assert_int_equal(rdc_put(c, "k", 1, "w", 1, 0, NULL, NULL), RDC_OK);
	assert_int_equal(fake_count(f, 1), 0);
	rdc_close(c);
}

static void lagging_node_is_skipped_for_the_next(void **state)
{
	struct fake *f = *state;
	char ends[64];
	struct rdc_kv *kv;
	struct rdc_meta meta;
	rdc_client *c;

	/* Each node refuses its first session read as lagging. The read must
	 * move on to the other node rather than ask the same one again, then
	 * come back after both refused. */
	script(f, 0, 2, FAKE_REPLY, "-TRYAGAIN this node has applied index 3, behind the session's 9\r\n",
	       FAKE_REPLY, ENV5(VAL("v", 9, 9), 2, 9, 0, 5));
	script(f, 1, 2, FAKE_REPLY, "-TRYAGAIN this node has applied index 4, behind the session's 9\r\n",
	       FAKE_REPLY, ENV5(VAL("v", 9, 9), 2, 9, 0, 5));
	snprintf(ends, sizeof(ends), "%s,%s", fake_addr(f, 0), fake_addr(f, 1));
	c = client(ends, 2000);
	rdc_observe_index(c, 9);
	assert_int_equal(rdc_get(c, "k", 1, RDC_SESSION, &kv, &meta), RDC_OK);
	rdc_free(kv);
	assert_int_equal(meta.index, 9);
	/* 2 + 1 in some order: the second attempt went to the other node. */
	assert_int_equal(fake_count(f, 0) + fake_count(f, 1), 3);
	assert_true(fake_count(f, 0) >= 1 && fake_count(f, 1) >= 1);
	assert_int_equal(count_requests(f, 0, "RD.GET k SESSION 9") +
			 count_requests(f, 1, "RD.GET k SESSION 9"), 3);
	rdc_close(c);
}

static void session_read_gives_up_when_every_node_lags(void **state)
{
	struct fake *f = *state;
	struct rdc_options o = {.deadline_ms = 300, .backoff_base_ms = 60,
				.backoff_cap_ms = 100};
	struct rdc_kv *kv;
	rdc_client *c;

	script(f, 0, 16, FAKE_REPLY, "-TRYAGAIN lagging\r\n",
	       FAKE_REPLY, "-TRYAGAIN lagging\r\n", FAKE_REPLY, "-TRYAGAIN lagging\r\n",
	       FAKE_REPLY, "-TRYAGAIN lagging\r\n", FAKE_REPLY, "-TRYAGAIN lagging\r\n",
	       FAKE_REPLY, "-TRYAGAIN lagging\r\n", FAKE_REPLY, "-TRYAGAIN lagging\r\n",
	       FAKE_REPLY, "-TRYAGAIN lagging\r\n", FAKE_REPLY, "-TRYAGAIN lagging\r\n",
	       FAKE_REPLY, "-TRYAGAIN lagging\r\n", FAKE_REPLY, "-TRYAGAIN lagging\r\n",
	       FAKE_REPLY, "-TRYAGAIN lagging\r\n", FAKE_REPLY, "-TRYAGAIN lagging\r\n",
	       FAKE_REPLY, "-TRYAGAIN lagging\r\n", FAKE_REPLY, "-TRYAGAIN lagging\r\n",
	       FAKE_SILENT, "");
	/* Backoffs long enough that the script outlasts the deadline. */
	c = rdc_open(fake_addr(f, 0), &o);
	rdc_observe_index(c, 100);
	assert_int_equal(rdc_get(c, "k", 1, RDC_SESSION, &kv, NULL), RDC_UNAVAILABLE);
	assert_null(kv);
	assert_non_null(strstr(rdc_errmsg(c), "lagging"));
	assert_non_null(strstr(rdc_errmsg(c), "no node"));
	rdc_close(c);
}

static void envelope_must_match_the_mode(void **state)
{
	struct fake *f = *state;
	struct rdc_kv *kv;
	rdc_client *c;

	script(f, 0, 2, FAKE_REPLY, ENV5(VAL("v", 1, 1), 2, 3, 0, 0),
	       FAKE_REPLY, ENV(VAL("v", 1, 1), 2, 3));
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_get(c, "k", 1, RDC_LINEARIZABLE, &kv, NULL), RDC_PROTOCOL);
	assert_int_equal(rdc_get(c, "k", 1, RDC_STALE, &kv, NULL), RDC_PROTOCOL);
	assert_non_null(strstr(rdc_errmsg(c), "lag"));
	/* Neither reply was trusted: no index learned from them. */
	assert_int_equal(rdc_last_index(c), 0);
	rdc_close(c);
}

static void follower_terms_are_not_checked_nor_learned(void **state)
{
	struct fake *f = *state;
	struct rdc_kv *kv;
	struct rdc_meta meta;
	rdc_client *c;

	/* The leader is at term 5. A stale read served at term 3 by a
	 * follower that has not heard of term 5 is still a valid stale read;
	 * one served at term 9 by a partitioned candidate must not make the
	 * real leader's term-5 replies look deposed. */
	script(f, 0, 4, FAKE_REPLY, ENV(ONE, 5, 10),
	       FAKE_REPLY, ENV5(VAL("v", 1, 1), 3, 8, 2, 700),
	       FAKE_REPLY, ENV5(VAL("v", 1, 1), 9, 8, 2, 700),
	       FAKE_REPLY, ENV(ONE, 5, 11));
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, NULL, NULL), RDC_OK);
	assert_int_equal(rdc_get(c, "k", 1, RDC_STALE, &kv, &meta), RDC_OK);
	rdc_free(kv);
	assert_int_equal(meta.term, 3);
	assert_int_equal(rdc_get(c, "k", 1, RDC_STALE, &kv, &meta), RDC_OK);
	rdc_free(kv);
	assert_int_equal(rdc_put(c, "k", 1, "w", 1, 0, NULL, &meta), RDC_OK);
	assert_int_equal(meta.index, 11);
	assert_int_equal(fake_count(f, 0), 4);
	rdc_close(c);
}

static void silent_node_is_left_after_an_attempt(void **state)
{
	struct fake *f = *state;
	struct rdc_options o = {.deadline_ms = 3000, .read_attempt_ms = 150,
				.backoff_base_ms = 5, .backoff_cap_ms = 40};
	char ends[64];
	struct rdc_kv *kv;
	uint64_t t0, dt;
	rdc_client *c;

	/* A node that accepts a read and never answers (stopped, cut off):
	 * after one attempt's time the read goes elsewhere instead of waiting
	 * for the deadline. Each node's first read is the silent one. */
	script(f, 0, 2, FAKE_SILENT, "", FAKE_REPLY, ENV5(VAL("v", 1, 1), 2, 3, 0, 0));
	script(f, 1, 2, FAKE_SILENT, "", FAKE_REPLY, ENV5(VAL("v", 1, 1), 2, 3, 0, 0));
	snprintf(ends, sizeof(ends), "%s,%s", fake_addr(f, 0), fake_addr(f, 1));
	c = rdc_open(ends, &o);
	t0 = now_ms();
	assert_int_equal(rdc_get(c, "k", 1, RDC_STALE, &kv, NULL), RDC_OK);
	dt = now_ms() - t0;
	rdc_free(kv);
	assert_true(dt >= 290 && dt < 2500);
	assert_int_equal(fake_count(f, 0) + fake_count(f, 1), 3);
	/* The node that got two reads got them on two connections: a stuck
	 * connection is not used again. */
	assert_int_equal(fake_conns(f, 0) + fake_conns(f, 1), 3);
	rdc_close(c);

	/* The same for a linearizable read at the only endpoint. */
	script(f, 2, 2, FAKE_SILENT, "", FAKE_REPLY, ENV(VAL("w", 1, 1), 2, 3));
	c = rdc_open(fake_addr(f, 2), &o);
	assert_int_equal(rdc_get(c, "k", 1, RDC_LINEARIZABLE, &kv, NULL), RDC_OK);
	assert_string_equal(kv->value, "w");
	rdc_free(kv);
	assert_int_equal(fake_conns(f, 2), 2);
	rdc_close(c);
}

static void writes_have_no_attempt_timeout(void **state)
{
	struct fake *f = *state;
	struct rdc_options o = {.deadline_ms = 400, .read_attempt_ms = 100};
	rdc_client *c;

	script(f, 0, 2, FAKE_SILENT, "", FAKE_REPLY, ENV(ONE, 2, 3));
	c = rdc_open(fake_addr(f, 0), &o);
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, NULL, NULL), RDC_UNCERTAIN);
	assert_int_equal(fake_count(f, 0), 1);
	rdc_close(c);
}

static void bad_mode_is_refused(void **state)
{
	struct fake *f = *state;
	struct rdc_kv *kv = (void *)1;
	rdc_client *c = client(fake_addr(f, 0), 2000);

	assert_int_equal(rdc_get(c, "k", 1, (enum rdc_consistency)7, &kv, NULL), RDC_INVALID);
	assert_null(kv);
	assert_int_equal(fake_count(f, 0), 0);
	rdc_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_modes_and_prefixes),
		cmocka_unit_test(five_element_envelope),
#define NET(t) cmocka_unit_test_setup_teardown(t, fake_setup, fake_teardown)
		NET(modes_are_spelled_out),
		NET(session_reads_carry_the_highest_index_seen),
		NET(stale_reply_carries_its_staleness),
		NET(any_node_reads_do_not_follow_moved),
		NET(lagging_node_is_skipped_for_the_next),
		NET(session_read_gives_up_when_every_node_lags),
		NET(envelope_must_match_the_mode),
		NET(follower_terms_are_not_checked_nor_learned),
		NET(silent_node_is_left_after_an_attempt),
		NET(writes_have_no_attempt_timeout),
		NET(bad_mode_is_refused),
#undef NET
	};

	signal(SIGPIPE, SIG_IGN); /* as the header asks of applications */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
