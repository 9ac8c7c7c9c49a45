/* test_resp_request.c - the server's request parser (resp_parse_request).
 *
 * Each input is copied into a heap block of exactly its length before it is
 * parsed, so that under AddressSanitizer a read one byte past the data the
 * parser was given is a crash, not a silent pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/resp.h"

#define KiB 1024u
#define MiB (1024u * 1024u)

struct t {
	struct resp_limits lim;
	struct resp_req req;
	char *buf; /* the exact-size copy under parse */
	size_t len;
	size_t need;
	const char *err;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof *t);

	assert_non_null(t);
	t->lim.max_args = 1024;
	t->lim.max_bulk = 1 * MiB;
	t->lim.max_inline = 64 * KiB;
	t->lim.max_request = 4 * MiB;
	resp_req_init(&t->req);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	resp_req_free(&t->req);
	free(t->buf);
	free(t);
	return 0;
}

/* Parse the first len bytes of s from a fresh exact-size copy. */
static long parse_n(struct t *t, const void *s, size_t len)
{
	free(t->buf);
	t->buf = malloc(len > 0 ? len : 1);
	assert_non_null(t->buf);
	memcpy(t->buf, s, len);
	t->len = len;
	t->need = 12345;
	t->err = NULL;
	return resp_parse_request(&t->lim, t->buf, len, &t->req, &t->need,
				  &t->err);
}

static long parse(struct t *t, const char *s)
{
	return parse_n(t, s, strlen(s));
}

/* argv[i] equals s and points into the parsed buffer. */
static void assert_arg(struct t *t, size_t i, const void *s, size_t len)
{
	const struct resp_arg *a = &t->req.argv[i];

	assert_true(i < t->req.argc);
	assert_int_equal(a->len, len);
	assert_memory_equal(a->p, s, len);
	assert_true(a->p >= t->buf && a->p + a->len <= t->buf + t->len);
}

static void assert_args(struct t *t, size_t argc, ...)
{
	va_list ap;

	assert_int_equal(t->req.argc, argc);
	va_start(ap, argc);
	for (size_t i = 0; i < argc; i++) {
		const char *s = va_arg(ap, const char *);

		assert_arg(t, i, s, strlen(s));
	}
	va_end(ap);
}

static void assert_error(struct t *t, const char *s, const char *msg)
{
	assert_int_equal(parse(t, s), RESP_ERROR);
	assert_non_null(t->err);
	assert_string_equal(t->err, msg);
}

/* ---- arrays of bulk strings ---- */

static void multibulk_basic(void **state)
{
	struct t *t = *state;
	const char *s = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";

	assert_int_equal(parse(t, s), strlen(s));
	assert_args(t, 3, "SET", "key", "value");
}

static void multibulk_binary_payload(void **state)
{
	struct t *t = *state;
	static const char s[] = "*2\r\n$3\r\nGET\r\n$6\r\na\r\n\0*$\r\n";

	assert_int_equal(parse_n(t, s, sizeof s - 1), sizeof s - 1);
	assert_int_equal(t->req.argc, 2);
	assert_arg(t, 1, "a\r\n\0*$", 6);
}

static void multibulk_empty_bulk(void **state)
{
	struct t *t = *state;
	const char *s = "*2\r\n$0\r\n\r\n$1\r\nx\r\n";

	assert_int_equal(parse(t, s), strlen(s));
	assert_args(t, 2, "", "x");
}

static void multibulk_empty_arrays(void **state)
{
	struct t *t = *state;

	assert_int_equal(parse(t, "*0\r\n"), 4);
	assert_int_equal(t->req.argc, 0);
	assert_int_equal(parse(t, "*-1\r\n"), 5);
	assert_int_equal(t->req.argc, 0);
}

static void multibulk_many_args(void **state)
{
	struct t *t = *state;
	struct buf b;
	char word[16];

	buf_init(&b);
	assert_int_equal(buf_printf(&b, "*1000\r\n"), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "$%d\r\n%d\r\n",
					    snprintf(word, sizeof word, "%d", i),
					    i), 0);
	assert_int_equal(parse_n(t, b.data, b.len), b.len);
	assert_int_equal(t->req.argc, 1000);
	for (int i = 0; i < 1000; i++) {
		snprintf(word, sizeof word, "%d", i);
		assert_arg(t, (size_t)i, word, strlen(word));
	}
	buf_free(&b);
}

/* ---- inline commands ---- */

static void inline_basic(void **state)
{
	struct t *t = *state;

	assert_int_equal(parse(t, "PING\r\n"), 6);
	assert_args(t, 1, "PING");
	assert_int_equal(parse(t, "set k v\n"), 8);
	assert_args(t, 3, "set", "k", "v");
	assert_int_equal(parse(t, "  get \t  key\t\r\n"), 15);
	assert_args(t, 2, "get", "key");
}

