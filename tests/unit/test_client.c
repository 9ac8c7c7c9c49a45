/* test_client.c - unit tests for libraftd (client/).
 *
 * First the pure parts on bytes (endpoint lists, backoff bounds, request
 * encoding, reply decoding); then the rules a user relies on, exercised
 * against the scripted fake server in test_client_fake.c: redirects are
 * followed, refusals retried, a write whose answer is lost is reported as
 * RDC_UNCERTAIN and never sent twice, stale terms are refused, deadlines
 * hold, pipelined requests are answered in order, and closing a handle
 * with requests in flight settles each of them exactly once.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/backoff.h"
#include "client/command.h"
#include "client/endpoint.h"
#include "raftd/client.h"
#include "test_client_fake.h"
#include "test_client_util.h"

/* ---- pure parts -------------------------------------------------------- */

static void endpoints_parse(void **state)
{
	struct rdc__addr *a;
	size_t n;
	char err[128];

	(void)state;
	assert_int_equal(rdc__addr_list_parse("127.0.0.1:7001,localhost:7002",
					      &a, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(a[0].text, "127.0.0.1:7001");
	assert_int_equal(ntohs(a[1].sa.sin_port), 7002);
	assert_int_equal(ntohl(a[1].sa.sin_addr.s_addr), INADDR_LOOPBACK);
	free(a);

	static const char *const bad[] = {
		"", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:70x", "example.com:7001", "127.0.0.1:7001,",
		":7001", "127.0.0.1:7001,,127.0.0.1:7002"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(rdc__addr_list_parse(bad[i], &a, &n, err,
						      sizeof(err)), -1);
		assert_null(a);
		assert_true(strlen(err) > 0);
	}
}

static void open_invalid_endpoints(void **state)
{
	rdc_client *c = rdc_open("127.0.0.1:notaport", NULL);
	struct rdc_meta meta = {.term = 1, .index = 1};

	(void)state;
	assert_non_null(c);
	assert_int_equal(rdc_errcode(c), RDC_INVALID);
	assert_non_null(strstr(rdc_errmsg(c), "127.0.0.1:notaport"));
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, NULL, &meta), RDC_INVALID);
	assert_int_equal(meta.term, 0);
	assert_non_null(strstr(rdc_errmsg(c), "port"));
	rdc_close(c);
}

static void backoff_bounds(void **state)
{
	uint64_t rng;

	(void)state;
	rdc__rand_seed(&rng, 42);
	for (int i = 0; i < 1000; i++) {
		unsigned attempt = (unsigned)(i % 12) + 1;
		uint64_t d = 10ULL << (attempt - 1);
		uint64_t got;

		if (d > 500)
			d = 500;
		got = rdc__backoff_ms(attempt, 10, 500, &rng);
		assert_true(got >= d / 2 && got <= d);
	}
	/* Huge attempt counts must not overflow past the cap. */
	assert_true(rdc__backoff_ms(1000, 10, 500, &rng) <= 500);
}

static void encode_commands(void **state)
{
	struct buf b;
	const char *keys[2] = {"a", "bc"};
	size_t klens[2] = {1, 2};

	(void)state;
	buf_init(&b);
	assert_int_equal(rdc__enc_put(&b, "k", 1, "v", 1, RDC_PUT_NX), 0);
	assert_int_equal(b.len, strlen("*4\r\n$6\r\nRD.PUT\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nNX\r\n"));
	assert_memory_equal(b.data, "*4\r\n$6\r\nRD.PUT\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nNX\r\n", b.len);
	buf_reset(&b);
	assert_int_equal(rdc__enc_list(&b, "p", 1, "p9", 2, 50), 0);
	assert_memory_equal(b.data,
			    "*6\r\n$7\r\nRD.LIST\r\n$1\r\np\r\n$5\r\nLIMIT\r\n$2\r\n50\r\n$5\r\nAFTER\r\n$2\r\np9\r\n",
			    b.len);
	buf_reset(&b);
	assert_int_equal(rdc__enc_del(&b, 2, keys, klens), 0);
	assert_memory_equal(b.data, "*3\r\n$6\r\nRD.DEL\r\n$1\r\na\r\n$2\r\nbc\r\n", b.len);
	buf_reset(&b);
	assert_int_equal(rdc__enc_incrby(&b, "n", 1, -5), 0);
	assert_memory_equal(b.data, "*3\r\n$9\r\nRD.INCRBY\r\n$1\r\nn\r\n$2\r\n-5\r\n", b.len);
	buf_free(&b);
}

