/* test_resp_reply.c - the client's reply parser (resp_parse_reply), the
 * value helpers, and round trips through the writers.
 *
 * As in test_resp_request.c, every input is parsed from an exact-size heap
 * copy so that AddressSanitizer catches a read past the end.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/resp.h"

struct t {
	struct resp_reply r;
	size_t max_bulk;
	size_t max_elems;
	char *buf;
	const char *err;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof *t);

	assert_non_null(t);
	resp_reply_init(&t->r);
	t->max_bulk = 1024 * 1024;
	t->max_elems = 1000000;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	resp_reply_free(&t->r);
	free(t->buf);
	free(t);
	return 0;
}

static long parse_n(struct t *t, const void *s, size_t len)
{
	free(t->buf);
	t->buf = malloc(len > 0 ? len : 1);
	assert_non_null(t->buf);
	memcpy(t->buf, s, len);
	t->err = NULL;
	return resp_parse_reply(t->buf, len, t->max_bulk, t->max_elems, &t->r,
				&t->err);
}

static long parse(struct t *t, const char *s)
{
	return parse_n(t, s, strlen(s));
}

static void assert_error(struct t *t, const char *s, const char *msg)
{
	assert_int_equal(parse(t, s), RESP_ERROR);
	assert_non_null(t->err);
	assert_string_equal(t->err, msg);
}

static void assert_str(const struct resp_value *v, enum resp_type type,
		       const void *s, size_t len)
{
	assert_int_equal(v->type, type);
	assert_int_equal(v->len, len);
	assert_memory_equal(v->str, s, len);
}

static void assert_int(const struct resp_value *v, long long i)
{
	assert_int_equal(v->type, RESP_T_INT);
	assert_true(v->integer == i);
}

/* ---- every type ---- */

static void reply_simple_and_error(void **state)
{
	struct t *t = *state;

	assert_int_equal(parse(t, "+OK\r\n"), 5);
	assert_str(&t->r.root, RESP_T_SIMPLE, "OK", 2);
	assert_int_equal(parse(t, "+\r\n"), 3);
	assert_str(&t->r.root, RESP_T_SIMPLE, "", 0);
	assert_int_equal(parse(t, "-MOVED 0 127.0.0.1:7001\r\n"), 25);
	assert_str(&t->r.root, RESP_T_ERROR, "MOVED 0 127.0.0.1:7001", 22);
}

static void reply_integers(void **state)
{
	struct t *t = *state;

	assert_int_equal(parse(t, ":0\r\n"), 4);
	assert_int(&t->r.root, 0);
	assert_int_equal(parse(t, ":-42\r\n"), 6);
	assert_int(&t->r.root, -42);
	assert_int_equal(parse(t, ":9223372036854775807\r\n"), 22);
	assert_int(&t->r.root, LLONG_MAX);
	assert_int_equal(parse(t, ":-9223372036854775807\r\n"), 23);
	assert_int(&t->r.root, -LLONG_MAX);
}

static void reply_bulk(void **state)
{
	struct t *t = *state;
	static const char s[] = "$7\r\na\r\n\0$*:\r\n";

	assert_int_equal(parse_n(t, s, sizeof s - 1), sizeof s - 1);
	assert_str(&t->r.root, RESP_T_BULK, "a\r\n\0$*:", 7);
	assert_int_equal(parse(t, "$0\r\n\r\n"), 6);
	assert_str(&t->r.root, RESP_T_BULK, "", 0);
}

static void reply_nil(void **state)
{
	struct t *t = *state;

	assert_int_equal(parse(t, "$-1\r\n"), 5);
	assert_int_equal(t->r.root.type, RESP_T_NIL);
	assert_int_equal(parse(t, "*-1\r\n"), 5);
	assert_int_equal(t->r.root.type, RESP_T_NIL);
}

static void reply_empty_array(void **state)
{
	struct t *t = *state;

	assert_int_equal(parse(t, "*0\r\n"), 4);
	assert_int_equal(t->r.root.type, RESP_T_ARRAY);
	assert_int_equal(t->r.root.n, 0);
	assert_null(t->r.root.elems);
}