static void inline_empty_line(void **state)
{
	struct t *t = *state;

	assert_int_equal(parse(t, "\r\n"), 2);
	assert_int_equal(t->req.argc, 0);
	assert_int_equal(parse(t, "\n"), 1);
	assert_int_equal(t->req.argc, 0);
	assert_int_equal(parse(t, " \t \r\n"), 5);
	assert_int_equal(t->req.argc, 0);
}

static void inline_double_quotes(void **state)
{
	struct t *t = *state;
	const char *s = "set \"a b\" \"\\x41\\x7a\\n\\r\\t\\\\\\\"q\\b\\a\\e\"\r\n";

	assert_int_equal(parse(t, s), strlen(s));
	assert_int_equal(t->req.argc, 3);
	assert_arg(t, 1, "a b", 3);
	assert_arg(t, 2, "Az\n\r\t\\\"q\b\ae", 11);
}

static void inline_hex_escapes(void **state)
{
	struct t *t = *state;

	/* \x with two hex digits is a byte, including NUL and 0xff. */
	assert_int_equal(parse(t, "\"\\x00\\xfF\"\n"), 11);
	assert_int_equal(t->req.argc, 1);
	assert_arg(t, 0, "\0\xff", 2);
	/* Without two hex digits, \x is just an escaped 'x' (as in redis). */
	assert_int_equal(parse(t, "\"\\xZZ\" \"\\x4\"\n"), 13);
	assert_int_equal(t->req.argc, 2);
	assert_arg(t, 0, "xZZ", 3);
	assert_arg(t, 1, "x4", 2);
}

static void inline_single_quotes(void **state)
{
	struct t *t = *state;
	const char *s = "'it\\'s' 'a\\nb' 'x \"y\"'\n";

	assert_int_equal(parse(t, s), strlen(s));
	assert_args(t, 3, "it's", "a\\nb", "x \"y\"");
}

static void inline_empty_and_joined_quotes(void **state)
{
	struct t *t = *state;

	assert_int_equal(parse(t, "set k \"\"\n"), 9);
	assert_args(t, 3, "set", "k", "");
	/* A quote inside a word opens a quoted part of the same word. */
	assert_int_equal(parse(t, "foo\"bar baz\" x\n"), 15);
	assert_args(t, 2, "foobar baz", "x");
}

static void inline_unbalanced_quotes(void **state)
{
	struct t *t = *state;
	const char *bad[] = {
		"set \"abc\r\n", "set 'abc\n", "set \"abc\"def\n",
		"set 'a'b\n", "\"\\\"\n", "set \"a\\\"\n",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_error(t, bad[i],
			     "Protocol error: unbalanced quotes in request");
		/* An error leaves the bytes as they were. */
		assert_memory_equal(t->buf, bad[i], strlen(bad[i]));
	}
}

static void inline_quotes_with_bare_cr(void **state)
{
	struct t *t = *state;

	/* A CR that does not end the line separates words; quoted it is data. */
	assert_int_equal(parse(t, "a\rb \"c\rd\"\r\n"), 11);
	assert_args(t, 3, "a", "b", "c\rd");
}

/* ---- pipelining and partial input ---- */

static void pipelined(void **state)
{
	struct t *t = *state;
	const char *s = "*1\r\n$4\r\nPING\r\nECHO \"hi there\"\r\n\r\n"
			"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nQUIT\n*1\r\n$4\r\nPI";
	const char *want[][3] = {
		{"PING"}, {"ECHO", "hi there"}, {NULL}, {"GET", "k"}, {"QUIT"},
	};
	size_t wantc[] = {1, 2, 0, 2, 1};
	size_t off = 0, len = strlen(s);
	char *copy = malloc(len);
	long r;

	assert_non_null(copy);
	memcpy(copy, s, len);
	for (size_t i = 0; i < 5; i++) {
		r = resp_parse_request(&t->lim, copy + off, len - off, &t->req,
				       &t->need, &t->err);
		assert_true(r > 0);
		assert_int_equal(t->req.argc, wantc[i]);
		for (size_t j = 0; j < wantc[i]; j++) {
			assert_int_equal(t->req.argv[j].len, strlen(want[i][j]));
			assert_memory_equal(t->req.argv[j].p, want[i][j],
					    strlen(want[i][j]));
		}
		off += (size_t)r;
	}
	r = resp_parse_request(&t->lim, copy + off, len - off, &t->req,
			       &t->need, &t->err);
	assert_int_equal(r, RESP_INCOMPLETE);
	assert_int_equal(t->need, 4 + 4 + 4 + 2);
	free(copy);
}