/* Parse raw as one reply, split the envelope, decode for op. */
static int decode(enum rdc__op op, const char *raw, struct rdc__result *res,
		  struct resp_reply *r)
{
	const struct resp_value *result;
	const char *perr;
	char err[160];

	assert_int_equal(resp_parse_reply(raw, strlen(raw), 1 << 20, 1000, r,
					  &perr), (long)strlen(raw));
	if (rdc__envelope(&r->root, &result, &res->reply.meta) < 0)
		return -1;
	return rdc__decode(op, result, "key", 3, res, err, sizeof(err));
}

static void decode_replies(void **state)
{
	struct resp_reply r;
	struct rdc__result res;

	(void)state;
	resp_reply_init(&r);
	rdc__result_init(&res);
	assert_int_equal(decode(RDC__OP_GET, ENV("*3\r\n$5\r\nhello\r\n:3\r\n:4\r\n", 2, 9), &res, &r), RDC_OK);
	assert_int_equal(res.reply.meta.term, 2);
	assert_int_equal(res.reply.meta.index, 9);
	assert_string_equal(res.reply.kv->key, "key");
	assert_string_equal(res.reply.kv->value, "hello");
	assert_int_equal(res.reply.kv->create_index, 3);
	assert_int_equal(res.reply.kv->mod_index, 4);
	rdc__result_free(&res);

	rdc__result_init(&res);
	assert_int_equal(decode(RDC__OP_GET, ENV(NIL, 2, 9), &res, &r), RDC_NOTFOUND);
	assert_int_equal(decode(RDC__OP_PUT, ENV(ZERO, 2, 9), &res, &r), RDC_CONDITION);
	assert_int_equal(decode(RDC__OP_CAS, ENV(ONE, 2, 9), &res, &r), RDC_OK);
	assert_int_equal(decode(RDC__OP_INCRBY, ENV(":-12\r\n", 2, 9), &res, &r), RDC_OK);
	assert_int_equal(res.reply.integer, -12);

	assert_int_equal(decode(RDC__OP_LIST, ENV("*2\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n:5\r\n:6\r\n*4\r\n$1\r\nb\r\n$0\r\n\r\n:7\r\n:8\r\n", 3, 10), &res, &r), RDC_OK);
	assert_int_equal(res.reply.nitems, 2);
	assert_string_equal(res.reply.items[0].key, "a");
	assert_string_equal(res.reply.items[0].value, "1");
	assert_int_equal(res.reply.items[1].vlen, 0);
	assert_int_equal(res.reply.items[1].mod_index, 8);
	rdc__result_free(&res);

	rdc__result_init(&res);
	assert_int_equal(decode(RDC__OP_STATUS, ENV("*1\r\n*8\r\n$2\r\nid\r\n$1\r\n2\r\n$5\r\nstate\r\n$6\r\nleader\r\n$9\r\nreachable\r\n$3\r\nyes\r\n$3\r\nnew\r\n$1\r\nx\r\n", 3, 10), &res, &r), RDC_OK);
	assert_int_equal(res.reply.nmembers, 1);
	assert_int_equal(res.reply.members[0].id, 2);
	assert_string_equal(res.reply.members[0].state, "leader");
	assert_string_equal(res.reply.members[0].raft_addr, "");
	assert_int_equal(res.reply.members[0].reachable, 1);
	rdc__result_free(&res);

	/* An unreachable member's numbers are "-": unknown, read as 0. */
	rdc__result_init(&res);
	assert_int_equal(decode(RDC__OP_STATUS, ENV("*1\r\n*6\r\n$2\r\nid\r\n$1\r\n3\r\n$4\r\nterm\r\n$1\r\n-\r\n$9\r\nreachable\r\n$2\r\nno\r\n", 3, 10), &res, &r), RDC_OK);
	assert_int_equal(res.reply.members[0].id, 3);
	assert_int_equal(res.reply.members[0].term, 0);
	assert_int_equal(res.reply.members[0].reachable, 0);
	rdc__result_free(&res);

	/* Wrong shapes are protocol errors, never crashes. */
	rdc__result_init(&res);
	assert_int_equal(decode(RDC__OP_GET, ENV("*2\r\n$1\r\nx\r\n:1\r\n", 1, 1), &res, &r), RDC_PROTOCOL);
	assert_int_equal(decode(RDC__OP_PUT, ENV(":7\r\n", 1, 1), &res, &r), RDC_PROTOCOL);
	assert_int_equal(decode(RDC__OP_LIST, ENV("*1\r\n*3\r\n$1\r\na\r\n$1\r\n1\r\n:5\r\n", 1, 1), &res, &r), RDC_PROTOCOL);
	assert_int_equal(decode(RDC__OP_STATUS, ENV("*1\r\n*1\r\n$2\r\nid\r\n", 1, 1), &res, &r), RDC_PROTOCOL);
	assert_int_equal(decode(RDC__OP_STATUS, ENV("*1\r\n*2\r\n$2\r\nid\r\n*0\r\n", 1, 1), &res, &r), RDC_PROTOCOL);
	assert_int_equal(decode(RDC__OP_PUT, "*3\r\n:1\r\n:-1\r\n:1\r\n", &res, &r), -1);
	assert_int_equal(decode(RDC__OP_PUT, "*2\r\n:1\r\n:1\r\n", &res, &r), -1);
	assert_null(res.block);
	resp_reply_free(&r);
}