/* The RD.* envelope with a nested RD.GET result and a nil inside. */
static void reply_nested(void **state)
{
	struct t *t = *state;
	const char *s = "*3\r\n*3\r\n$5\r\nvalue\r\n:4\r\n:9\r\n:2\r\n:12\r\n";
	const struct resp_value *res;

	assert_int_equal(parse(t, s), strlen(s));
	assert_int_equal(t->r.root.type, RESP_T_ARRAY);
	assert_int_equal(t->r.root.n, 3);
	res = &t->r.root.elems[0];
	assert_int_equal(res->type, RESP_T_ARRAY);
	assert_int_equal(res->n, 3);
	assert_str(&res->elems[0], RESP_T_BULK, "value", 5);
	assert_int(&res->elems[1], 4);
	assert_int(&res->elems[2], 9);
	assert_int(&t->r.root.elems[1], 2);
	assert_int(&t->r.root.elems[2], 12);

	s = "*4\r\n+a\r\n*-1\r\n*0\r\n*2\r\n$-1\r\n-ERR x\r\n";
	assert_int_equal(parse(t, s), strlen(s));
	assert_int_equal(t->r.root.n, 4);
	assert_str(&t->r.root.elems[0], RESP_T_SIMPLE, "a", 1);
	assert_int_equal(t->r.root.elems[1].type, RESP_T_NIL);
	assert_int_equal(t->r.root.elems[2].type, RESP_T_ARRAY);
	assert_int_equal(t->r.root.elems[2].n, 0);
	assert_int_equal(t->r.root.elems[3].elems[0].type, RESP_T_NIL);
	assert_str(&t->r.root.elems[3].elems[1], RESP_T_ERROR, "ERR x", 5);
}

/* ---- partial input and pipelining ---- */

static void every_byte_split(void **state)
{
	struct t *t = *state;
	static const char s[] =
		"*5\r\n+OK\r\n-ERR e\r\n:-7\r\n$4\r\nab\r\n\r\n*2\r\n$-1\r\n*1\r\n:1\r\n";

	for (size_t k = 0; k < sizeof s - 1; k++)
		assert_int_equal(parse_n(t, s, k), RESP_INCOMPLETE);
	assert_int_equal(parse_n(t, s, sizeof s - 1), sizeof s - 1);
	assert_int_equal(t->r.root.n, 5);
	assert_str(&t->r.root.elems[3], RESP_T_BULK, "ab\r\n", 4);
	assert_int(&t->r.root.elems[4].elems[1].elems[0], 1);
}

static void pipelined(void **state)
{
	struct t *t = *state;
	const char *s = "+OK\r\n:1\r\n*1\r\n$1\r\nx\r\n$-1\r\n-ERR no\r\n:2";
	size_t off = 0, len = strlen(s);
	enum resp_type want[] = {RESP_T_SIMPLE, RESP_T_INT, RESP_T_ARRAY,
				 RESP_T_NIL, RESP_T_ERROR};
	char *copy = malloc(len);
	long r;

	assert_non_null(copy);
	memcpy(copy, s, len);
	for (size_t i = 0; i < 5; i++) {
		r = resp_parse_reply(copy + off, len - off, 100, 100, &t->r,
				     &t->err);
		assert_true(r > 0);
		assert_int_equal(t->r.root.type, want[i]);
		off += (size_t)r;
	}
	assert_int_equal(resp_parse_reply(copy + off, len - off, 100, 100,
					  &t->r, &t->err), RESP_INCOMPLETE);
	free(copy);
}

/* ---- limits ---- */

static void limit_depth(void **state)
{
	struct t *t = *state;
	char s[128] = "";

	for (int i = 0; i < 8; i++)
		strcat(s, "*1\r\n");
	strcat(s, ":5\r\n");
	assert_int_equal(parse(t, s), strlen(s));
	assert_int(&t->r.root.elems[0].elems[0].elems[0].elems[0].elems[0]
			    .elems[0].elems[0].elems[0], 5);
	/* A ninth level is refused as soon as its header arrives. */
	s[0] = '\0';
	for (int i = 0; i < 9; i++)
		strcat(s, "*1\r\n");
	assert_error(t, s, "Protocol error: arrays nested too deep");
}

static void limit_elems(void **state)
{
	struct t *t = *state;
	const char *s = "*2\r\n*2\r\n:1\r\n:2\r\n:3\r\n"; /* 4 elements */

	t->max_elems = 4;
	assert_int_equal(parse(t, s), strlen(s));
	t->max_elems = 3;
	assert_error(t, s, "Protocol error: too many array elements");
	/* Refused from the header alone. */
	assert_error(t, "*4\r\n", "Protocol error: too many array elements");
	assert_error(t, "*2\r\n*2\r\n", "Protocol error: too many array elements");
}

