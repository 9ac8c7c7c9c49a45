/* fix_crc32_speed.c - a faster byteCrc32 with bit-identical output.
 *
 * A performance replacement, not a safety fix: no Raft rule is at stake.
 * raft 0.15 checksums every entry batch it writes to or reads from a
 * segment, every message it decodes and every snapshot with byteCrc32, a
 * table-driven CRC-32 that consumes one byte per step.  Under write load
 * that loop is 20-30% of each node's CPU (docs/performance.md, item 2).
 *
 * The checksum is part of the on-disk segment and snapshot formats and of
 * the wire format, so this function must return exactly what the
 * original returns for every buffer and every init value: a node running
 * this code reads data written by plain 0.15.0 and the other way round.
 * The original's convention: polynomial 0x04C11DB7, MSB-first (not
 * reflected), the state starts at `init` with no pre- or post-inversion,
 * and each byte does crc = (crc << 8) ^ T[(crc >> 24) ^ byte].
 *
 * Slicing-by-8: T[k][b] is the CRC state after byte b followed by k zero
 * bytes, starting from state 0.  Because the CRC is linear over GF(2), the
 * state after eight bytes is the XOR of each byte's contribution shifted
 * by the number of bytes that follow it, and the old state folds into the
 * first four bytes (read big-endian, since the state's top byte meets the
 * first byte).  Bytes are read one at a time, so alignment and host byte
 * order do not matter.  The tail (fewer than 8 bytes) runs byte-wise with
 * T[0], which is the original's table.
 *
 * The tables (8 KiB) are computed from the polynomial on first use under
 * pthread_once, because libraft may call this from its thread pool as well
 * as from the loop thread.
 *
 * On x86-64 with PCLMULQDQ and SSSE3 (checked once), buffers of 64 bytes
 * and more are folded with carry-less multiplication instead, 64 bytes per
 * step; the table loop was still 2.6% of the whole machine's time under
 * put 64/8 (perf, docs/performance.md). The algebra: with no inversion,
 * the state after a message M started from `init` is the state after M
 * with init XORed into its first four bytes (read big-endian) started from
 * 0, and that is M(x) * x^32 mod P, M's bits read from the first byte's
 * top bit down as the coefficients of decreasing powers of x. So any A
 * with A == M (mod P) will do in place of M: each 128-bit block is a
 * polynomial, and the running value is folded forward by multiplying its
 * two 64-bit halves by x^(k+64) mod P and x^k mod P (32-bit constants,
 * computed from P at first use) and XORing in the block k bits later.
 * The last 128-bit value A is turned into the state by the table loop
 * (A's 16 bytes from state 0 give A(x) * x^32 mod P), and the bytes left
 * over (fewer than 16) continue from there.
 *
 * This definition takes the name byteCrc32; the archive's byteCrc32 is
 * renamed rfix_orig_byteCrc32 by raft/patch-archive.sh and only the tests
 * call it, to compare.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raft/raft015.h"

#define CRC_POLY 0x04C11DB7u

static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

/* State after one byte b fed into state 0, bit by bit from the top. */
static uint32_t crc_byte_step(uint32_t b)
{
	uint32_t c = b << 24;

	for (int i = 0; i < 8; i++)
		c = (c & 0x80000000u) ? (c << 1) ^ CRC_POLY : c << 1;
	return c;
}

static void crc_tables_init(void)
{
	for (uint32_t b = 0; b < 256; b++)
		crc_tab[0][b] = crc_byte_step(b);
	/* One more zero byte after T[k-1][b]: shift it through T[0]. */
	for (int k = 1; k < 8; k++)
		for (uint32_t b = 0; b < 256; b++) {
			uint32_t c = crc_tab[k - 1][b];

			crc_tab[k][b] = (c << 8) ^ crc_tab[0][c >> 24];
		}
}

/* Eight bytes at p folded into state c. */
static uint32_t crc_step8(uint32_t c, const uint8_t *p)
{
	uint32_t hi = c ^ ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			   (uint32_t)p[2] << 8 | (uint32_t)p[3]);

	return crc_tab[7][hi >> 24] ^ crc_tab[6][(hi >> 16) & 0xff] ^
	       crc_tab[5][(hi >> 8) & 0xff] ^ crc_tab[4][hi & 0xff] ^
	       crc_tab[3][p[4]] ^ crc_tab[2][p[5]] ^ crc_tab[1][p[6]] ^
	       crc_tab[0][p[7]];
}

