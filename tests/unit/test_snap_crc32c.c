/* test_snap_crc32c.c - CRC-32C against published check values (RFC 3720
 * appendix B.4 and the common "123456789" check), and piecewise use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "snapshot/crc32c.h"

static void test_check_values(void **state)
{
	unsigned char b[32];
	int i;

	(void)state;
	assert_int_equal(crc32c(0, "", 0), 0);
	assert_int_equal(crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(crc32c(0, "a", 1), 0xC1D04330u);
	memset(b, 0, sizeof(b));
	assert_int_equal(crc32c(0, b, sizeof(b)), 0x8A9136AAu);
	memset(b, 0xff, sizeof(b));
	assert_int_equal(crc32c(0, b, sizeof(b)), 0x62A8AB43u);
	for (i = 0; i < 32; i++)
		b[i] = (unsigned char)i;
	assert_int_equal(crc32c(0, b, sizeof(b)), 0x46DD794Eu);
	for (i = 0; i < 32; i++)
		b[i] = (unsigned char)(31 - i);
	assert_int_equal(crc32c(0, b, sizeof(b)), 0x113FDB5Cu);
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
		cmocka_unit_test(test_pieces_and_alignment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
