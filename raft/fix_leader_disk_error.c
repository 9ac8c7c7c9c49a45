/* fix_leader_disk_error.c - a leader that loses entries steps down.
 *
 * Raft rules restored (paper, figure 3): Log Matching ("if two logs contain
 * an entry with the same index and term, then the logs are identical in all
 * entries up through the given index") and Leader Append-Only.
 *
 * In raft 0.15, when a leader's disk write fails, the leader truncates the
 * failed entries from its in-memory log and stays leader (fixed upstream in
 * 0cac59c).  The entries were already sent to the followers, which may have
 * stored them.  The leader's next entry reuses the same index in the same
 * term with different content; a follower that holds the old entry sees a
 * matching index and term, keeps its own, and acknowledges: the leader
 * commits and applies one entry, the followers another.  The failed
 * request's callback also reported an error for an entry that may still
 * commit.
 *
 * Every logTruncate() call 0.15 makes while leader is such a case: a leader
 * only truncates its own log when it could not write entries it created
 * (replication.c appendLeaderCb on a failed write, triggerActualPromotion
 * and client.c clientChangeConfiguration when the write cannot even be
 * submitted).  So this wrapper lets the truncation happen and then makes the
 * leader a follower: pending requests fail with RAFT_LEADERSHIPLOST
 * (outcome unknown, which is the truth), the term ends without further
 * entries from this node, and the next leader's log decides what the
 * truncated indexes hold.
 *
 * One exception is handled before stepping down: inside raft_assign, the
 * change request is already recorded as pending when its entry fails to be
 * submitted, and raft_assign also returns the error.  Stepping down would
 * fire the request's callback as well, after the caller has been told to
 * keep ownership.  That is the only moment a change is recorded with no
 * promotion under way and no uncommitted configuration (raft_add and
 * raft_remove record it only after a successful submit; a promotion sets
 * promotee_id; a submitted change sets configuration_uncommitted_index), so
 * the request is detached in exactly that state.
 *
 * All callers pass &r->log (raft/patch-archive.sh checks that only client.o
 * and replication.o reference logTruncate), so the raft instance is found
 * from the log's address.  This definition takes the name logTruncate; the
 * archive's own becomes rfix_orig_logTruncate.
 */
#include <stddef.h>

#include "raft/raft015.h"

static struct raft *log_owner(struct raft_log *l)
{
	return (struct raft *)((char *)l - offsetof(struct raft, log));
}

static bool change_is_unsubmitted(const struct raft *r)
{
	return r->leader_state.change != NULL &&
	       r->leader_state.promotee_id == 0 &&
	       r->configuration_uncommitted_index == 0;
}

void logTruncate(struct raft_log *l, const raft_index index)
{
	struct raft *r = log_owner(l);
	bool leader = r->state == RAFT_LEADER;

	rfix_orig_logTruncate(l, index);
	if (!leader)
		return;
	if (change_is_unsubmitted(r))
		r->leader_state.change = NULL;
	convertToFollower(r);
}
