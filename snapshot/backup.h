/* backup.h - raftd's backup file: a snapshot (snapshot/snap.h), compressed
 * and checksummed, that can seed a new cluster (raftd --restore).
 *
 * Layout, all integers little-endian:
 *
 *   header (64 bytes)
 *     0  magic       9B 52 44 42 41 43 4B 0A ("\x9bRDBACK\n"; neither
 *                    LZ4's 04 22 4D 18 nor the snapshot's "\x9bRDSNAP\n")
 *     8  version     u32 (BACKUP_VERSION)
 *    12  flags       u32: BACKUP_F_LZ4, nothing else (other bits refused)
 *    16  term        u64: the term the state was taken in
 *    24  index       u64: the log index the state reflects
 *    32  raw_len     u64: bytes of the snapshot once decompressed
 *    40  comp_len    u64: bytes of the LZ4 frame that follows
 *    48  created_ms  u64: wall-clock time of the backup (Unix ms)
 *    56  node_id     u64: the leader that took it
 *   body
 *    64  one LZ4 frame (lz4frame.h) with content size (= raw_len) and
 *        content checksum, holding exactly one snapshot whose own term and
 *        index equal the header's
 *   trailer
 *        crc32c      u32 over every byte before it (header and frame)
 *
 * The file is exactly 64 + comp_len + 4 bytes. Decoding checks, in this
 * order, so that each kind of damage gets its own message: the length
 * against the header, the magic, the version, the flags, the lengths
 * (raw_len against a limit before anything is allocated, and against the
 * most LZ4 can expand comp_len), the checksum, the frame (its declared
 * content size, that it ends exactly at comp_len, its content checksum),
 * and finally the snapshot itself with snap_decode.
 */
#ifndef RD_SNAPSHOT_BACKUP_H
#define RD_SNAPSHOT_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "fsm/fsm.h"
#include "snapshot/snap.h"

#define BACKUP_VERSION 1
#define BACKUP_F_LZ4 1u
#define BACKUP_HDR_LEN 64
#define BACKUP_CRC_LEN 4
/* The largest snapshot a backup may hold unless the caller allows more:
 * libraft 0.15 cannot load a snapshot file over 2 GiB (docs/backup.md). */
#define BACKUP_MAX_RAW_DEFAULT ((uint64_t)2 << 30)

struct backup_header {
	uint32_t version;
	uint32_t flags;
	uint64_t term;
	uint64_t index;
	uint64_t raw_len;
	uint64_t comp_len;
	uint64_t created_ms;
	uint64_t node_id;
};

/* Room for a decoder's message: says what is wrong, with the numbers. */
struct backup_err {
	char msg[256];
};

/* Compress the snapshot snap[0..snap_len) (as snap_encode made it) into a
 * whole backup file in out (reset first; the caller owns out). h supplies
 * term, index, created_ms and node_id; the other fields are filled in (and
 * written back to h). Returns 0, or -1 when memory runs out or LZ4 fails
 * (out is then empty). */
int backup_encode(const void *snap, size_t snap_len, struct backup_header *h,
		  struct buf *out);

/* Check the header of the file p[0..len): magic, version, flags, and that
 * len is exactly what the header says, raw_len <= max_raw and raw_len
 * within what comp_len can expand to. Not the checksum. Returns 0 and fills
 * *h, or -1 with err set (*h then holds what could be read). */
int backup_check_header(const void *p, size_t len, uint64_t max_raw,
			struct backup_header *h, struct backup_err *err);

/* Validate the whole file p[0..len) (header, checksum, frame, and the
 * snapshot with snap_decode) and decompress it: on success, 0 with *h
 * filled, the snapshot's bytes in raw (reset first; the caller owns it) and,
 * when info is not NULL, what the snapshot holds. On any error -1 with err
 * set and raw empty. Memory: raw_len bytes (refused above max_raw before
 * anything is allocated), plus the decoded state while it is checked. */
int backup_decode(const void *p, size_t len, uint64_t max_raw,
		  struct backup_header *h, struct buf *raw,
		  struct snap_info *info, struct backup_err *err);

/* Replace the member table of the snapshot in snap (a valid version-3
 * snapshot, as backup_decode returns) with members[0..n): see
 * snap_replace_members (snapshot/snap.h), which does the work. A restored
 * cluster needs its own addresses, not the old cluster's. Returns 0, or -1
 * with err set (snap is then empty, unless the table could not be found:
 * then it is unchanged). */
int backup_set_members(struct buf *snap, const struct fsm_member *members,
		       size_t n, struct backup_err *err);

#endif
