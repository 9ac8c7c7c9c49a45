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
 * This definition takes the name byteCrc32; the archive's byteCrc32 is
 * renamed rfix_orig_byteCrc32 by raft/patch-archive.sh and only the tests
 * call it, to compare.
 */
#include <pthread.h>
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

unsigned byteCrc32(const void *buf, size_t size, unsigned init)
{
	const uint8_t *p = buf;
	uint32_t c = init;

	/* pthread_once fails only on an invalid once-control; ours is static. */
	(void)pthread_once(&crc_once, crc_tables_init);
	for (; size >= 8; size -= 8, p += 8)
		c = crc_step8(c, p);
	for (; size > 0; size--, p++)
		c = (c << 8) ^ crc_tab[0][(c >> 24) ^ *p];
	return c;
}
