/* snap.h - raftd's snapshot format: the whole fsm state in one buffer.
 *
 * Layout, all integers little-endian:
 *
 *   header (32 bytes)
 *     0  magic     9B 52 44 53 4E 41 50 0A ("\x9bRDSNAP\n"; not LZ4's
 *                  04 22 4D 18, which libraft uses to spot compressed files)
 *     8  version   u32 (SNAP_VERSION)
 *    12  sections  u32: how many sections follow
 *    16  term      u64
 *    24  index     u64: the applied index the state reflects
 *   sections, each
 *     0  tag       u32 (enum snap_tag)
 *     4  -         u32, zero
 *     8  length    u64: bytes of the body that follows
 *   trailer
 *        crc32c    u32 over every byte before it
 *
 *   the key-value section (SNAP_TAG_KV), in strictly increasing key order:
 *     0  count       u64: keys
 *     8  data_bytes  u64: sum of key and value lengths
 *    16  count times: klen u32, vlen u32, create_index u64, mod_index u64,
 *        key bytes, value bytes
 *
 * Later versions add state (client sessions, locks, the member table) as new
 * sections. This version refuses a section it does not know rather than
 * drop state it cannot read, and says so.
 */
#ifndef RD_SNAPSHOT_SNAP_H
#define RD_SNAPSHOT_SNAP_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "fsm/fsm.h"

#define SNAP_VERSION 1

enum snap_tag {
	SNAP_TAG_KV = 1
};

struct snap_info {
	uint32_t version;
	uint64_t term;
	uint64_t index;
	uint64_t keys;
	uint64_t data_bytes;
};

/* Encode all of f, tagged with term and index, into out (reset first; the
 * caller owns out and frees it with buf_free or takes it with buf_detach).
 * Returns 0, or -1 when memory runs out (out is then empty). f must not
 * change meanwhile. */
int snap_encode(const fsm *f, uint64_t term, uint64_t index, struct buf *out);

/* Decode the snapshot p[0..len) into a new fsm whose applied index is the
 * snapshot's index. Everything (checksum, version, every length, key order)
 * is checked before *out is set; no live fsm is touched. Returns 0 and sets
 * *out (the caller frees it with fsm_free); or -1, setting *err to a static
 * message saying what is wrong. info (may be NULL) receives what the header
 * says as far as it could be read, zeroes for the rest, even on error. */
int snap_decode(const void *p, size_t len, fsm **out, struct snap_info *info,
		const char **err);

#endif
