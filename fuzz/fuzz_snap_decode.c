/* fuzz_snap_decode.c - libFuzzer target: any bytes as a snapshot.
 *
 * Each input is decoded twice: as it is, and "resealed" with a correct
 * checksum in its last 4 bytes, so that mutations reach the checks behind
 * the checksum (lengths, sections, key order) instead of all dying at it.
 * Besides the sanitizers, the target aborts when:
 *
 *  - a refusal sets no error message, or leaves *out set;
 *  - an accepted snapshot of the current version, encoded again from the
 *    fsm it produced, is not the same bytes: the format has one encoding
 *    per state, so anything the decoder accepts beyond that is a check it
 *    is missing. An accepted version 1 snapshot is encoded in the current
 *    version, which must decode and encode again to the same bytes;
 *  - the counts info reports differ from the fsm's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "fsm/fsm.h"
#include "fsm/state.h"
#include "snapshot/crc32c.h"
#include "snapshot/snap.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void decode(const uint8_t *p, size_t len)
{
	struct snap_info info;
	const char *err = NULL;
	struct buf again;
	fsm *f = NULL;

	if (snap_decode(p, len, &f, &info, &err) != 0) {
		CHECK(f == NULL);
		CHECK(err != NULL && err[0] != '\0');
		return;
	}
	CHECK(f != NULL);
	CHECK(fsm_count(f) == info.keys);
	CHECK(fsm_data_bytes(f) == info.data_bytes);
	CHECK(fsm_session_count(f) == info.sessions);
	CHECK(fsm_lock_count(f) == info.locks);
	CHECK(fsm_applied_index(f) == info.index);
	buf_init(&again);
	CHECK(snap_encode(f, info.term, info.index, &again) == 0);
	if (info.version == SNAP_VERSION) {
		CHECK(again.len == len && memcmp(again.data, p, len) == 0);
	} else {
		struct buf third;
		fsm *g = NULL;

		/* an older version re-encodes as the current one, which
		 * then round-trips exactly */
		CHECK(info.version == 2 ||
		      (info.version == 1 && info.sessions == 0 &&
		       info.locks == 0));
		CHECK(info.members == 0);
		CHECK(snap_decode(again.data, again.len, &g, &info, &err) == 0);
		buf_init(&third);
		CHECK(snap_encode(g, info.term, info.index, &third) == 0);
		CHECK(third.len == again.len &&
		      memcmp(third.data, again.data, again.len) == 0);
		buf_free(&third);
		fsm_free(g);
	}
	buf_free(&again);
	fsm_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_also_sealed(data, size, decode);
	return 0;
}
