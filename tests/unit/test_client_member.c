/* test_client_member.c - libraftd's membership calls (client/member.c,
 * client/member_cmd.c) and the lag fields of status.
 *
 * On bytes: how RD.MEMBER and RD.TRANSFER are spelled, and that replies of
 * the wrong shape (a server list with a missing field, a zero id, a number
 * where a string belongs, ...) are refused as RDC_PROTOCOL instead of being
 * read past. Against the scripted fake server: a change follows -MOVED to
 * the leader and retries -TRYAGAIN (what removing the leader and a busy
 * configuration look like), is reported RDC_UNCERTAIN and never resent
 * when its answer is lost, a transfer is resent after a lost answer and
 * reports "did not move" as RDC_UNAVAILABLE, and status reports the lags
 * it was given, and "not known" for the ones it was not.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/command.h"
#include "client/member_cmd.h"
#include "raftd/client.h"
#include "test_client_fake.h"
#include "test_client_util.h"

/* ---- bytes ------------------------------------------------------------- */

static void encode_member_commands(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(rdc__enc_member(&b, RDC__MEMBER_ADD, 4, "h:1", "h:2"), 0);
	assert_memory_equal(b.data, "*5\r\n$9\r\nRD.MEMBER\r\n$3\r\nADD\r\n$1\r\n4\r\n"
			    "$3\r\nh:1\r\n$3\r\nh:2\r\n", b.len);
	buf_reset(&b);
	assert_int_equal(rdc__enc_member(&b, RDC__MEMBER_REMOVE, 12, NULL, NULL), 0);
	assert_memory_equal(b.data, "*3\r\n$9\r\nRD.MEMBER\r\n$6\r\nREMOVE\r\n$2\r\n12\r\n",
			    b.len);
	buf_reset(&b);
	assert_int_equal(rdc__enc_member_list(&b), 0);
	assert_memory_equal(b.data, "*2\r\n$9\r\nRD.MEMBER\r\n$4\r\nLIST\r\n", b.len);
	buf_reset(&b);
	assert_int_equal(rdc__enc_transfer(&b, 0), 0);
	assert_memory_equal(b.data, "*1\r\n$11\r\nRD.TRANSFER\r\n", b.len);
	buf_reset(&b);
	assert_int_equal(rdc__enc_transfer(&b, 3), 0);
	assert_memory_equal(b.data, "*2\r\n$11\r\nRD.TRANSFER\r\n$1\r\n3\r\n", b.len);
	buf_free(&b);
}

/* Parse raw (an enveloped reply) and decode it for op. -1 when the
 * envelope itself is wrong. */
static int decode(enum rdc__op op, const char *raw, struct rdc__result *res)
{
	struct resp_reply r;
	const struct resp_value *result;
	const char *perr;
	char err[160];
	int rc = -1;

	resp_reply_init(&r);
	rdc__result_init(res);
	assert_int_equal(resp_parse_reply(raw, strlen(raw), 1 << 20, 1000, &r,
					  &perr), (long)strlen(raw));
	if (rdc__envelope(&r.root, &result, &res->reply.meta) >= 0)
		rc = rdc__decode(op, result, NULL, 0, res, err, sizeof(err));
	resp_reply_free(&r); /* the block must not point into the reply */
	return rc;
}

#define SERVER(id, raft, client, role)                                       \
	"*4\r\n:" #id "\r\n$" raft "\r\n$" client "\r\n$" role "\r\n"

static void decode_member_list(void **state)
{
	struct rdc__result res;

	(void)state;
	assert_int_equal(decode(RDC__OP_MLIST,
				ENV("*2\r\n" SERVER(1, "3\r\na:1", "3\r\nb:1", "5\r\nvoter")
				    SERVER(4, "3\r\na:4", "0\r\n", "7\r\nstandby"), 7, 90),
				&res), RDC_OK);
	assert_int_equal(res.reply.nservers, 2);
	assert_int_equal(res.reply.meta.term, 7);
	assert_int_equal(res.reply.meta.index, 90);
	assert_int_equal(res.reply.servers[0].id, 1);
	assert_string_equal(res.reply.servers[0].raft_addr, "a:1");
	assert_string_equal(res.reply.servers[0].client_addr, "b:1");
	assert_string_equal(res.reply.servers[0].role, "voter");
	assert_int_equal(res.reply.servers[1].id, 4);
	assert_string_equal(res.reply.servers[1].client_addr, "");
	assert_string_equal(res.reply.servers[1].role, "standby");
	rdc__result_free(&res);

	assert_int_equal(decode(RDC__OP_MLIST, ENV("*0\r\n", 1, 1), &res), RDC_OK);
	assert_int_equal(res.reply.nservers, 0);
	assert_null(res.reply.servers);
	rdc__result_free(&res);
}

