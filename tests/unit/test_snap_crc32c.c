/* test_snap_crc32c.c - CRC-32C against published check values (RFC 3720
 * appendix B.4 and the common "123456789" check), and piecewise use; both
 * the version crc32c picks (SSE4.2 where the processor has it) and the
 * portable one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "snapshot/crc32c.h"

typedef uint32_t crc_fn(uint32_t, const void *, size_t);

static void check_values(crc_fn *f)
{
	unsigned char b[32];
	int i;

	assert_int_equal(f(0, "", 0), 0);
	assert_int_equal(f(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(f(0, "a", 1), 0xC1D04330u);
	memset(b, 0, sizeof(b));
	assert_int_equal(f(0, b, sizeof(b)), 0x8A9136AAu);
	memset(b, 0xff, sizeof(b));
	assert_int_equal(f(0, b, sizeof(b)), 0x62A8AB43u);
	for (i = 0; i < 32; i++)
		b[i] = (unsigned char)i;
	assert_int_equal(f(0, b, sizeof(b)), 0x46DD794Eu);
	for (i = 0; i < 32; i++)
		b[i] = (unsigned char)(31 - i);
	assert_int_equal(f(0, b, sizeof(b)), 0x113FDB5Cu);
}

static void test_check_values(void **state)
{
	(void)state;
	check_values(crc32c);
	check_values(crc32c_soft);
}

/* The two versions agree on every length up to a few words past the
 * 8-byte stride, at every alignment, continuing from any state. */
static void test_versions_agree(void **state)
{
	unsigned char b[100];
	size_t len, off;
	uint32_t seed = 0x12345678u;

	(void)state;
	for (len = 0; len < sizeof(b); len++)
		b[len] = (unsigned char)(len * 37 + 11);
	for (off = 0; off < 8; off++)
		for (len = 0; len + off <= sizeof(b); len++) {
			seed = seed * 1103515245u + 12345u;
			assert_int_equal(crc32c(seed, b + off, len),
					 crc32c_soft(seed, b + off, len));
		}
}

/* Any split point, and any alignment of the start, gives the same value as
 * one pass: the 8-byte loop and the byte loop must agree. */
static void test_pieces_and_alignment(void **state)
{
	unsigned char b[300];
	uint32_t whole;
	size_t i, off;

	(void)state;
	for (i = 0; i < sizeof(b); i++)
		b[i] = (unsigned char)(i * 131 + 7);
	whole = crc32c(0, b, sizeof(b));
	for (i = 0; i <= sizeof(b); i++)
		assert_int_equal(crc32c(crc32c(0, b, i), b + i, sizeof(b) - i),
				 whole);
	for (off = 1; off < 8; off++) {
		unsigned char c[320];

		memcpy(c + off, b, sizeof(b));
		assert_int_equal(crc32c(0, c + off, sizeof(b)), whole);
	}
	/* A single flipped bit changes the value. */
	b[150] ^= 0x10;
	assert_int_not_equal(crc32c(0, b, sizeof(b)), whole);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_values),
		cmocka_unit_test(test_versions_agree),
		cmocka_unit_test(test_pieces_and_alignment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
