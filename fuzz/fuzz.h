/* fuzz.h - what the libFuzzer targets share.
 *
 * CHECK: an invariant the code under test must keep whatever the input; a
 * broken one aborts, which libFuzzer reports as a crash with the input.
 *
 * fuzz_also_sealed: decoders of raftd's formats verify a trailing CRC32C
 * before anything else, so almost every mutated input stops there. Each
 * input is therefore decoded twice: as given, and with its last four bytes
 * replaced by the CRC32C of the rest (little-endian, as the formats store
 * it), which lets mutations reach the field checks behind the checksum.
 */
#ifndef RD_FUZZ_H
#define RD_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/crc32c.h"

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "%s:%d: check failed: %s\n",        \
				__FILE__, __LINE__, #cond);                 \
			abort();                                            \
		}                                                           \
	} while (0)

static inline void fuzz_also_sealed(const uint8_t *data, size_t size,
				    void (*decode)(const uint8_t *, size_t))
{
	uint8_t *sealed;
	uint32_t crc;

	decode(data, size);
	if (size < 4)
		return;
	sealed = malloc(size);
	CHECK(sealed != NULL);
	memcpy(sealed, data, size);
	crc = crc32c(0, sealed, size - 4);
	for (int i = 0; i < 4; i++)
		sealed[size - 4 + i] = (uint8_t)(crc >> (8 * i));
	decode(sealed, size);
	free(sealed);
}

#endif