static void refuse_malformed_member_replies(void **state)
{
	static const char *const lists[] = {
		ENV(":3\r\n", 1, 1),                                  /* no array */
		ENV("*1\r\n*3\r\n:1\r\n$1\r\na\r\n$1\r\nb\r\n", 1, 1), /* 3 fields */
		ENV("*1\r\n" SERVER(0, "1\r\na", "1\r\nb", "5\r\nvoter"), 1, 1),
		ENV("*1\r\n*4\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", 1, 1),
		ENV("*1\r\n*4\r\n:1\r\n$1\r\na\r\n:2\r\n$1\r\nc\r\n", 1, 1),
		ENV("*1\r\n*4\r\n:-2\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", 1, 1),
		ENV("*2\r\n" SERVER(1, "1\r\na", "1\r\nb", "5\r\nvoter") ":1\r\n", 1, 1),
	};
	struct rdc__result res;

	(void)state;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		assert_int_equal(decode(RDC__OP_MLIST, lists[i], &res), RDC_PROTOCOL);
		assert_null(res.block);
	}
	assert_int_equal(decode(RDC__OP_MEMBER, ENV("+OK\r\n", 2, 3), &res), RDC_OK);
	assert_int_equal(decode(RDC__OP_MEMBER, ENV("+NO\r\n", 2, 3), &res), RDC_PROTOCOL);
	assert_int_equal(decode(RDC__OP_MEMBER, ENV(":1\r\n", 2, 3), &res), RDC_PROTOCOL);
	assert_int_equal(decode(RDC__OP_TRANSFER, ENV(":3\r\n", 2, 3), &res), RDC_OK);
	assert_int_equal(res.reply.integer, 3);
	assert_int_equal(decode(RDC__OP_TRANSFER, ENV(":0\r\n", 2, 3), &res), RDC_PROTOCOL);
	assert_int_equal(decode(RDC__OP_TRANSFER, ENV("+3\r\n", 2, 3), &res), RDC_PROTOCOL);
	/* the reply of an older server, without the envelope */
	assert_int_equal(decode(RDC__OP_MEMBER, "+OK\r\n", &res), -1);
}

/* Random replies of every shape near the valid ones (arrays of arrays of
 * ints, strings, nils, empty and nested arrays) must decode to RDC_OK or
 * RDC_PROTOCOL, never be read past their ends (the sanitizers watch), and
 * an accepted server list must hold readable entries. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

static void random_value(struct buf *b, int depth)
{
	static const char *const words[] = {"OK", "voter", "", "a:1", "-"};

	switch (rnd(depth < 2 ? 6 : 4)) {
	case 0: resp_w_int(b, (long long)rnd(5) - 1); break;
	case 1: resp_w_bulk_str(b, words[rnd(5)]); break;
	case 2: resp_w_simple(b, words[rnd(2)]); break;
	case 3: resp_w_nil(b); break;
	default: {
		unsigned n = rnd(6);

		resp_w_array(b, n);
		for (unsigned i = 0; i < n; i++)
			random_value(b, depth + 1);
	}
	}
}

static void random_replies_never_read_past_the_reply(void **state)
{
	static const enum rdc__op ops[] = {RDC__OP_MEMBER, RDC__OP_MLIST,
					   RDC__OP_TRANSFER};
	unsigned accepted = 0;

	(void)state;
	for (int iter = 0; iter < 3000; iter++) {
		struct resp_reply r;
		struct rdc__result res;
		const char *perr;
		char err[160];
		struct buf b;
		int st;

		buf_init(&b);
		random_value(&b, 0);
		resp_reply_init(&r);
		assert_int_equal(resp_parse_reply(b.data, b.len, 1 << 20, 1000,
						  &r, &perr), (long)b.len);
		rdc__result_init(&res);
		st = rdc__decode_member(ops[iter % 3], &r.root, &res, err,
					sizeof(err));
		resp_reply_free(&r);
		buf_free(&b);
		assert_true(st == RDC_OK || st == RDC_PROTOCOL);
		for (size_t i = 0; st == RDC_OK && i < res.reply.nservers; i++) {
			const struct rdc_server *sv = &res.reply.servers[i];

			assert_true(sv->id > 0);
			assert_true(strlen(sv->raft_addr) + strlen(sv->client_addr) +
				    strlen(sv->role) < 64);
		}
		accepted += st == RDC_OK;
		rdc__result_free(&res);
	}
	assert_true(accepted > 0); /* the generator reaches valid shapes */
}

