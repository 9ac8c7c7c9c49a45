/* fix_apply_length.c - refuse entries whose length is not a multiple of 8.
 *
 * Rule restored: an entry the leader accepts is stored so that it can be
 * read back (Raft's durability assumption: a server's log survives a
 * restart).  raft 0.15's disk format pads every entry to 8 bytes when it
 * sizes and reads a batch, but copies an unpadded entry unpadded: the data
 * checksum then covers the wrong bytes and the next entry sits at the wrong
 * offset.  On restart the segment fails its checksum, auto-recovery renames
 * it corrupt-* and committed entries are silently gone; the TCP transport
 * has the same mismatch, so the entries after such an entry in one
 * AppendEntries arrive shifted.  0.16 rejects such entries (cd3bd28).
 *
 * raftd's own batches are padded by the fsm codec, so this guard should
 * never fire in raftd; it is here so that a codec change cannot turn into
 * silent loss of acknowledged writes.  Refusing (RAFT_INVALID, nothing
 * appended, callback not called) rather than padding keeps the FSM seeing
 * exactly the bytes that were submitted.  A call with no buffers is refused
 * too: 0.15 only asserts against it, and its NDEBUG build then queues a
 * request whose callback never fires.
 *
 * This definition takes the name raft_apply; the archive's raft_apply is
 * renamed rfix_orig_raft_apply by raft/patch-archive.sh.
 */
#include <stdio.h>

#include "raft/raft015.h"

int raft_apply(struct raft *r,
	       struct raft_apply *req,
	       const struct raft_buffer bufs[],
	       const unsigned n,
	       raft_apply_cb cb)
{
	unsigned i;

	if (bufs == NULL || n == 0) {
		snprintf(r->errmsg, sizeof r->errmsg, "no entry to apply");
		return RAFT_INVALID;
	}
	for (i = 0; i < n; i++) {
		if (bufs[i].len % 8 != 0) {
			snprintf(r->errmsg, sizeof r->errmsg,
				 "entry %u is %zu bytes, not a multiple of 8",
				 i, bufs[i].len);
			return RAFT_INVALID;
		}
	}
	return rfix_orig_raft_apply(r, req, bufs, n, cb);
}
