/* test_resp_write.c - the RESP writers produce exactly the expected bytes. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/resp.h"

static int setup(void **state)
{
	static struct buf b;

	buf_init(&b);
	*state = &b;
	return 0;
}

static int teardown(void **state)
{
	buf_free(*state);
	return 0;
}

static void assert_bytes(const struct buf *b, const void *want, size_t n)
{
	assert_int_equal(b->len, n);
	assert_memory_equal(b->data, want, n);
}

#define assert_str(b, s) assert_bytes((b), (s), strlen(s))

static void write_simple(void **state)
{
	struct buf *b = *state;

	assert_int_equal(resp_w_simple(b, "OK"), 0);
	assert_str(b, "+OK\r\n");
	buf_reset(b);
	assert_int_equal(resp_w_simple(b, ""), 0);
	assert_str(b, "+\r\n");
}

static void write_simple_strips_crlf(void **state)
{
	struct buf *b = *state;

	assert_int_equal(resp_w_simple(b, "a\r\n+b\nc\r"), 0);
	assert_str(b, "+a  +b c \r\n");
}

static void write_error(void **state)
{
	struct buf *b = *state;

	assert_int_equal(resp_w_error(b, "ERR unknown command '%s' (%d%%)",
				      "FOO", 42), 0);
	assert_str(b, "-ERR unknown command 'FOO' (42%)\r\n");
}

static void write_error_strips_crlf(void **state)
{
	struct buf *b = *state;

	assert_int_equal(resp_w_error(b, "ERR bad key '%s'\n", "a\r\n-ERR b"), 0);
	assert_str(b, "-ERR bad key 'a  -ERR b' \r\n");
}

static void write_error_long(void **state)
{
	struct buf *b = *state;
	char text[3000];

	/* Longer than any first allocation: formatting must grow the buffer. */
	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	text[100] = '\n';
	assert_int_equal(resp_w_simple(b, "OK"), 0);
	assert_int_equal(resp_w_error(b, "ERR %s", text), 0);
	assert_int_equal(b->len, 5 + 1 + 4 + sizeof text - 1 + 2);
	assert_memory_equal(b->data, "+OK\r\n-ERR xxx", 13);
	assert_int_equal(b->data[5 + 5 + 100], ' ');
	assert_memory_equal(b->data + b->len - 3, "x\r\n", 3);
	assert_null(memchr(b->data + 5, '\n', b->len - 6));
}

static void write_int(void **state)
{
	struct buf *b = *state;

	assert_int_equal(resp_w_int(b, 0), 0);
	assert_int_equal(resp_w_int(b, -42), 0);
	assert_int_equal(resp_w_int(b, LLONG_MAX), 0);
	assert_int_equal(resp_w_int(b, LLONG_MIN), 0);
	assert_str(b, ":0\r\n:-42\r\n:9223372036854775807\r\n"
		      ":-9223372036854775808\r\n");
}

/* INT64_MIN (whose magnitude does not fit in int64_t), zero, negatives and
 * every power-of-ten boundary, where a hand-written itoa can drop or add a
 * digit. */
static void write_int_edges(void **state)
{
	struct buf *b = *state;

	assert_int_equal(resp_w_int(b, INT64_MIN), 0);
	assert_int_equal(resp_w_int(b, INT64_MIN + 1), 0);
	assert_int_equal(resp_w_int(b, -1), 0);
	assert_int_equal(resp_w_int(b, 0), 0);
	assert_int_equal(resp_w_int(b, 9), 0);
	assert_int_equal(resp_w_int(b, 10), 0);
	assert_int_equal(resp_w_int(b, -10), 0);
	assert_int_equal(resp_w_int(b, 999999999999999999LL), 0);
	assert_int_equal(resp_w_int(b, 1000000000000000000LL), 0);
	assert_int_equal(resp_w_int(b, INT64_MAX), 0);
	assert_str(b, ":-9223372036854775808\r\n:-9223372036854775807\r\n"
		      ":-1\r\n:0\r\n:9\r\n:10\r\n:-10\r\n"
		      ":999999999999999999\r\n:1000000000000000000\r\n"
		      ":9223372036854775807\r\n");
}

/* Around every power of ten, positive and negative, each writer gives
 * what printf would. */