/* A status member's field/value pairs as RD.STATUS sends them. */
#define PAIR(k, v) "$" k "\r\n$" v "\r\n"

static void decode_status_lags(void **state)
{
	struct rdc__result res;

	(void)state;
	assert_int_equal(decode(RDC__OP_STATUS, ENV(
		"*3\r\n"
		"*10\r\n" PAIR("2\r\nid", "1\r\n4") PAIR("9\r\nreachable", "3\r\nyes")
		PAIR("10\r\ncontact_ms", "2\r\n35") PAIR("11\r\nlag_entries", "2\r\n12")
		PAIR("6\r\nlag_ms", "3\r\n250")
		"*8\r\n" PAIR("2\r\nid", "1\r\n5") PAIR("9\r\nreachable", "2\r\nno")
		PAIR("11\r\nlag_entries", "1\r\n-") PAIR("6\r\nlag_ms", "1\r\n-")
		/* just added: entries behind known, time not yet */
		"*8\r\n" PAIR("2\r\nid", "1\r\n6") PAIR("9\r\nreachable", "3\r\nyes")
		PAIR("11\r\nlag_entries", "1\r\n9") PAIR("6\r\nlag_ms", "1\r\n-"),
		3, 40), &res), RDC_OK);
	assert_int_equal(res.reply.nmembers, 3);
	assert_int_equal(res.reply.members[0].id, 4);
	assert_int_equal(res.reply.members[0].lag_known, 1);
	assert_int_equal(res.reply.members[0].lag_entries, 12);
	assert_int_equal(res.reply.members[0].lag_ms, 250);
	assert_int_equal(res.reply.members[0].contact_ms, 35);
	assert_int_equal(res.reply.members[1].lag_known, 0);
	assert_int_equal(res.reply.members[1].lag_entries, 0);
	assert_int_equal(res.reply.members[2].lag_known, 0);
	assert_int_equal(res.reply.members[2].lag_entries, 9);
	rdc__result_free(&res);
}

/* ---- against the fake server ------------------------------------------- */

static void change_follows_moved_to_the_leader(void **state)
{
	struct fake *f = *state;
	char moved[64];
	struct rdc_meta meta;
	rdc_client *c;

	/* What removing the leader looks like: it hands over, then
	 * redirects the removal to the new leader. */
	snprintf(moved, sizeof(moved), "-MOVED 0 %s\r\n", fake_addr(f, 1));
	script(f, 0, 1, FAKE_REPLY, moved);
	script(f, 1, 1, FAKE_REPLY, ENV("+OK\r\n", 6, 77));
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_member_remove(c, 1, &meta), RDC_OK);
	assert_int_equal(meta.term, 6);
	assert_int_equal(meta.index, 77);
	assert_string_equal(meta.served_by, fake_addr(f, 1));
	assert_request(f, 0, 0, "RD.MEMBER REMOVE 1");
	assert_request(f, 1, 0, "RD.MEMBER REMOVE 1");
	assert_int_equal(rdc_last_index(c), 77);
	rdc_close(c);
}

