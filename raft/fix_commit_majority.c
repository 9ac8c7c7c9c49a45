/* fix_commit_majority.c - the index a majority of voters has stored.
 *
 * Raft rule restored (paper, figure 2, rules for leaders): "If there exists
 * an N such that N > commitIndex, a majority of matchIndex[i] >= N, and
 * log[N].term == currentTerm: set commitIndex = N."
 *
 * raft 0.15's replicationQuorum() only ever tried one N: the leader's own
 * last stored index.  Under steady load the leader's disk keeps that index
 * ahead of every acknowledgement from the followers, no majority ever holds
 * exactly that index, and nothing commits for as long as the load lasts
 * (fixed upstream in 1996d32).  This file finds the largest N that a
 * majority holds; fix_commit_current_term.c applies the term condition.
 *
 * The leader counts itself with r->last_stored (what its own disk holds),
 * not with its progress entry, which 0.15 refreshes only when a leader write
 * completes.  N is also capped at r->last_stored: a leader never commits an
 * entry before its own disk has it.  That keeps 0.15's invariant
 * commit_index <= last_stored, which its follower code relies on after a
 * step-down (it lowers commit_index to last_stored otherwise; upstream
 * d144504), and it means a write acknowledged to a client is on the
 * leader's disk too.
 *
 * Voters are few, so the O(n^2) count below needs no allocation.
 */
#include "raft/fixes.h"

/* Durable index of the i'th server of the configuration, as the leader
 * knows it. */
static raft_index stored_index(struct raft *r, unsigned i)
{
	if (r->configuration.servers[i].id == r->id)
		return r->last_stored;
	return r->leader_state.progress[i].match_index;
}

/* How many voters have stored at least index. */
static unsigned voters_holding(struct raft *r, raft_index index)
{
	unsigned count = 0;
	unsigned i;

	for (i = 0; i < r->configuration.n; i++) {
		if (r->configuration.servers[i].role != RAFT_VOTER)
			continue;
		if (stored_index(r, i) >= index)
			count++;
	}
	return count;
}

static unsigned voter_count(struct raft *r)
{
	unsigned count = 0;
	unsigned i;

	for (i = 0; i < r->configuration.n; i++)
		if (r->configuration.servers[i].role == RAFT_VOTER)
			count++;
	return count;
}

raft_index rfix_majority_index(struct raft *r)
{
	unsigned majority = voter_count(r) / 2 + 1;
	raft_index best = 0;
	unsigned i;

	/* The answer is one of the voters' stored indexes: the largest one
	 * that at least a majority of voters reach. */
	for (i = 0; i < r->configuration.n; i++) {
		raft_index candidate;

		if (r->configuration.servers[i].role != RAFT_VOTER)
			continue;
		candidate = stored_index(r, i);
		if (candidate > best && voters_holding(r, candidate) >= majority)
			best = candidate;
	}
	if (best > r->last_stored)
		best = r->last_stored;
	return best;
}