/* Every proper prefix of s is INCOMPLETE, with *need either unknown or a
 * true lower bound; the whole of s parses to argc arguments. */
static void assert_every_split(struct t *t, const char *s, size_t len,
			       size_t argc)
{
	for (size_t k = 0; k < len; k++) {
		assert_int_equal(parse_n(t, s, k), RESP_INCOMPLETE);
		assert_true(t->need == 0 || (t->need > k && t->need <= len));
		/* Nothing was rewritten by an incomplete parse. */
		assert_memory_equal(t->buf, s, k);
	}
	assert_int_equal(parse_n(t, s, len), len);
	assert_int_equal(t->req.argc, argc);
}

static void every_byte_split(void **state)
{
	struct t *t = *state;
	static const char mb[] =
		"*4\r\n$3\r\nSET\r\n$0\r\n\r\n$12\r\nvalue\r\nwith\0\r\n$2\r\nNX\r\n";
	const char *in = "set \"k\\x41\" 'v w'  \"\" NX\r\n";

	assert_every_split(t, mb, sizeof mb - 1, 4);
	assert_arg(t, 2, "value\r\nwith\0", 12);
	assert_every_split(t, in, strlen(in), 5);
	assert_args(t, 5, "set", "kA", "v w", "", "NX");
	assert_every_split(t, "*0\r\n", 4, 0);
	assert_every_split(t, "\r\n", 2, 0);
}