static void classify_errors(void **state)
{
	struct resp_value v = {.type = RESP_T_ERROR};
	struct rdc__addr to;

	(void)state;
#define ERRV(s) (v.str = (s), v.len = strlen(s), &v)
	assert_int_equal(rdc__err_classify(ERRV("MOVED 0 127.0.0.1:7002")), RDC__ERR_MOVED);
	assert_int_equal(rdc__moved_addr(&v, &to), 0);
	assert_string_equal(to.text, "127.0.0.1:7002");
	assert_int_equal(rdc__err_classify(ERRV("TRYAGAIN no leader")), RDC__ERR_TRYAGAIN);
	assert_int_equal(rdc__err_classify(ERRV("BUSY")), RDC__ERR_BUSY);
	assert_int_equal(rdc__err_classify(ERRV("UNCERTAIN lost leadership")), RDC__ERR_UNCERTAIN);
	assert_int_equal(rdc__err_classify(ERRV("TOOLARGE value")), RDC__ERR_BAD);
	assert_int_equal(rdc__err_classify(ERRV("ERR wrong arity")), RDC__ERR_BAD);
	assert_int_equal(rdc__err_classify(ERRV("ERRATIC")), RDC__ERR_OTHER);
	assert_int_equal(rdc__moved_addr(ERRV("MOVED 0"), &to), -1);
	assert_int_equal(rdc__moved_addr(ERRV("MOVED 0 nohost:1"), &to), -1);
#undef ERRV
}

/* ---- blocking client against the fake server --------------------------- */

static void moved_is_followed_and_leader_remembered(void **state)
{
	struct fake *f = *state;
	char moved[64], ends[64];
	struct rdc_meta meta;
	struct rdc_kv *kv;
	rdc_client *c;

	/* Node 1 is not in the endpoint list: the redirect alone leads there. */
	snprintf(moved, sizeof(moved), "-MOVED 0 %s\r\n", fake_addr(f, 1));
	script(f, 0, 1, FAKE_REPLY, moved);
	script(f, 1, 2, FAKE_REPLY, ENV(ONE, 4, 11),
	       FAKE_REPLY, ENV("*3\r\n$1\r\nv\r\n:11\r\n:11\r\n", 4, 12));
	snprintf(ends, sizeof(ends), "%s", fake_addr(f, 0));
	c = client(ends, 2000);
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, NULL, &meta), RDC_OK);
	assert_int_equal(meta.term, 4);
	assert_int_equal(meta.index, 11);
	assert_int_equal(rdc_get(c, "k", 1, RDC_LINEARIZABLE, &kv, &meta), RDC_OK);
	assert_string_equal(kv->value, "v");
	assert_int_equal(meta.index, 12);
	rdc_free(kv);
	assert_int_equal(fake_count(f, 0), 1); /* the get went straight to 1 */
	assert_request(f, 1, 0, "RD.PUT k v");
	assert_request(f, 1, 1, "RD.GET k LINEARIZABLE");
	rdc_close(c);
}

static void tryagain_and_busy_are_retried(void **state)
{
	struct fake *f = *state;
	struct rdc_meta meta;
	rdc_client *c;

	script(f, 0, 4, FAKE_REPLY, "-TRYAGAIN election in progress\r\n",
	       FAKE_REPLY, "-BUSY too many pending proposals\r\n",
	       FAKE_REPLY, "-TRYAGAIN no leader\r\n",
	       FAKE_REPLY, ENV(ONE, 2, 5));
	c = client(fake_addr(f, 0), 3000);
	assert_int_equal(rdc_cas(c, "k", 1, "a", 1, "b", 1, NULL, &meta), RDC_OK);
	assert_int_equal(meta.index, 5);
	assert_int_equal(fake_count(f, 0), 4);
	for (size_t i = 0; i < 4; i++)
		assert_request(f, 0, i, "RD.CAS k a b");
	rdc_close(c);
}