static void change_in_progress_is_retried(void **state)
{
	struct fake *f = *state;
	struct rdc_meta meta;
	rdc_client *c;

	script(f, 0, 3, FAKE_REPLY, "-TRYAGAIN another membership change is in progress\r\n",
	       FAKE_REPLY, "-TRYAGAIN another membership change is in progress\r\n",
	       FAKE_REPLY, ENV("+OK\r\n", 2, 30));
	c = client(fake_addr(f, 0), 3000);
	assert_int_equal(rdc_member_add(c, 4, "127.0.0.1:7104", "127.0.0.1:7004",
					&meta), RDC_OK);
	assert_int_equal(meta.index, 30);
	assert_int_equal(fake_count(f, 0), 3);
	assert_request(f, 0, 2, "RD.MEMBER ADD 4 127.0.0.1:7104 127.0.0.1:7004");
	rdc_close(c);
}

static void lost_change_is_uncertain_and_not_resent(void **state)
{
	struct fake *f = *state;
	struct rdc_meta meta;
	rdc_client *c;

	script(f, 0, 2, FAKE_CLOSE, "", FAKE_REPLY, ENV("+OK\r\n", 1, 1));
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_member_promote(c, 4, &meta), RDC_UNCERTAIN);
	assert_int_equal(meta.index, 0);
	usleep(200 * 1000); /* time for a (wrong) resend to arrive */
	assert_int_equal(fake_count(f, 0), 1);
	rdc_close(c);
}

static void refused_change_is_bad_request(void **state)
{
	struct fake *f = *state;
	rdc_client *c;

	script(f, 0, 1, FAKE_REPLY, "-ERR no member 9 in the configuration\r\n");
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_member_demote(c, 9, NULL), RDC_BADREQUEST);
	assert_non_null(strstr(rdc_errmsg(c), "no member 9"));
	assert_int_equal(rdc_member_add(c, 0, "a:1", "b:1", NULL), RDC_INVALID);
	assert_int_equal(rdc_member_add(c, 5, "", "b:1", NULL), RDC_INVALID);
	assert_int_equal(fake_count(f, 0), 1); /* nothing sent for those */
	rdc_close(c);
}

static void transfer_is_resent_after_a_lost_answer(void **state)
{
	struct fake *f = *state;
	struct rdc_meta meta;
	uint64_t leader = 99;
	rdc_client *c;

	script(f, 0, 2, FAKE_CLOSE, "", FAKE_REPLY, ENV(":2\r\n", 8, 120));
	c = client(fake_addr(f, 0), 3000);
	assert_int_equal(rdc_transfer(c, 2, &leader, &meta), RDC_OK);
	assert_int_equal(leader, 2);
	assert_int_equal(meta.term, 8);
	assert_int_equal(fake_count(f, 0), 2);
	assert_request(f, 0, 1, "RD.TRANSFER 2");
	rdc_close(c);
}

static void transfer_that_does_not_move_is_unavailable(void **state)
{
	struct fake *f = *state;
	/* backoffs long enough that the script outlasts the deadline */
	struct rdc_options o = {.deadline_ms = 400, .backoff_base_ms = 40,
				.backoff_cap_ms = 100};
	uint64_t leader = 99;
	rdc_client *c;
	struct fake_step steps[16];

	for (size_t i = 0; i < 16; i++)
		steps[i] = (struct fake_step){FAKE_REPLY,
			"-TRYAGAIN leadership did not move\r\n"};
	fake_script(f, 0, steps, 16);
	c = rdc_open(fake_addr(f, 0), &o);
	assert_non_null(c);
	assert_int_equal(rdc_transfer(c, 0, &leader, NULL), RDC_UNAVAILABLE);
	assert_int_equal(leader, 0);
	assert_non_null(strstr(rdc_errmsg(c), "did not move"));
	assert_request(f, 0, 0, "RD.TRANSFER");
	rdc_close(c);
}