static void need_after_bulk_header(void **state)
{
	struct t *t = *state;
	struct buf b;
	size_t head, total;

	buf_init(&b);
	assert_int_equal(buf_printf(&b, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n"), 0);
	head = b.len;
	total = head + 100000 + 2;
	assert_int_equal(buf_reserve(&b, 100002), 0);
	memset(b.data + head, 'v', 100000);
	memcpy(b.data + head + 100000, "\r\n", 2);
	b.len = total;
	/* Known as soon as the header is in, and at every later split. */
	for (size_t k = head; k < total; k += 9973) {
		assert_int_equal(parse_n(t, b.data, k), RESP_INCOMPLETE);
		assert_int_equal(t->need, total);
	}
	assert_int_equal(parse_n(t, b.data, total - 1), RESP_INCOMPLETE);
	assert_int_equal(t->need, total);
	assert_int_equal(parse_n(t, b.data, total), total);
	assert_int_equal(t->req.argc, 3);
	assert_int_equal(t->req.argv[2].len, 100000);
	buf_free(&b);
}

/* A caller that ignores *need and parses after every byte of a 1 MiB value
 * must still pay only for the headers each time, never for rescanning the
 * payload: a million calls at O(header) take milliseconds, at O(payload)
 * they would take minutes. */
static void large_value_byte_by_byte_is_linear(void **state)
{
	struct t *t = *state;
	const size_t vlen = 1 * MiB;
	struct buf b;
	clock_t start;
	size_t total;
	long r = 0;

	buf_init(&b);
	assert_int_equal(buf_printf(&b, "*2\r\n$3\r\nSET\r\n$%zu\r\n", vlen), 0);
	total = b.len + vlen + 2;
	assert_int_equal(buf_reserve(&b, vlen + 2), 0);
	memset(b.data + b.len, '\n', vlen); /* newlines: bait for a scanner */
	memcpy(b.data + b.len + vlen, "\r\n", 2);
	b.len = total;
	start = clock();
	for (size_t k = 1; k <= total; k++) {
		r = resp_parse_request(&t->lim, b.data, k, &t->req, &t->need,
				       &t->err);
		if (r != RESP_INCOMPLETE)
			break;
	}
	assert_int_equal(r, total);
	assert_int_equal(t->req.argv[1].len, vlen);
	/* Generous enough for valgrind; a rescanning parser needs far more. */
	assert_true(clock() - start < 20 * CLOCKS_PER_SEC);
	buf_free(&b);
}

/* ---- limits ---- */

static void limit_args(void **state)
{
	struct t *t = *state;

	t->lim.max_args = 2;
	assert_int_equal(parse(t, "*2\r\n$1\r\na\r\n$1\r\nb\r\n"), 18);
	/* Rejected from the header alone, before any argument arrives. */
	assert_error(t, "*3\r\n", "Protocol error: too many arguments");
	assert_int_equal(parse(t, "a b\n"), 4);
	assert_error(t, "a b c\n", "Protocol error: too many arguments");
}

static void limit_bulk(void **state)
{
	struct t *t = *state;

	t->lim.max_bulk = 10;
	assert_int_equal(parse(t, "*1\r\n$10\r\n0123456789\r\n"), 21);
	assert_error(t, "*1\r\n$11\r\n", "Protocol error: bulk string too large");
}

static void limit_inline(void **state)
{
	struct t *t = *state;
	char line[40];

	t->lim.max_inline = 8;
	assert_int_equal(parse(t, "12345678\r\n"), 10);
	assert_int_equal(parse(t, "12345678\n"), 9);
	assert_error(t, "123456789\n", "Protocol error: too big inline request");
	/* Without a newline: 8 bytes and a CR may still be a good line ... */
	assert_int_equal(parse(t, "12345678\r"), RESP_INCOMPLETE);
	/* ... but one byte more cannot be. */
	assert_error(t, "12345678\rx", "Protocol error: too big inline request");
	assert_error(t, "1234567890", "Protocol error: too big inline request");
	/* The limit is on the line, not on the buffer holding it. */
	snprintf(line, sizeof line, "a b\r\n%s", "0123456789abcdef");
	assert_int_equal(parse(t, line), 5);
}

static void limit_request(void **state)
{
	struct t *t = *state;
	const char *s = "*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n"; /* 24 bytes */

	t->lim.max_request = strlen(s);
	assert_int_equal(parse(t, s), strlen(s));
	t->lim.max_request = strlen(s) - 1;
	/* Refused as soon as a header says the request cannot fit. */
	assert_error(t, "*2\r\n$3\r\nGET\r\n$5\r\n",
		     "Protocol error: request too large");
	assert_error(t, s, "Protocol error: request too large");
	t->lim.max_request = 6;
	assert_int_equal(parse(t, "PING\r\n"), 6);
	assert_error(t, "PINGG\r\n", "Protocol error: request too large");
	assert_error(t, "PINGGG", "Protocol error: request too large");
	assert_int_equal(parse(t, "PINGG"), RESP_INCOMPLETE);
	/* A header that cannot fit is refused too. */
	t->lim.max_request = 5;
	assert_error(t, "*100\r\n", "Protocol error: request too large");
}

/* ---- malformed arrays ---- */

static void malformed_multibulk_length(void **state)
{
	struct t *t = *state;
	const char *bad[] = {
		"*\r\n", "*abc\r\n", "*1x\r\n", "*-2\r\n", "*01\r\n", "*-0\r\n",
		"*+1\r\n", "*1\n", "*1\rx", "*99999999999999999999\r\n",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_error(t, bad[i],
			     "Protocol error: invalid multibulk length");
}

static void malformed_bulk_length(void **state)
{
	struct t *t = *state;
	const char *bad[] = {
		"*1\r\n$\r\n", "*1\r\n$-1\r\n", "*1\r\n$-5\r\n", "*1\r\n$x\r\n",
		"*1\r\n$3x\r\n", "*1\r\n$03\r\n", "*1\r\n$3\n",
		"*1\r\n$9223372036854775808\r\n",
		"*1\r\n$99999999999999999999999\r\n",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_error(t, bad[i], "Protocol error: invalid bulk length");
}

static void malformed_not_dollar(void **state)
{
	struct t *t = *state;

	assert_error(t, "*1\r\n:5\r\n", "Protocol error: expected '$', got ':'");
	assert_error(t, "*2\r\n$1\r\na\r\nb",
		     "Protocol error: expected '$', got 'b'");
	assert_error(t, "*1\r\n\r\n",
		     "Protocol error: expected '$', got byte 0x0d");
	assert_error(t, "*1\r\n\xff",
		     "Protocol error: expected '$', got byte 0xff");
}

static void malformed_missing_crlf(void **state)
{
	struct t *t = *state;
	const char *msg = "Protocol error: bulk string not followed by CRLF";

	assert_error(t, "*1\r\n$3\r\nfooXY", msg);
	assert_error(t, "*1\r\n$3\r\nfoo\rX", msg);
	assert_error(t, "*1\r\n$3\r\nfoo\n\r", msg);
	assert_error(t, "*1\r\n$2\r\nfoo\r\n", msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(multibulk_basic),
		T(multibulk_binary_payload),
		T(multibulk_empty_bulk),
		T(multibulk_empty_arrays),
		T(multibulk_many_args),
		T(inline_basic),
		T(inline_empty_line),
		T(inline_double_quotes),
		T(inline_hex_escapes),
		T(inline_single_quotes),
		T(inline_empty_and_joined_quotes),
		T(inline_unbalanced_quotes),
		T(inline_quotes_with_bare_cr),
		T(pipelined),
		T(every_byte_split),
		T(need_after_bulk_header),
		T(large_value_byte_by_byte_is_linear),
		T(limit_args),
		T(limit_bulk),
		T(limit_inline),
		T(limit_request),
		T(malformed_multibulk_length),
		T(malformed_bulk_length),
		T(malformed_not_dollar),
		T(malformed_missing_crlf),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