static void refused_endpoint_is_skipped(void **state)
{
	struct fake *f = *state;
	char ends[64];
	struct rdc_meta meta;
	uint64_t removed;
	const char *keys[2] = {"a", "b"};
	size_t klens[2] = {1, 1};
	rdc_client *c;

	script(f, 0, 1, FAKE_REPLY, ENV(":1\r\n", 3, 8));
	snprintf(ends, sizeof(ends), "127.0.0.1:%u,%s", fake_dead_port(),
		 fake_addr(f, 0));
	c = client(ends, 3000);
	assert_int_equal(rdc_del(c, 2, keys, klens, NULL, &removed, &meta), RDC_OK);
	assert_int_equal(removed, 1);
	assert_int_equal(meta.term, 3);
	assert_request(f, 0, 0, "RD.DEL a b");
	rdc_close(c);
}

static void write_is_uncertain_when_connection_drops(void **state)
{
	struct fake *f = *state;
	struct rdc_meta meta = {.term = 9, .index = 9};
	rdc_client *c;

	script(f, 0, 2, FAKE_CLOSE, "", FAKE_REPLY, ENV(ONE, 1, 1));
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, NULL, &meta), RDC_UNCERTAIN);
	assert_int_equal(meta.term, 0);
	assert_non_null(strstr(rdc_errmsg(c), "may or may not"));
	/* Give a (wrong) resend time to arrive: it must not. */
	usleep(200 * 1000);
	assert_int_equal(fake_count(f, 0), 1);
	rdc_close(c);
}

static void idle_connection_closed_by_server_is_not_uncertain(void **state)
{
	struct fake *f = *state;
	struct rdc_meta meta;
	rdc_client *c;

	/* The server closes the connection after answering (a restart): the
	 * next write must go on a new connection, not into the dead one. */
	script(f, 0, 2, FAKE_REPLY_CLOSE, ENV(ONE, 1, 1),
	       FAKE_REPLY, ENV(ONE, 1, 2));
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_put(c, "k", 1, "a", 1, 0, NULL, NULL), RDC_OK);
	usleep(100 * 1000);
	assert_int_equal(rdc_put(c, "k", 1, "b", 1, 0, NULL, &meta), RDC_OK);
	assert_int_equal(meta.index, 2);
	assert_int_equal(fake_conns(f, 0), 2);
	rdc_close(c);
}

static void read_is_retried_when_connection_drops(void **state)
{
	struct fake *f = *state;
	struct rdc_kv *kv;
	rdc_client *c;

	script(f, 0, 2, FAKE_CLOSE, "",
	       FAKE_REPLY, ENV("*3\r\n$2\r\nv2\r\n:1\r\n:2\r\n", 1, 2));
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_get(c, "k", 1, RDC_LINEARIZABLE, &kv, NULL), RDC_OK);
	assert_string_equal(kv->value, "v2");
	rdc_free(kv);
	assert_int_equal(fake_count(f, 0), 2);
	assert_int_equal(fake_conns(f, 0), 2);
	rdc_close(c);
}

static void garbage_reply_breaks_only_the_connection(void **state)
{
	struct fake *f = *state;
	struct rdc_kv *kv;
	rdc_client *c;

	/* A reply that is not RESP: the stream cannot be trusted any more, so
	 * the connection goes; the read is retried on a new one, the write
	 * (already sent) is uncertain. */
	script(f, 0, 3, FAKE_REPLY, "!bogus\r\n",
	       FAKE_REPLY, ENV("*3\r\n$1\r\nv\r\n:1\r\n:1\r\n", 1, 1),
	       FAKE_REPLY, "*3\r\n:1\r\n:abc\r\n");
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_get(c, "k", 1, RDC_LINEARIZABLE, &kv, NULL), RDC_OK);
	assert_string_equal(kv->value, "v");
	rdc_free(kv);
	assert_int_equal(rdc_put(c, "k", 1, "w", 1, 0, NULL, NULL), RDC_UNCERTAIN);
	assert_non_null(strstr(rdc_errmsg(c), "protocol error"));
	assert_int_equal(fake_count(f, 0), 3);
	assert_int_equal(fake_conns(f, 0), 2);
	rdc_close(c);
}

static void malformed_write_reply_is_uncertain(void **state)
{
	struct fake *f = *state;
	struct rdc_kv *kv;
	rdc_client *c;

	/* Valid RESP of the wrong shape: the write was acted on, its result
	 * unreadable; a read just fails. Neither breaks the connection. */
	script(f, 0, 2, FAKE_REPLY, ENV(":7\r\n", 1, 1),
	       FAKE_REPLY, ENV("+OK\r\n", 1, 1));
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, NULL, NULL), RDC_UNCERTAIN);
	assert_non_null(strstr(rdc_errmsg(c), "malformed reply"));
	assert_int_equal(rdc_get(c, "k", 1, RDC_LINEARIZABLE, &kv, NULL), RDC_PROTOCOL);
	assert_null(kv);
	assert_int_equal(fake_count(f, 0), 2);
	assert_int_equal(fake_conns(f, 0), 1);
	rdc_close(c);
}