static void limit_bulk(void **state)
{
	struct t *t = *state;

	t->max_bulk = 5;
	assert_int_equal(parse(t, "$5\r\n12345\r\n"), 11);
	assert_error(t, "$6\r\n", "Protocol error: bulk string too large");
	/* Lines are bounded too, before their end arrives. */
	assert_int_equal(parse(t, "+12345\r\n"), 8);
	assert_int_equal(parse(t, "-12345"), RESP_INCOMPLETE);
	assert_error(t, "-123456", "Protocol error: line too long");
	assert_error(t, "+123456\r\n", "Protocol error: line too long");
}

/* ---- malformed replies ---- */

static void malformed(void **state)
{
	struct t *t = *state;
	const struct {
		const char *in, *msg;
	} bad[] = {
		{"!x\r\n", "Protocol error: unknown reply type"},
		{"\r\n", "Protocol error: unknown reply type"},
		{"*1\r\n?\r\n", "Protocol error: unknown reply type"},
		{":abc\r\n", "Protocol error: invalid integer"},
		{":01\r\n", "Protocol error: invalid integer"},
		{":-0\r\n", "Protocol error: invalid integer"},
		{":+1\r\n", "Protocol error: invalid integer"},
		{":\r\n", "Protocol error: invalid integer"},
		{":1\n", "Protocol error: invalid integer"},
		{":9223372036854775808\r\n", "Protocol error: invalid integer"},
		{"$-2\r\n", "Protocol error: invalid bulk length"},
		{"$x\r\n", "Protocol error: invalid bulk length"},
		{"$3\r\nabcde", "Protocol error: bulk string not followed by CRLF"},
		{"*-2\r\n", "Protocol error: invalid multibulk length"},
		{"*1x\r\n", "Protocol error: invalid multibulk length"},
		{"+a\nb\r\n", "Protocol error: invalid line"},
		{"+a\rb\r\n", "Protocol error: invalid line"},
		{"-a\n", "Protocol error: invalid line"},
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_error(t, bad[i].in, bad[i].msg);
}

/* ---- the arena ---- */

static void arena_growth(void **state)
{
	struct t *t = *state;
	struct buf b;
	size_t n = 20000;

	/* Small first, so the big one has to grow the arena. */
	assert_int_equal(parse(t, "*1\r\n:1\r\n"), 8);
	buf_init(&b);
	assert_int_equal(resp_w_array(&b, (long long)n), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(resp_w_array(&b, 2), 0);
		assert_int_equal(resp_w_int(&b, (long long)i), 0);
		assert_int_equal(resp_w_bulk_u64(&b, i * 3), 0);
	}
	assert_int_equal(parse_n(t, b.data, b.len), b.len);
	assert_int_equal(t->r.root.n, n);
	for (size_t i = 0; i < n; i++) {
		const struct resp_value *e = &t->r.root.elems[i];
		uint64_t u;

		assert_int_equal(e->type, RESP_T_ARRAY);
		assert_int_equal(e->n, 2);
		assert_int(&e->elems[0], (long long)i);
		assert_int_equal(resp_value_u64(&e->elems[1], &u), 0);
		assert_true(u == i * 3);
	}
	assert_true(t->r.arena_cap >= 3 * n);

	/* And a small one again reuses the arena. */
	assert_int_equal(parse(t, "*2\r\n:7\r\n*1\r\n+x\r\n"), 16);
	assert_int(&t->r.root.elems[0], 7);
	assert_str(&t->r.root.elems[1].elems[0], RESP_T_SIMPLE, "x", 1);
	buf_free(&b);
}

/* ---- helpers ---- */

static void value_is(void **state)
{
	struct t *t = *state;

	assert_int_equal(parse(t, "+OK\r\n"), 5);
	assert_true(resp_value_is(&t->r.root, "OK"));
	assert_true(resp_value_is(&t->r.root, "ok"));
	assert_false(resp_value_is(&t->r.root, "OKAY"));
	assert_false(resp_value_is(&t->r.root, "O"));
	assert_int_equal(parse(t, "$6\r\nLeader\r\n"), 12);
	assert_true(resp_value_is(&t->r.root, "leader"));
	assert_int_equal(parse_n(t, "$2\r\nO\0\r\n", 8), 8);
	assert_false(resp_value_is(&t->r.root, "O"));
	assert_int_equal(parse(t, "-OK\r\n"), 5);
	assert_false(resp_value_is(&t->r.root, "OK"));
	assert_int_equal(parse(t, ":1\r\n"), 4);
	assert_false(resp_value_is(&t->r.root, "1"));
}

static void value_u64(void **state)
{
	struct t *t = *state;
	const char *bad[] = {
		":-1\r\n", "$0\r\n\r\n", "$2\r\n-1\r\n", "$2\r\n1x\r\n",
		"$20\r\n18446744073709551616\r\n", "$-1\r\n", "-1\r\n", "*0\r\n",
	};
	uint64_t u;

	assert_int_equal(parse(t, ":42\r\n"), 5);
	assert_int_equal(resp_value_u64(&t->r.root, &u), 0);
	assert_true(u == 42);
	assert_int_equal(parse(t, "$20\r\n18446744073709551615\r\n"), 27);
	assert_int_equal(resp_value_u64(&t->r.root, &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(parse(t, "+007\r\n"), 6);
	assert_int_equal(resp_value_u64(&t->r.root, &u), 0);
	assert_true(u == 7);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_true(parse(t, bad[i]) > 0);
		assert_int_equal(resp_value_u64(&t->r.root, &u), -1);
	}
}

/* ---- round trips: write with resp_w_*, read back ---- */

static void round_trip_scalars(void **state)
{
	struct t *t = *state;
	struct buf b;
	long off = 0, r;
	uint64_t u;

	buf_init(&b);
	assert_int_equal(resp_w_simple(&b, "PONG"), 0);
	assert_int_equal(resp_w_error(&b, "TRYAGAIN no leader%s", "\r\n"), 0);
	assert_int_equal(resp_w_int(&b, LLONG_MIN + 1), 0);
	assert_int_equal(resp_w_bulk(&b, "\0\r\n", 3), 0);
	assert_int_equal(resp_w_bulk_u64(&b, UINT64_MAX), 0);
	assert_int_equal(resp_w_nil(&b), 0);
	assert_int_equal(resp_w_array(&b, -1), 0);
	assert_int_equal(resp_w_array(&b, 0), 0);
	assert_int_equal(parse_n(t, b.data, b.len), 7);
#define NEXT() \
	(r = resp_parse_reply(t->buf + off, b.len - (size_t)off, 100, 100, \
			      &t->r, &t->err), \
	 assert_true(r > 0), off += r, &t->r.root)
	assert_str(NEXT(), RESP_T_SIMPLE, "PONG", 4);
	assert_str(NEXT(), RESP_T_ERROR, "TRYAGAIN no leader  ", 20);
	assert_int(NEXT(), LLONG_MIN + 1);
	assert_str(NEXT(), RESP_T_BULK, "\0\r\n", 3);
	assert_int_equal(resp_value_u64(NEXT(), &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(NEXT()->type, RESP_T_NIL);
	assert_int_equal(NEXT()->type, RESP_T_NIL);
	assert_int_equal(NEXT()->n, 0);
#undef NEXT
	assert_int_equal((size_t)off, b.len);
	buf_free(&b);
}

/* A command written by the client reads back both as a request on the
 * server and as an array of bulk strings. */
static void round_trip_command(void **state)
{
	struct t *t = *state;
	const struct resp_arg argv[] = {
		{"RD.CAS", 6}, {"k", 1}, {"", 0}, {"new\r\n\0", 6},
	};
	struct resp_limits lim = {16, 64, 64, 1024};
	struct resp_req req;
	struct buf b;

	buf_init(&b);
	resp_req_init(&req);
	assert_int_equal(resp_w_command(&b, 4, argv), 0);
	assert_int_equal(resp_parse_request(&lim, b.data, b.len, &req, NULL,
					    NULL), b.len);
	assert_int_equal(req.argc, 4);
	assert_int_equal(parse_n(t, b.data, b.len), b.len);
	assert_int_equal(t->r.root.n, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(req.argv[i].len, argv[i].len);
		assert_memory_equal(req.argv[i].p, argv[i].p, argv[i].len);
		assert_str(&t->r.root.elems[i], RESP_T_BULK, argv[i].p,
			   argv[i].len);
	}
	resp_req_free(&req);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(reply_simple_and_error),
		T(reply_integers),
		T(reply_bulk),
		T(reply_nil),
		T(reply_empty_array),
		T(reply_nested),
		T(every_byte_split),
		T(pipelined),
		T(limit_depth),
		T(limit_elems),
		T(limit_bulk),
		T(malformed),
		T(arena_growth),
		T(value_is),
		T(value_u64),
		T(round_trip_scalars),
		T(round_trip_command),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
