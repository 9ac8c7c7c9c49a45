/* fix_change_after_commit.c - no membership change before the leader has
 * committed an entry of its own term.
 *
 * Raft rule restored (Ongaro, "bug in single-server membership changes",
 * raft-dev, July 2015, the correction to dissertation section 4.1): "a
 * leader may not append a new configuration entry until it has committed
 * an entry from its current term."
 *
 * raft 0.15 changes membership one server at a time and lets a new leader
 * append a configuration entry at once.  Then two configurations that were
 * never both committed can each gather a majority: a leader of an old
 * configuration that had started adding a server crashes; the next leader,
 * elected under the previous configuration, removes another server and
 * commits that change with a majority of the smaller configuration; the
 * first leader comes back and is elected under its own, larger
 * configuration by voters that never saw the second change, then overwrites
 * the committed change.  tests/raft/test_change_after_commit.c plays it.
 * Committing an entry of the new term first means a majority of the old
 * configuration has seen the new term, and the stale configuration can no
 * longer win an election.
 *
 * raftd's daemon proposes a barrier as soon as it becomes leader, so the
 * window is short; raft_add, raft_assign and raft_remove fail with
 * RAFT_CANTCHANGE inside it, like while another change is in flight, and
 * callers retry.  The check is logTermOf(commit_index) == current_term:
 * terms never decrease along the log, so the last committed entry has the
 * current term exactly when some entry of the current term is committed.
 *
 * This definition takes the name membershipCanChangeConfiguration, which
 * client.c calls (through the PLT) at the start of raft_add, raft_assign
 * and raft_remove; the archive's own definition is renamed
 * rfix_orig_membershipCanChangeConfiguration by raft/patch-archive.sh.
 */
#include <stdio.h>

#include "raft/raft015.h"

int membershipCanChangeConfiguration(struct raft *r)
{
	int rv = rfix_orig_membershipCanChangeConfiguration(r);

	if (rv != 0)
		return rv;
	if (r->commit_index == 0 ||
	    logTermOf(&r->log, r->commit_index) != r->current_term) {
		snprintf(r->errmsg, sizeof r->errmsg,
			 "no entry of term %llu is committed yet; retry the change",
			 (unsigned long long)r->current_term);
		return RAFT_CANTCHANGE;
	}
	return 0;
}