static uint32_t crc_tables(uint32_t c, const uint8_t *p, size_t size)
{
	for (; size >= 8; size -= 8, p += 8)
		c = crc_step8(c, p);
	for (; size > 0; size--, p++)
		c = (c << 8) ^ crc_tab[0][(c >> 24) ^ *p];
	return c;
}

unsigned rfix_byteCrc32_tables(const void *buf, size_t size, unsigned init)
{
	/* pthread_once fails only on an invalid once-control; ours is static. */
	(void)pthread_once(&crc_once, crc_tables_init);
	return crc_tables(init, buf, size);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define FOLD_MIN 64 /* shorter buffers: the tables */

/* x^n mod P, P = x^32 + CRC_POLY. */
static uint64_t xpow_mod(unsigned n)
{
	uint64_t r = 1;

	while (n-- > 0) {
		r <<= 1;
		if (r & 0x100000000ull)
			r ^= 0x100000000ull | CRC_POLY;
	}
	return r;
}

/* Fold constants: for a shift by k bits, hi lane x^k mod P (multiplies the
 * low half) and lo lane x^(k+64) mod P (multiplies the high half). */
static __m128i fold_by_512, fold_by_384, fold_by_256, fold_by_128;
static bool fold_ok;

static __m128i fold_consts(unsigned k)
{
	return _mm_set_epi64x((long long)xpow_mod(k), (long long)xpow_mod(k + 64));
}

static void fold_init(void)
{
	(void)pthread_once(&crc_once, crc_tables_init);
	__builtin_cpu_init();
	fold_ok = __builtin_cpu_supports("pclmul") &&
		  __builtin_cpu_supports("ssse3");
	fold_by_512 = fold_consts(512);
	fold_by_384 = fold_consts(384);
	fold_by_256 = fold_consts(256);
	fold_by_128 = fold_consts(128);
}

static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

__attribute__((target("pclmul,ssse3")))
static __m128i load_be(const uint8_t *p)
{
	const __m128i rev = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
					 12, 13, 14, 15);

	return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), rev);
}

/* A value congruent to a * x^k, with k the constants' shift. */
__attribute__((target("pclmul,ssse3")))
static __m128i fold(__m128i a, __m128i k)
{
	return _mm_xor_si128(_mm_clmulepi64_si128(a, k, 0x01),
			     _mm_clmulepi64_si128(a, k, 0x10));
}

__attribute__((target("pclmul,ssse3")))
static uint32_t crc_fold(uint32_t init, const uint8_t *p, size_t size)
{
	__m128i a0, a1, a2, a3;
	uint8_t last[16];

	a0 = _mm_xor_si128(load_be(p), _mm_set_epi64x((long long)((uint64_t)init << 32), 0));
	a1 = load_be(p + 16);
	a2 = load_be(p + 32);
	a3 = load_be(p + 48);
	p += 64;
	size -= 64;
	for (; size >= 64; size -= 64, p += 64) {
		a0 = _mm_xor_si128(fold(a0, fold_by_512), load_be(p));
		a1 = _mm_xor_si128(fold(a1, fold_by_512), load_be(p + 16));
		a2 = _mm_xor_si128(fold(a2, fold_by_512), load_be(p + 32));
		a3 = _mm_xor_si128(fold(a3, fold_by_512), load_be(p + 48));
	}
	a0 = _mm_xor_si128(_mm_xor_si128(fold(a0, fold_by_384),
					 fold(a1, fold_by_256)),
			   _mm_xor_si128(fold(a2, fold_by_128), a3));
	for (; size >= 16; size -= 16, p += 16)
		a0 = _mm_xor_si128(fold(a0, fold_by_128), load_be(p));
	/* a0's bytes, most significant first, from state 0. */
	a0 = _mm_shuffle_epi8(a0, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
					       10, 11, 12, 13, 14, 15));
	_mm_storeu_si128((__m128i *)last, a0);
	return crc_tables(crc_tables(0, last, sizeof last), p, size);
}

unsigned byteCrc32(const void *buf, size_t size, unsigned init)
{
	(void)pthread_once(&fold_once, fold_init);
	if (fold_ok && size >= FOLD_MIN)
		return crc_fold(init, buf, size);
	return crc_tables(init, buf, size);
}
#else
unsigned byteCrc32(const void *buf, size_t size, unsigned init)
{
	return rfix_byteCrc32_tables(buf, size, init);
}
#endif
