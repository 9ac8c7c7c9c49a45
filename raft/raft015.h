/* raft015.h - private declarations of canonical/raft 0.15.0 internals.
 *
 * raftd links the static libraft.a of Debian's libraft-dev 0.15.0-1 and
 * carries its consensus fixes as functions of its own that take the place
 * of library functions at link time (raft/patch-archive.sh and
 * docs/consensus.md explain how).  Those functions work on the library's
 * state and call some of its internal, non-static functions, whose
 * prototypes are not installed.  This header mirrors the few we need from
 * the v0.15.0 sources; each block names the file it mirrors.
 *
 * The struct layouts used (struct raft, struct raft_log, struct
 * raft_progress) are the public ones of <raft.h>.  The static assertions at
 * the end pin them to the 0.15.0 layout, so that a different raft.h stops
 * the build instead of compiling code that misreads the archive's memory.
 * The archive itself is checked against the 0.15.0 symbol list by
 * raft/patch-archive.sh before it is patched.
 */
#ifndef RAFTD_RAFT015_H
#define RAFTD_RAFT015_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/aio_abi.h>
#include <sys/types.h>

#include <raft.h>
#include <uv.h>

/* --- src/log.h (0.15.0) ------------------------------------------------ */

/* Index of the last entry in the in-memory log, 0 if empty. */
raft_index logLastIndex(struct raft_log *l);

/* Term of the entry at index, 0 if the log has no such entry. */
raft_term logTermOf(struct raft_log *l, raft_index index);

/* The entry at index, NULL if not in memory (never stored, or compacted). */
const struct raft_entry *logGet(struct raft_log *l, raft_index index);

/* Index of the last entry covered by the last snapshot, 0 if none. */
raft_index logSnapshotIndex(struct raft_log *l);

/* Delete all entries from index on.  raft/fix_leader_disk_error.c takes
 * this name; the archive's own definition is renamed to
 * rfix_orig_logTruncate. */
void logTruncate(struct raft_log *l, raft_index index);
void rfix_orig_logTruncate(struct raft_log *l, raft_index index);

/* --- src/convert.h (0.15.0) -------------------------------------------- */

/* Leave the current state (failing pending leader requests with
 * RAFT_LEADERSHIPLOST) and become follower. */
void convertToFollower(struct raft *r);

/* Become candidate and start an election.  raft/fix_candidate_durable.c
 * takes this name; the archive's definition becomes
 * rfix_orig_convertToCandidate. */
int convertToCandidate(struct raft *r, bool disrupt_leader);
int rfix_orig_convertToCandidate(struct raft *r, bool disrupt_leader);

/* --- src/recv_request_vote.h (0.15.0) ---------------------------------- */

/* Handle a RequestVote (or pre-vote) from server id.
 * raft/fix_vote_silent_leader.c takes this name; the archive's definition
 * becomes rfix_orig_recvRequestVote. */
int recvRequestVote(struct raft *r, raft_id id, const char *address,
		    const struct raft_request_vote *args);
int rfix_orig_recvRequestVote(struct raft *r, raft_id id, const char *address,
			      const struct raft_request_vote *args);

/* --- src/membership.h (0.15.0) ----------------------------------------- */

/* 0 if r may start a membership change now, else RAFT_NOTLEADER or
 * RAFT_CANTCHANGE (with r->errmsg set).  raft/fix_change_after_commit.c
 * takes this name; the archive's definition becomes
 * rfix_orig_membershipCanChangeConfiguration. */
int membershipCanChangeConfiguration(struct raft *r);
int rfix_orig_membershipCanChangeConfiguration(struct raft *r);

/* --- src/replication.h (0.15.0) ---------------------------------------- */

/* Called by the leader after its own write or a follower's acknowledgement
 * completes, to advance commit_index.  The archive's definition is made
 * weak; raft/fix_commit_current_term.c provides the one that is linked. */
void replicationQuorum(struct raft *r, raft_index index);

/* --- src/byte.h (0.15.0) ----------------------------------------------- */

/* CRC-32 of size bytes at buf, continuing from state init (polynomial
 * 0x04C11DB7, MSB-first, no inversion).  raft/fix_crc32_speed.c takes this
 * name (a faster, bit-identical version); the archive's definition becomes
 * rfix_orig_byteCrc32, which the tests compare against. */
unsigned byteCrc32(const void *buf, size_t size, unsigned init);
unsigned rfix_orig_byteCrc32(const void *buf, size_t size, unsigned init);
/* The table-driven version alone (byteCrc32 folds long buffers with
 * PCLMULQDQ where the processor has it); for the tests. */
unsigned rfix_byteCrc32_tables(const void *buf, size_t size, unsigned init);

/* uv_os.c: make [offset, offset + len) of fd allocated; 0 or -errno.
 * raftd's (raft/fix_segment_zero.c) writes zeroes; the archive's weakened
 * posix_fallocate version stays in the archive, unreachable. */
int UvOsFallocate(int fd, off_t offset, off_t len);

/* uv_os.c: io_destroy(2) of a kernel AIO context; 0 or -errno. raftd's
 * (raft/fix_aio_destroy.c) queues it to a background thread, because the
 * call waits for an RCU grace period (tens of ms) on the loop thread. */
int UvOsIoDestroy(aio_context_t ctx);
/* Wait until every context queued by UvOsIoDestroy has been destroyed. */
void rfix_aio_destroy_drain(void);

/* uv_recv.c's call of uv_read_start on a peer's stream is redirected here
 * (raft/patch-archive.sh): raft/fix_recv_coalesce.c reads into one large
 * buffer and hands raft its preamble, header and payload from it, instead
 * of one read(2) for each. */
int rfix_uv_read_start(uv_stream_t *s, uv_alloc_cb alloc_cb, uv_read_cb read_cb);

/* --- include/raft.h (0.15.0) ------------------------------------------- */

/* raft/fix_apply_length.c takes the name raft_apply (declared in raft.h);
 * the archive's definition becomes rfix_orig_raft_apply. */
int rfix_orig_raft_apply(struct raft *r,
			 struct raft_apply *req,
			 const struct raft_buffer bufs[],
			 unsigned n,
			 raft_apply_cb cb);

/* --- layout pins --------------------------------------------------------- */

/* Sizes and offsets of the 0.15.0 raft.h on LP64 (x86-64, arm64). */
#if UINTPTR_MAX != 0xffffffffffffffffu
#error "raftd's raft fixes were checked against the 0.15.0 layout on LP64 only"
#endif
_Static_assert(sizeof(struct raft) == 656, "struct raft is not raft 0.15.0's");
_Static_assert(sizeof(struct raft_log) == 72,
	       "struct raft_log is not raft 0.15.0's");
_Static_assert(sizeof(struct raft_progress) == 56,
	       "struct raft_progress is not raft 0.15.0's");
_Static_assert(offsetof(struct raft, last_stored) == 200,
	       "struct raft is not raft 0.15.0's");
_Static_assert(offsetof(struct raft, leader_state) == 216,
	       "struct raft is not raft 0.15.0's");
_Static_assert(offsetof(struct raft, snapshot) == 296,
	       "struct raft is not raft 0.15.0's");

#endif /* RAFTD_RAFT015_H */