static void member_list_is_returned_to_the_caller(void **state)
{
	struct fake *f = *state;
	struct rdc_server *ss = (void *)1;
	struct rdc_meta meta;
	size_t n = 99;
	rdc_client *c;

	script(f, 0, 1, FAKE_REPLY,
	       ENV("*1\r\n" SERVER(3, "3\r\na:3", "3\r\nb:3", "5\r\nspare"), 4, 50));
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_member_list(c, &ss, &n, &meta), RDC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ss[0].id, 3);
	assert_string_equal(ss[0].role, "spare");
	assert_int_equal(meta.index, 50);
	rdc_member_list_free(ss);
	assert_int_equal(rdc_member_list(c, NULL, &n, &meta), RDC_INVALID);
	assert_int_equal(rdc_errcode(c), RDC_INVALID);
	/* script exhausted: -ERR, and the outputs are cleared */
	assert_int_equal(rdc_member_list(c, &ss, &n, &meta), RDC_BADREQUEST);
	assert_null(ss);
	assert_int_equal(n, 0);
	rdc_close(c);
}

/* The asynchronous forms: pipelined on one connection, results in the
 * callback's struct rdc_reply, each callback exactly once. */
struct async_out {
	int calls;
	int status;
	int64_t integer;
	uint64_t index;
	size_t nservers;
	char role[16];
};

static void on_async(rdc_async_req *req, int status, const struct rdc_reply *r)
{
	struct async_out *o = rdc_async_req_data(req);

	o->calls++;
	o->status = status;
	o->integer = r->integer;
	o->index = r->meta.index;
	o->nservers = r->nservers;
	if (r->nservers > 0)
		snprintf(o->role, sizeof(o->role), "%s", r->servers[0].role);
}

static void async_calls_report_through_the_callback(void **state)
{
	struct fake *f = *state;
	struct async_out out[3] = {{0}};
	uv_loop_t loop;
	rdc_async *a;

	script(f, 0, 3, FAKE_REPLY, ENV("+OK\r\n", 3, 21),
	       FAKE_REPLY, ENV("*1\r\n" SERVER(7, "3\r\na:7", "3\r\nb:7", "7\r\nstandby"), 3, 21),
	       FAKE_REPLY, ENV(":2\r\n", 4, 22));
	uv_loop_init(&loop);
	a = rdc_async_open(&loop, fake_addr(f, 0), NULL);
	assert_int_equal(rdc_async_errcode(a), RDC_OK);
	assert_int_equal(rdc_async_member_add(a, 7, "a:7", "b:7", on_async, &out[0]), RDC_OK);
	assert_int_equal(rdc_async_member_list(a, on_async, &out[1]), RDC_OK);
	assert_int_equal(rdc_async_transfer(a, 0, on_async, &out[2]), RDC_OK);
	/* refused at once, and then no callback */
	assert_int_equal(rdc_async_member_promote(a, 0, on_async, &out[0]), RDC_INVALID);
	while (out[2].calls == 0)
		uv_run(&loop, UV_RUN_ONCE);
	assert_int_equal(out[0].calls, 1);
	assert_int_equal(out[0].status, RDC_OK);
	assert_int_equal(out[0].index, 21);
	assert_int_equal(out[1].status, RDC_OK);
	assert_int_equal(out[1].nservers, 1);
	assert_string_equal(out[1].role, "standby");
	assert_int_equal(out[2].status, RDC_OK);
	assert_int_equal(out[2].integer, 2);
	assert_request(f, 0, 2, "RD.TRANSFER");
	rdc_async_close(a, NULL, NULL);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_member_commands),
		cmocka_unit_test(decode_member_list),
		cmocka_unit_test(refuse_malformed_member_replies),
		cmocka_unit_test(decode_status_lags),
		cmocka_unit_test(random_replies_never_read_past_the_reply),
#define NET(t) cmocka_unit_test_setup_teardown(t, fake_setup, fake_teardown)
		NET(change_follows_moved_to_the_leader),
		NET(change_in_progress_is_retried),
		NET(lost_change_is_uncertain_and_not_resent),
		NET(refused_change_is_bad_request),
		NET(transfer_is_resent_after_a_lost_answer),
		NET(transfer_that_does_not_move_is_unavailable),
		NET(member_list_is_returned_to_the_caller),
		NET(async_calls_report_through_the_callback),
#undef NET
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