static void server_uncertain_is_uncertain(void **state)
{
	struct fake *f = *state;
	int64_t v = 7;
	rdc_client *c;

	script(f, 0, 1, FAKE_REPLY, "-UNCERTAIN leadership lost\r\n");
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_incrby(c, "n", 1, 3, NULL, &v, NULL), RDC_UNCERTAIN);
	assert_int_equal(v, 0);
	assert_non_null(strstr(rdc_errmsg(c), "leadership lost"));
	usleep(100 * 1000);
	assert_int_equal(fake_count(f, 0), 1);
	rdc_close(c);
}

static void bad_request_is_not_retried(void **state)
{
	struct fake *f = *state;
	int64_t v;
	rdc_client *c;

	script(f, 0, 1, FAKE_REPLY, "-ERR value is not an integer\r\n");
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_incrby(c, "n", 1, 1, NULL, &v, NULL), RDC_BADREQUEST);
	assert_non_null(strstr(rdc_errmsg(c), "value is not an integer"));
	assert_int_equal(fake_count(f, 0), 1);
	rdc_close(c);
}

static void stale_term_is_refused(void **state)
{
	struct fake *f = *state;
	char ends[64];
	struct rdc_kv *kv;
	struct rdc_meta meta;
	rdc_client *c;

	/* Node 0 serves at term 5, then answers from term 3 (deposed): the
	 * read goes to node 1, the write is uncertain. */
	script(f, 0, 3, FAKE_REPLY, ENV(ONE, 5, 10),
	       FAKE_REPLY, ENV("*3\r\n$3\r\nold\r\n:1\r\n:1\r\n", 3, 4),
	       FAKE_REPLY, ENV(ONE, 3, 5));
	script(f, 1, 1, FAKE_REPLY, ENV("*3\r\n$3\r\nnew\r\n:1\r\n:10\r\n", 5, 10));
	snprintf(ends, sizeof(ends), "%s,%s", fake_addr(f, 0), fake_addr(f, 1));
	c = client(ends, 2000);
	assert_int_equal(rdc_put(c, "k", 1, "new", 3, 0, NULL, &meta), RDC_OK);
	assert_int_equal(meta.term, 5);
	assert_int_equal(rdc_get(c, "k", 1, RDC_LINEARIZABLE, &kv, &meta), RDC_OK);
	assert_string_equal(kv->value, "new");
	assert_int_equal(meta.term, 5);
	rdc_free(kv);
	assert_int_equal(fake_count(f, 0), 2);
	rdc_close(c);

	/* A write answered from an older term than seen: uncertain. */
	script(f, 0, 2, FAKE_REPLY, ENV(ONE, 5, 10), FAKE_REPLY, ENV(ONE, 4, 11));
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_put(c, "k", 1, "a", 1, 0, NULL, NULL), RDC_OK);
	assert_int_equal(rdc_put(c, "k", 1, "b", 1, 0, NULL, &meta), RDC_UNCERTAIN);
	assert_non_null(strstr(rdc_errmsg(c), "term 4"));
	assert_int_equal(fake_count(f, 0), 2);
	rdc_close(c);
}

static void read_deadline_is_honoured(void **state)
{
	struct fake *f = *state;
	struct rdc_kv *kv;
	uint64_t t0, dt;
	rdc_client *c;

	script(f, 0, 1, FAKE_SILENT, "");
	c = client(fake_addr(f, 0), 300);
	t0 = now_ms();
	assert_int_equal(rdc_get(c, "k", 1, RDC_LINEARIZABLE, &kv, NULL), RDC_TIMEOUT);
	dt = now_ms() - t0;
	assert_null(kv);
	assert_true(dt >= 290 && dt < 3000);
	rdc_close(c);
}

static void timed_out_connection_is_abandoned(void **state)
{
	struct fake *f = *state;
	struct rdc_kv *kv;
	rdc_client *c;

	/* The first read is never answered. The next must not queue behind
	 * it on the same connection (replies come in order): it goes on a new
	 * one and is answered. */
	script(f, 0, 2, FAKE_SILENT, "",
	       FAKE_REPLY, ENV("*3\r\n$1\r\nv\r\n:1\r\n:1\r\n", 1, 1));
	c = client(fake_addr(f, 0), 300);
	assert_int_equal(rdc_get(c, "k", 1, RDC_LINEARIZABLE, &kv, NULL), RDC_TIMEOUT);
	assert_int_equal(rdc_get(c, "k", 1, RDC_LINEARIZABLE, &kv, NULL), RDC_OK);
	assert_string_equal(kv->value, "v");
	rdc_free(kv);
	assert_int_equal(fake_conns(f, 0), 2);
	rdc_close(c);
}

