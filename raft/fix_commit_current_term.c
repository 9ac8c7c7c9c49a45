/* fix_commit_current_term.c - commit only by counting current-term entries.
 *
 * Raft rule restored (paper, section 5.4.2 and figure 8): "Raft never
 * commits log entries from previous terms by counting replicas.  Only log
 * entries from the leader's current term are committed by counting
 * replicas; once an entry from the current term has been committed in this
 * way, then all prior entries are committed indirectly."
 *
 * raft 0.15's replicationQuorum() commits any index stored on a majority,
 * whatever its term (upstream issue #220, fixed in 0.17.1).  A leader of
 * term 4 can then commit and apply an entry of term 2 that a later leader,
 * elected with a term-3 entry at the same index, overwrites: an
 * acknowledged write is lost and replicas diverge.  tests/raft/
 * test_figure8.c plays that scenario.
 *
 * The library calls replicationQuorum() (through the PLT, so this
 * definition replaces the archive's weakened one; raft/patch-archive.sh
 * checks the call sites) after the leader's own write completes and after
 * each successful AppendEntries result.  Its index argument is the leader's
 * last stored index; this version ignores it and considers every index, see
 * fix_commit_majority.c.
 *
 * Checking only the largest majority-held index N is enough: terms never
 * decrease along a log, so if log[N].term is below the current term, so is
 * the term of every index below N, and nothing may be committed yet; the
 * leader's next own entry (raftd's daemon appends a barrier as soon as it
 * becomes leader, see docs/consensus.md) will commit them all.
 */
#include "raft/fixes.h"
#include "raft/raft015.h"

void replicationQuorum(struct raft *r, const raft_index index)
{
	raft_index n;

	(void)index;
	if (r->state != RAFT_LEADER)
		return;
	n = rfix_majority_index(r);
	if (n <= r->commit_index)
		return;
	if (logTermOf(&r->log, n) != r->current_term)
		return;
	r->commit_index = n;
}
