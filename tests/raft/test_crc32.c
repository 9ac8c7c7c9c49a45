/* test_crc32.c - raftd's byteCrc32 returns what raft 0.15.0's returns.
 *
 * Covers raft/fix_crc32_speed.c.  The CRC is part of raft's segment,
 * snapshot and message formats: a node with the fast version must read
 * what a plain 0.15.0 node wrote, and the other way round.  So the
 * replacement is compared bit for bit with the archive's own function
 * (renamed rfix_orig_byteCrc32 by raft/patch-archive.sh) on random data of
 * every length from 0 to 4096, at every start offset modulo 8, from random
 * init values, and when a buffer is checksummed in pieces (libraft chains
 * the init value across a batch's header and its entries).  A known-answer
 * case pins the convention independently of the archive.
 *
 * There is no -unpatched twin: the unpatched archive has no
 * rfix_orig_byteCrc32 to compare with, and nothing in this test is about a
 * bug of 0.15.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "raft/raft015.h"

#define MAX_LEN 4096
#define MAX_SKEW 8

/* Deterministic xorshift64, so a failure is reproducible. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rng32(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rng32();
}

/* The standard check value: "123456789" from init 0xFFFFFFFF with this
 * polynomial, MSB-first and no final xor, is CRC-32/MPEG-2 = 0x0376E6E7;
 * from init 0 it is the complement of CRC-32/POSIX's 0x765E7680. */
static void test_known_answer(void **state)
{
	(void)state;
	assert_int_equal(byteCrc32("123456789", 9, 0xFFFFFFFFu), 0x0376E6E7u);
	assert_int_equal(byteCrc32("123456789", 9, 0), 0x89A1897Fu);
	assert_int_equal(rfix_orig_byteCrc32("123456789", 9, 0xFFFFFFFFu),
			 0x0376E6E7u);
	assert_int_equal(byteCrc32("", 0, 0x12345678u), 0x12345678u);
}

/* Every length 0..MAX_LEN, every start offset modulo 8, random init. */
static void test_every_length_and_offset(void **state)
{
	static uint8_t buf[MAX_LEN + MAX_SKEW];

	(void)state;
	fill_random(buf, sizeof buf);
	for (size_t len = 0; len <= MAX_LEN; len++) {
		for (size_t skew = 0; skew < MAX_SKEW; skew++) {
			unsigned init = rng32();
			unsigned want =
			    rfix_orig_byteCrc32(buf + skew, len, init);
			unsigned got = byteCrc32(buf + skew, len, init);
			unsigned tab =
			    rfix_byteCrc32_tables(buf + skew, len, init);

			if (got != want || tab != want)
				fail_msg("len %zu skew %zu init %08x: got "
					 "%08x (tables %08x), want %08x",
					 len, skew, init, got, tab, want);
		}
		/* Fresh bytes at the front for the next length. */
		fill_random(buf, len < 64 ? 64 : 64 + len % 64);
	}
}

/* Checksumming in pieces, each piece's result the next one's init, gives
 * the whole buffer's CRC, and both functions agree at every step. */
static void test_chained(void **state)
{
	static uint8_t buf[MAX_LEN];

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t len = rng32() % (MAX_LEN + 1);
		unsigned init = rng32();
		unsigned got = init;
		unsigned want = init;
		size_t off = 0;

		fill_random(buf, len);
		while (off < len) {
			size_t piece = 1 + rng32() % (len - off);

			got = byteCrc32(buf + off, piece, got);
			want = rfix_orig_byteCrc32(buf + off, piece, want);
			assert_int_equal(got, want);
			off += piece;
		}
		assert_int_equal(got, byteCrc32(buf, len, init));
	}
}

/* A buffer the size of a large batch, all 0xFF and then random. */
static void test_large(void **state)
{
	size_t len = 1u << 20;
	uint8_t *buf = malloc(len + 3);

	(void)state;
	assert_non_null(buf);
	memset(buf, 0xFF, len + 3);
	assert_int_equal(byteCrc32(buf + 3, len, 0),
			 rfix_orig_byteCrc32(buf + 3, len, 0));
	fill_random(buf, len + 3);
	assert_int_equal(byteCrc32(buf + 1, len + 1, 0xFFFFFFFFu),
			 rfix_orig_byteCrc32(buf + 1, len + 1, 0xFFFFFFFFu));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_answer),
	    cmocka_unit_test(test_every_length_and_offset),
	    cmocka_unit_test(test_chained),
	    cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
