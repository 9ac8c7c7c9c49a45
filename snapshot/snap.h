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
 * Version 3 holds exactly five sections, in this order; version 2 held the
 * first four (it still decodes: no members), version 1 the key-value
 * section alone (it still decodes: no sessions, no locks, no members,
 * cluster time 0, next session id 1).
 *
 *   the key-value section (SNAP_TAG_KV), in strictly increasing key order:
 *     0  count       u64: keys
 *     8  data_bytes  u64: sum of key and value lengths
 *    16  count times: klen u32, vlen u32, create_index u64, mod_index u64,
 *        key bytes, value bytes
 *
 *   the fsm scalars (SNAP_TAG_FSM), 16 bytes:
 *     0  cluster_time     u64: the largest time_ms applied
 *     8  next_session_id  u64: the id the next SESSION_OPEN gets
 *
 *   the sessions (SNAP_TAG_SESSIONS), by strictly increasing id:
 *     0  count    u64: sessions
 *     8  results  u64: stored results over all of them
 *    16  count times:
 *          id u64, timeout_ms u64, last_ms u64, highest_seq u64, ack u64,
 *          nresults u32, zero u32,
 *          then nresults times, by strictly increasing seq:
 *            seq u64, index u64, num i64, status u8, 7 zero bytes
 *
 *   the locks (SNAP_TAG_LOCKS), by strictly increasing name (key order):
 *     0  count       u64: locks
 *     8  name_bytes  u64: sum of the name lengths
 *    16  count times: name_len u32, zero u32, holder u64 (0: free),
 *        newest u64 (the newest token issued), name bytes
 *
 *   the members (SNAP_TAG_MEMBERS, version 3), by strictly increasing id:
 *     0  count       u64: members
 *     8  addr_bytes  u64: sum of both address lengths over all of them
 *    16  count times: id u64 (>= 1), raft_len u32, client_len u32 (each
 *        1 .. FSM_MAX_ADDR), raft address bytes, client address bytes
 *
 * Every field is checked against the rules in fsm/state.h before the state
 * is built, and every reserved byte must be zero: a state has exactly one
 * encoding. A section this version does not know is refused rather than
 * state dropped that cannot be read, and the message says so.
 */
#ifndef RD_SNAPSHOT_SNAP_H
#define RD_SNAPSHOT_SNAP_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "fsm/fsm.h"

#define SNAP_VERSION 3

enum snap_tag {
	SNAP_TAG_KV = 1,
	SNAP_TAG_FSM = 2,
	SNAP_TAG_SESSIONS = 3,
	SNAP_TAG_LOCKS = 4,
	SNAP_TAG_MEMBERS = 5
};

struct snap_info {
	uint32_t version;
	uint64_t term;
	uint64_t index;
	uint64_t keys;
	uint64_t data_bytes;
	uint64_t sessions;
	uint64_t locks;
	uint64_t members;
};

/* Encode all of f, tagged with term and index, into out (reset first; the
 * caller owns out and frees it with buf_free or takes it with buf_detach).
 * Returns 0, or -1 when memory runs out (out is then empty). f must not
 * change meanwhile. */
int snap_encode(const fsm *f, uint64_t term, uint64_t index, struct buf *out);

/* The exact size of f's encoding, and the encoding itself written to dst,
 * which must hold snap_encoded_size(f) bytes (what snap_encode does without
 * a buffer of its own: raftd/snapfork.c encodes straight into a mapped
 * file). f must not change in between. */
uint64_t snap_encoded_size(const fsm *f);

/* Replace the member table of snap, a valid version-3 encoding (one that
 * passed snap_decode), with m[0..n): ids strictly increasing and >= 1,
 * addresses 1..FSM_MAX_ADDR bytes, as the decoder requires. The checksum
 * is recomputed; nothing else changes. A restored cluster needs its own
 * addresses, not the old cluster's (raftd/restore.c). Returns 0, or -1
 * with *err set to a static message: snap is then emptied, unless it held
 * no member table (then it is unchanged). */
int snap_replace_members(struct buf *snap, const struct fsm_member *m,
			 size_t n, const char **err);
void snap_encode_into(const fsm *f, uint64_t term, uint64_t index, void *dst);

/* Decode the snapshot p[0..len) (version 1, 2 or 3) into a new fsm whose
 * applied index is the snapshot's index. Everything (checksum, version,
 * every length and field, key, id and name order) is checked before *out
 * is set; no live fsm is touched. Returns 0 and sets
 * *out (the caller frees it with fsm_free); or -1, setting *err to a static
 * message saying what is wrong. info (may be NULL) receives what the header
 * says as far as it could be read, zeroes for the rest (keys, data_bytes,
 * sessions, locks, members are zero on error). */
int snap_decode(const void *p, size_t len, fsm **out, struct snap_info *info,
		const char **err);

#endif