static void write_numbers_match_printf(void **state)
{
	struct buf *b = *state;
	char want[96];

	for (long long p = 1;; p *= 10) {
		for (long long d = -1; d <= 1; d++) {
			long long v = p + d;
			int n;

			buf_reset(b);
			assert_int_equal(resp_w_int(b, v), 0);
			assert_int_equal(resp_w_int(b, -v), 0);
			assert_int_equal(resp_w_array(b, v), 0);
			n = snprintf(want, sizeof want, ":%lld\r\n:%lld\r\n*%lld\r\n",
				     v, -v, v);
			assert_bytes(b, want, (size_t)n);
		}
		if (p > INT64_MAX / 10)
			break;
	}
}

/* Bulk and array headers at lengths where the digit count changes. */
static void write_headers_digit_boundaries(void **state)
{
	struct buf *b = *state;
	static char payload[1001];
	static const size_t lens[] = {9, 10, 99, 100, 999, 1000};
	char want[32];

	memset(payload, 'p', sizeof payload);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		int n = snprintf(want, sizeof want, "$%zu\r\n", lens[i]);

		buf_reset(b);
		assert_int_equal(resp_w_bulk(b, payload, lens[i]), 0);
		assert_int_equal(b->len, (size_t)n + lens[i] + 2);
		assert_memory_equal(b->data, want, (size_t)n);
		assert_memory_equal(b->data + b->len - 2, "\r\n", 2);
	}
	buf_reset(b);
	assert_int_equal(resp_w_array(b, 1000000007), 0);
	assert_int_equal(resp_w_bulk_u64(b, 10), 0);
	assert_str(b, "*1000000007\r\n$2\r\n10\r\n");
}

static void write_bulk(void **state)
{
	struct buf *b = *state;

	assert_int_equal(resp_w_bulk(b, "a\r\n\0b", 5), 0);
	assert_int_equal(resp_w_bulk(b, NULL, 0), 0);
	assert_int_equal(resp_w_bulk_str(b, "hello"), 0);
	assert_bytes(b, "$5\r\na\r\n\0b\r\n$0\r\n\r\n$5\r\nhello\r\n", 28);
}

static void write_bulk_large(void **state)
{
	struct buf *b = *state;
	static char big[100000];

	memset(big, 'v', sizeof big);
	assert_int_equal(resp_w_bulk(b, big, sizeof big), 0);
	assert_int_equal(b->len, 9 + sizeof big + 2);
	assert_memory_equal(b->data, "$100000\r\nvv", 11);
	assert_memory_equal(b->data + b->len - 3, "v\r\n", 3);
}

static void write_bulk_u64(void **state)
{
	struct buf *b = *state;

	assert_int_equal(resp_w_bulk_u64(b, 0), 0);
	assert_int_equal(resp_w_bulk_u64(b, UINT64_MAX), 0);
	assert_str(b, "$1\r\n0\r\n$20\r\n18446744073709551615\r\n");
}

static void write_nil_and_arrays(void **state)
{
	struct buf *b = *state;

	assert_int_equal(resp_w_nil(b), 0);
	assert_int_equal(resp_w_array(b, -1), 0);
	assert_int_equal(resp_w_array(b, 0), 0);
	assert_int_equal(resp_w_array(b, 3), 0);
	assert_str(b, "$-1\r\n*-1\r\n*0\r\n*3\r\n");
}

static void write_command(void **state)
{
	struct buf *b = *state;
	const struct resp_arg argv[] = {
		{"SET", 3}, {"k\0", 2}, {"", 0},
	};

	assert_int_equal(resp_w_command(b, 3, argv), 0);
	assert_bytes(b, "*3\r\n$3\r\nSET\r\n$2\r\nk\0\r\n$0\r\n\r\n", 27);
	buf_reset(b);
	assert_int_equal(resp_w_command(b, 0, NULL), 0);
	assert_str(b, "*0\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(write_simple),
		T(write_simple_strips_crlf),
		T(write_error),
		T(write_error_strips_crlf),
		T(write_error_long),
		T(write_int),
		T(write_int_edges),
		T(write_numbers_match_printf),
		T(write_headers_digit_boundaries),
		T(write_bulk),
		T(write_bulk_large),
		T(write_bulk_u64),
		T(write_nil_and_arrays),
		T(write_command),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
