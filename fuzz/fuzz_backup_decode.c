/* fuzz_backup_decode.c - libFuzzer target: any bytes as a backup file.
 *
 * Each input is decoded three times: as it is; "resealed" with a correct
 * outer checksum in its last 4 bytes, so that mutations reach the checks
 * behind it (lengths, the LZ4 frame) instead of all dying at the checksum;
 * and wrapped whole in a correct backup (compressed, header from its first
 * bytes when they look like a snapshot's), so that mutations of the
 * snapshot itself reach the snapshot decoder past LZ4's own checksum. The raw-length limit is kept small (1 MiB) so that
 * a header's claim can never make the decoder reserve much. Besides the
 * sanitizers, the target aborts when:
 *
 *  - a refusal sets no message or leaves bytes in the output;
 *  - an accepted file's header disagrees with what it decoded (raw length,
 *    term and index), or its snapshot, compressed again with the same
 *    header fields, does not decode to the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "snapshot/backup.h"
#include "snapshot/crc32c.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_RAW (1u << 20)


static void decode(const uint8_t *p, size_t len)
{
	struct backup_header h, h2;
	struct backup_err err;
	struct snap_info info;
	struct buf raw, again, raw2;

	err.msg[0] = '\0';
	buf_init(&raw);
	if (backup_decode(p, len, FUZZ_MAX_RAW, &h, &raw, &info, &err) != 0) {
		CHECK(raw.len == 0);
		CHECK(err.msg[0] != '\0');
		buf_free(&raw);
		return;
	}
	CHECK(raw.len == h.raw_len && h.raw_len <= FUZZ_MAX_RAW);
	CHECK(info.term == h.term && info.index == h.index);
	buf_init(&again);
	buf_init(&raw2);
	h2 = h;
	CHECK(backup_encode(raw.data, raw.len, &h2, &again) == 0);
	CHECK(backup_decode(again.data, again.len, FUZZ_MAX_RAW, &h2, &raw2,
			    NULL, &err) == 0);
	CHECK(raw2.len == raw.len && memcmp(raw2.data, raw.data, raw.len) == 0);
	buf_free(&raw2);
	buf_free(&again);
	buf_free(&raw);
}

/* The input as the snapshot inside a well-formed backup; term and index
 * from where a snapshot keeps them (offsets 16 and 24), so that a valid
 * snapshot seed makes a valid backup. */
static void wrapped(const uint8_t *data, size_t size)
{
	struct backup_header h = {0};
	struct buf file;

	if (size == 0)
		return;
	for (int i = 0; i < 8 && 16 + i < (int)size; i++)
		h.term |= (uint64_t)data[16 + i] << (8 * i);
	for (int i = 0; i < 8 && 24 + i < (int)size; i++)
		h.index |= (uint64_t)data[24 + i] << (8 * i);
	buf_init(&file);
	CHECK(backup_encode(data, size, &h, &file) == 0);
	decode((const uint8_t *)file.data, file.len);
	buf_free(&file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wrapped(data, size);
	fuzz_also_sealed(data, size, decode);
	return 0;
}
