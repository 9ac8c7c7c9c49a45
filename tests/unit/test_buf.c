/* test_buf.c - the growable byte buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"

static void buf_starts_empty(void **state)
{
	struct buf b;
	size_t len = 99;

	buf_init(&b);
	assert_int_equal(b.len, 0);
	assert_null(buf_detach(&b, &len));
	assert_int_equal(len, 0);
	buf_free(&b);
	buf_free(&b); /* freeing twice is harmless: free leaves b empty */
}

static void buf_append_grows(void **state)
{
	struct buf b;
	char chunk[7] = "abcdefg";

	buf_init(&b);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_append(&b, chunk, sizeof chunk), 0);
	assert_int_equal(b.len, 7000);
	assert_true(b.cap >= b.len);
	for (int i = 0; i < 1000; i++)
		assert_memory_equal(b.data + i * 7, chunk, sizeof chunk);
	assert_int_equal(buf_append(&b, NULL, 0), 0);
	assert_int_equal(b.len, 7000);
	buf_free(&b);
}

static void buf_printf_formats_and_grows(void **state)
{
	struct buf b;
	char big[5000];

	buf_init(&b);
	assert_int_equal(buf_printf(&b, "%s=%d;", "a", 1), 0);
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(buf_printf(&b, "[%s]", big), 0);
	assert_int_equal(b.len, 4 + 2 + sizeof big - 1);
	assert_memory_equal(b.data, "a=1;[zz", 7);
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(buf_printf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 4 + 2 + sizeof big - 1);
	buf_free(&b);
}

static void buf_reserve_keeps_contents(void **state)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(buf_append(&b, "xy", 2), 0);
	assert_int_equal(buf_reserve(&b, 100000), 0);
	assert_true(b.cap - b.len >= 100000);
	assert_memory_equal(b.data, "xy", 2);
	/* An impossible size fails and changes nothing. */
	assert_int_equal(buf_reserve(&b, SIZE_MAX), -1);
	assert_int_equal(buf_reserve(&b, SIZE_MAX - 1), -1);
	assert_int_equal(b.len, 2);
	assert_memory_equal(b.data, "xy", 2);
	buf_free(&b);
}

static void buf_consume_and_reset(void **state)
{
	struct buf b;
	size_t cap;

	buf_init(&b);
	assert_int_equal(buf_append(&b, "0123456789", 10), 0);
	buf_consume(&b, 3);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "3456789", 7);
	buf_consume(&b, 0);
	assert_int_equal(b.len, 7);
	buf_consume(&b, 7);
	assert_int_equal(b.len, 0);
	cap = b.cap;
	assert_int_equal(buf_append(&b, "ab", 2), 0);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap);
	assert_non_null(b.data);
	buf_free(&b);
}

static void buf_detach_hands_over(void **state)
{
	struct buf b;
	size_t len;
	char *p;

	buf_init(&b);
	assert_int_equal(buf_append(&b, "hello", 5), 0);
	p = buf_detach(&b, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(p, "hello", 5);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	free(p);
	/* b is usable again. */
	assert_int_equal(buf_append(&b, "x", 1), 0);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_starts_empty),
		cmocka_unit_test(buf_append_grows),
		cmocka_unit_test(buf_printf_formats_and_grows),
		cmocka_unit_test(buf_reserve_keeps_contents),
		cmocka_unit_test(buf_consume_and_reset),
		cmocka_unit_test(buf_detach_hands_over),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