static void write_deadline_is_uncertain(void **state)
{
	struct fake *f = *state;
	uint64_t t0, dt;
	rdc_client *c;

	script(f, 0, 1, FAKE_SILENT, "");
	c = client(fake_addr(f, 0), 300);
	t0 = now_ms();
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, RDC_PUT_XX, NULL, NULL),
			 RDC_UNCERTAIN);
	dt = now_ms() - t0;
	assert_true(dt >= 290 && dt < 3000);
	assert_request(f, 0, 0, "RD.PUT k v XX");
	assert_int_equal(fake_count(f, 0), 1);
	rdc_close(c);
}

static void no_leader_is_unavailable_at_the_deadline(void **state)
{
	char ends[64];
	uint64_t t0, dt;
	rdc_client *c;

	(void)state;
	snprintf(ends, sizeof(ends), "127.0.0.1:%u,localhost:%u",
		 fake_dead_port(), fake_dead_port());
	c = client(ends, 400);
	t0 = now_ms();
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, NULL, NULL), RDC_UNAVAILABLE);
	dt = now_ms() - t0;
	assert_true(dt >= 390 && dt < 3000);
	assert_non_null(strstr(rdc_errmsg(c), "connection refused"));
	rdc_close(c);
}

static void max_attempts_stops_early(void **state)
{
	struct fake *f = *state;
	struct rdc_options o = {.deadline_ms = 10000, .max_attempts = 3,
				.backoff_base_ms = 1, .backoff_cap_ms = 5};
	uint64_t t0;
	rdc_client *c;

	script(f, 0, 5, FAKE_REPLY, "-TRYAGAIN a\r\n", FAKE_REPLY, "-TRYAGAIN b\r\n",
	       FAKE_REPLY, "-TRYAGAIN c\r\n", FAKE_REPLY, "-TRYAGAIN d\r\n",
	       FAKE_REPLY, ENV(ONE, 1, 1));
	c = rdc_open(fake_addr(f, 0), &o);
	t0 = now_ms();
	assert_int_equal(rdc_put(c, "k", 1, "v", 1, 0, NULL, NULL), RDC_UNAVAILABLE);
	assert_true(now_ms() - t0 < 5000);
	assert_int_equal(fake_count(f, 0), 3);
	assert_non_null(strstr(rdc_errmsg(c), "TRYAGAIN c"));
	rdc_close(c);
}

