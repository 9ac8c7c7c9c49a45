/* fix_candidate_durable.c - campaign only on a log that is on disk.
 *
 * Raft rule restored (paper, figure 2: persistent state is "updated on
 * stable storage before responding to RPCs"; section 5.4.1, the election
 * restriction).  A RequestVote describes the candidate's log, and voters
 * grant their vote because that log is at least as up-to-date as theirs.
 * The description must be of the durable log: after a crash the candidate
 * has only what its disk holds.
 *
 * raft 0.15 starts an election from whatever is in memory.  A follower that
 * has received entries it has not yet written, or that is installing a
 * snapshot (its in-memory log then already claims the snapshot's last index
 * while its disk holds the old log), converts to candidate and advertises
 * entries it does not have on disk (upstream a54636b, 634cb11, 4fbd3c0;
 * a leadership transfer's TimeoutNow takes the same path, f65b6e7).
 * When the snapshot write completes while the node is candidate or leader,
 * 0.15 restores the FSM under the new role and replies to a "leader" read
 * from the wrong member of the state union.
 *
 * The fix: a follower whose last stored index is behind its in-memory log
 * does not become candidate.  It stays follower with its election timer
 * expired, so the next tick tries again; writes take milliseconds, so the
 * election is delayed, never lost.  Both cases above are covered by the one
 * test: installing a snapshot sets last_stored to 0 while the in-memory log
 * ends at the snapshot index.  A follower whose write failed keeps
 * last_stored behind for good and never campaigns again; raftd treats a
 * failed write as fatal (docs/consensus.md), so that node restarts instead.
 *
 * This definition takes the name convertToCandidate, called through the PLT
 * from tick.c (election timeout), recv_timeout_now.c (leadership transfer)
 * and start.c (single-voter start-up); the archive's own definition is
 * renamed rfix_orig_convertToCandidate by raft/patch-archive.sh.
 */
#include "raft/raft015.h"

int convertToCandidate(struct raft *r, bool disrupt_leader)
{
	if (r->state == RAFT_FOLLOWER &&
	    r->last_stored < logLastIndex(&r->log))
		return 0;
	return rfix_orig_convertToCandidate(r, disrupt_leader);
}
