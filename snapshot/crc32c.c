/* crc32c.c - CRC-32C: SSE4.2's crc32 instruction, or slice-by-8.
 *
 * On x86-64 processors with SSE4.2 (checked once, at the first call) the
 * crc32 instruction folds eight bytes per instruction; a snapshot taken
 * under load spent a third of its encoding time in the software loop below
 * (perf, put 64/8, docs/performance.md). Elsewhere, the software loop:
 *
 * Snapshots of a million keys run to hundreds of megabytes, so the byte-at-
 * a-time table method (one lookup per byte) would cost more than encoding
 * them. Slice-by-8 folds eight bytes per step through eight tables: table[0]
 * is the classic byte table, table[k][i] is the CRC of byte i followed by k
 * zero bytes. The tables are built once, on first use, under pthread_once so
 * that snapshots may be checksummed off the main thread.
 */
#include "snapshot/crc32c.h"

#include <pthread.h>
#include <string.h>

#define CRC32C_POLY 0x82F63B78u

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	uint32_t i, k, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			crc_table[k][i] = (crc_table[k - 1][i] >> 8) ^
					  crc_table[0][crc_table[k - 1][i] & 0xff];
}

static uint64_t load_le64(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

uint32_t crc32c_soft(uint32_t crc, const void *data, size_t n)
{
	const unsigned char *p = data;

	pthread_once(&crc_once, crc_init);
	crc = ~crc;
	while (n >= 8) {
		uint64_t w = load_le64(p) ^ crc;

		crc = crc_table[7][w & 0xff] ^ crc_table[6][(w >> 8) & 0xff] ^
		      crc_table[5][(w >> 16) & 0xff] ^
		      crc_table[4][(w >> 24) & 0xff] ^
		      crc_table[3][(w >> 32) & 0xff] ^
		      crc_table[2][(w >> 40) & 0xff] ^
		      crc_table[1][(w >> 48) & 0xff] ^ crc_table[0][w >> 56];
		p += 8;
		n -= 8;
	}
	while (n-- > 0)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc32, const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t crc = ~crc32;

	while (n >= 8) {
		uint64_t w;

		memcpy(&w, p, sizeof(w));
		crc = __builtin_ia32_crc32di(crc, w);
		p += 8;
		n -= 8;
	}
	while (n-- > 0)
		crc = __builtin_ia32_crc32qi((uint32_t)crc, *p++);
	return ~(uint32_t)crc;
}

static uint32_t (*crc_impl)(uint32_t, const void *, size_t);

static void crc_pick(void)
{
	__builtin_cpu_init();
	crc_impl = __builtin_cpu_supports("sse4.2") ? crc32c_sse42 : crc32c_soft;
}

static pthread_once_t pick_once = PTHREAD_ONCE_INIT;

uint32_t crc32c(uint32_t crc, const void *data, size_t n)
{
	pthread_once(&pick_once, crc_pick);
	return crc_impl(crc, data, n);
}
#else
uint32_t crc32c(uint32_t crc, const void *data, size_t n)
{
	return crc32c_soft(crc, data, n);
}
#endif