static void results_are_decoded(void **state)
{
	struct fake *f = *state;
	struct rdc_kv *kv = (void *)1, *items;
	struct rdc_member *members;
	struct rdc_meta meta;
	size_t n;
	rdc_client *c;

	script(f, 0, 5, FAKE_REPLY, ENV(NIL, 2, 3),
	       FAKE_REPLY, ENV(ZERO, 2, 4),
	       FAKE_REPLY, ENV("*2\r\n*4\r\n$2\r\nk1\r\n$2\r\nv1\r\n:1\r\n:2\r\n*4\r\n$2\r\nk2\r\n$2\r\nv2\r\n:3\r\n:4\r\n", 2, 5),
	       FAKE_REPLY, ENV("*2\r\n*4\r\n$2\r\nid\r\n$1\r\n1\r\n$5\r\nstate\r\n$6\r\nleader\r\n*4\r\n$2\r\nid\r\n$1\r\n2\r\n$11\r\nclient_addr\r\n$14\r\n127.0.0.1:7002\r\n", 2, 5),
	       FAKE_REPLY, ENV("*0\r\n", 2, 6));
	c = client(fake_addr(f, 0), 2000);
	assert_int_equal(rdc_get(c, "k", 1, RDC_LINEARIZABLE, &kv, &meta), RDC_NOTFOUND);
	assert_null(kv);
	assert_int_equal(meta.index, 3);
	assert_int_equal(rdc_cas_index(c, "k", 1, 0, "v", 1, NULL, &meta), RDC_CONDITION);
	assert_int_equal(meta.index, 4);
	assert_int_equal(rdc_list(c, "k", 1, NULL, 0, 2, RDC_LINEARIZABLE, &items, &n, &meta), RDC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(items[1].key, "k2");
	assert_string_equal(items[1].value, "v2");
	assert_int_equal(items[1].create_index, 3);
	rdc_list_free(items);
	assert_int_equal(rdc_status(c, &members, &n, &meta), RDC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(members[0].state, "leader");
	assert_string_equal(members[1].client_addr, "127.0.0.1:7002");
	rdc_status_free(members);
	assert_int_equal(rdc_list(c, "", 0, "k2", 2, 0, RDC_LINEARIZABLE, &items, &n, &meta), RDC_OK);
	assert_int_equal(n, 0);
	assert_null(items);
	assert_request(f, 0, 1, "RD.CASIDX k 0 v");
	assert_request(f, 0, 2, "RD.LIST k LIMIT 2 LINEARIZABLE");
	assert_request(f, 0, 3, "RD.STATUS");
	assert_request(f, 0, 4, "RD.LIST  AFTER k2 LINEARIZABLE");
	rdc_close(c);
}

/* ---- asynchronous client ----------------------------------------------- */

struct outcome {
	int calls;
	int status;
	int order;
	char value[32];
};

struct async_test {
	struct fake *f;
	rdc_async *a;
	int seq;             /* callbacks so far */
	int closes;          /* close_cb calls */
	size_t close_after;  /* close once the server has seen this many */
	struct outcome out[4];
	uv_timer_t poll;
};

static struct async_test *g_at; /* the running async test */

static void on_reply(rdc_async_req *req, int status, const struct rdc_reply *r)
{
	struct outcome *o = rdc_async_req_data(req);

	o->calls++;
	o->status = status;
	o->order = g_at->seq++;
	if (r->kv != NULL)
		snprintf(o->value, sizeof(o->value), "%s", r->kv->value);
	assert_non_null(r->errmsg);
}

static void on_closed(void *data)
{
	struct async_test *t = data;

	t->closes++;
}

static void pipelined_requests_answered_in_order(void **state)
{
	struct async_test t = {.f = *state};
	uv_loop_t loop;

	/* The server holds its answers until the third request arrives:
	 * only a client that pipelines can get them. */
	script(t.f, 0, 3,
	       FAKE_HOLD, ENV("*3\r\n$1\r\na\r\n:1\r\n:1\r\n", 1, 3),
	       FAKE_HOLD, ENV("*3\r\n$1\r\nb\r\n:2\r\n:2\r\n", 1, 3),
	       FAKE_REPLY, ENV(NIL, 1, 3));
	g_at = &t;
	uv_loop_init(&loop);
	t.a = rdc_async_open(&loop, fake_addr(t.f, 0), NULL);
	assert_int_equal(rdc_async_errcode(t.a), RDC_OK);
	assert_int_equal(rdc_async_get(t.a, "a", 1, RDC_LINEARIZABLE, on_reply, &t.out[0]), RDC_OK);
	assert_int_equal(rdc_async_get(t.a, "b", 1, RDC_LINEARIZABLE, on_reply, &t.out[1]), RDC_OK);
	assert_int_equal(rdc_async_get(t.a, "c", 1, RDC_LINEARIZABLE, on_reply, &t.out[2]), RDC_OK);
	/* Callbacks never run inside the submitting call. */
	assert_int_equal(t.seq, 0);
	while (t.seq < 3)
		uv_run(&loop, UV_RUN_ONCE);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(t.out[i].calls, 1);
		assert_int_equal(t.out[i].order, i);
	}
	assert_int_equal(t.out[0].status, RDC_OK);
	assert_string_equal(t.out[0].value, "a");
	assert_string_equal(t.out[1].value, "b");
	assert_int_equal(t.out[2].status, RDC_NOTFOUND);
	assert_int_equal(fake_conns(t.f, 0), 1);
	rdc_async_close(t.a, on_closed, &t);
	assert_int_equal(t.closes, 0); /* deferred to the loop */
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(t.closes, 1);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void on_poll(uv_timer_t *timer)
{
	struct async_test *t = timer->data;

	if (fake_count(t->f, 0) < t->close_after)
		return;
	uv_close((uv_handle_t *)timer, NULL);
	rdc_async_close(t->a, on_closed, t);
	/* Both requests are settled by the time close returns. */
	assert_int_equal(t->seq, 2);
}

static void close_settles_requests_in_flight(void **state)
{
	struct async_test t = {.f = *state, .close_after = 2};
	char ends[64];
	uv_loop_t loop;

	script(t.f, 0, 2, FAKE_SILENT, "", FAKE_SILENT, "");
	g_at = &t;
	uv_loop_init(&loop);
	t.a = rdc_async_open(&loop, fake_addr(t.f, 0), NULL);
	assert_int_equal(rdc_async_put(t.a, "k", 1, "v", 1, 0, NULL, on_reply, &t.out[0]), RDC_OK);
	assert_int_equal(rdc_async_get(t.a, "k", 1, RDC_LINEARIZABLE, on_reply, &t.out[1]), RDC_OK);
	/* A second handle whose request never gets a connection. */
	snprintf(ends, sizeof(ends), "127.0.0.1:%u", fake_dead_port());
	rdc_async *b = rdc_async_open(&loop, ends, NULL);
	assert_int_equal(rdc_async_put(b, "k", 1, "v", 1, 0, NULL, on_reply, &t.out[2]), RDC_OK);
	uv_timer_init(&loop, &t.poll);
	t.poll.data = &t;
	uv_timer_start(&t.poll, on_poll, 5, 5);
	while (t.seq < 2)
		uv_run(&loop, UV_RUN_ONCE);
	assert_int_equal(t.out[0].status, RDC_UNCERTAIN);
	assert_int_equal(t.out[1].status, RDC_CANCELED);
	rdc_async_close(b, NULL, NULL);
	assert_int_equal(t.out[2].status, RDC_CANCELED);
	/* Submissions on a closing handle are refused, with no callback. */
	assert_int_equal(rdc_async_get(t.a, "k", 1, RDC_LINEARIZABLE, on_reply, &t.out[3]), RDC_INVALID);
	rdc_async_close(t.a, on_closed, &t); /* a second close is ignored */
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(t.closes, 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(t.out[i].calls, 1);
	assert_int_equal(t.out[3].calls, 0);
	assert_int_equal(fake_count(t.f, 0), 2);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void on_reply_then_close(rdc_async_req *req, int status,
				const struct rdc_reply *r)
{
	on_reply(req, status, r);
	rdc_async_close(g_at->a, on_closed, g_at);
}

static void close_from_a_callback(void **state)
{
	struct async_test t = {.f = *state};
	uv_loop_t loop;

	/* The first reply's callback closes the handle while two more
	 * replies sit in the same read buffer. */
	script(t.f, 0, 3, FAKE_HOLD, ENV(ONE, 1, 1), FAKE_HOLD, ENV(ONE, 1, 2),
	       FAKE_REPLY, ENV(ONE, 1, 3));
	g_at = &t;
	uv_loop_init(&loop);
	t.a = rdc_async_open(&loop, fake_addr(t.f, 0), NULL);
	assert_int_equal(rdc_async_put(t.a, "a", 1, "1", 1, 0, NULL, on_reply_then_close, &t.out[0]), RDC_OK);
	assert_int_equal(rdc_async_put(t.a, "b", 1, "1", 1, 0, NULL, on_reply, &t.out[1]), RDC_OK);
	assert_int_equal(rdc_async_put(t.a, "c", 1, "1", 1, 0, NULL, on_reply, &t.out[2]), RDC_OK);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(t.out[0].status, RDC_OK);
	/* Sent, unanswered when the handle closed. */
	assert_int_equal(t.out[1].status, RDC_UNCERTAIN);
	assert_int_equal(t.out[2].status, RDC_UNCERTAIN);
	assert_int_equal(t.closes, 1);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(endpoints_parse),
		cmocka_unit_test(open_invalid_endpoints),
		cmocka_unit_test(backoff_bounds),
		cmocka_unit_test(encode_commands),
		cmocka_unit_test(decode_replies),
		cmocka_unit_test(classify_errors),
#define NET(t) cmocka_unit_test_setup_teardown(t, fake_setup, fake_teardown)
		NET(moved_is_followed_and_leader_remembered),
		NET(tryagain_and_busy_are_retried),
		NET(refused_endpoint_is_skipped),
		NET(write_is_uncertain_when_connection_drops),
		NET(idle_connection_closed_by_server_is_not_uncertain),
		NET(read_is_retried_when_connection_drops),
		NET(garbage_reply_breaks_only_the_connection),
		NET(malformed_write_reply_is_uncertain),
		NET(server_uncertain_is_uncertain),
		NET(bad_request_is_not_retried),
		NET(stale_term_is_refused),
		NET(read_deadline_is_honoured),
		NET(timed_out_connection_is_abandoned),
		NET(write_deadline_is_uncertain),
		NET(no_leader_is_unavailable_at_the_deadline),
		NET(max_attempts_stops_early),
		NET(results_are_decoded),
		NET(pipelined_requests_answered_in_order),
		NET(close_settles_requests_in_flight),
		NET(close_from_a_callback),
#undef NET
	};

	signal(SIGPIPE, SIG_IGN); /* as the header asks of applications */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
