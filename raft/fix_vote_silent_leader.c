/* fix_vote_silent_leader.c - a leader not heard from for an election
 * timeout does not block the next election.
 *
 * Raft rule restored (thesis, section 4.2.3): "if a server receives a
 * RequestVote request within the minimum election timeout of hearing from
 * a current leader, it does not update its term or grant its vote".
 *
 * raft 0.15's recvRequestVote rejects every vote and pre-vote request
 * while the follower knows a leader (follower_state.current_leader.id),
 * however long ago it last heard from it; a follower forgets its leader
 * only when its own election timer fires. So when a leader dies, the
 * first follower to time out is refused by every follower whose timer has
 * not fired yet, and the election waits for the last of them: with two
 * followers, the later of two timeouts drawn from [T, 2T] instead of the
 * earlier one. In a compare-etcd failover (raftd run H, kill -9 of the
 * leader, T = 200 ms) node 1 campaigned 238 ms after the kill, node 2
 * refused it, and node 2 won its own election 137 ms later: a 401 ms
 * write gap where the rule above gives about 260 ms.
 *
 * This wrapper applies the rule as written: a follower that has not heard
 * from its leader for at least the election timeout (r->election_timeout,
 * the lower bound of the randomized timeouts; libraft restarts
 * election_timer_start on every AppendEntries or InstallSnapshot from the
 * leader, and on a granted vote) handles the request as a follower
 * without a leader would. It forgets the leader only for the call, so that
 * everything else that reads current_leader (where acknowledgements are
 * sent, the redirects raftd gives clients) sees what 0.15 would show.
 * A follower that heard from its leader within the timeout still refuses,
 * so a server cut off from the leader alone cannot disrupt a cluster whose
 * other members still hear it. Votes stay governed by the term, the
 * one-vote-per-term rule and the log comparison, none of which changes:
 * no Raft safety property depends on this check, only how soon a dead
 * leader is replaced.
 *
 * raft/patch-archive.sh renames the archive's recvRequestVote to
 * rfix_orig_recvRequestVote (caller: recv.o).
 */
#include "raft/raft015.h"

/* The follower has not heard from its leader for an election timeout. */
static bool leader_silent(struct raft *r)
{
	raft_time now = r->io->time(r->io);

	return now - r->election_timer_start >= r->election_timeout;
}

int recvRequestVote(struct raft *r, raft_id id, const char *address,
		    const struct raft_request_vote *args)
{
	raft_id leader;
	char *leader_address;
	int rv;

	if (r->state != RAFT_FOLLOWER ||
	    r->follower_state.current_leader.id == 0 ||
	    args->disrupt_leader || !leader_silent(r))
		return rfix_orig_recvRequestVote(r, id, address, args);

	leader = r->follower_state.current_leader.id;
	leader_address = r->follower_state.current_leader.address;
	r->follower_state.current_leader.id = 0;
	rv = rfix_orig_recvRequestVote(r, id, address, args);
	/* Put the leader back unless raft replaced it meanwhile. */
	if (r->state == RAFT_FOLLOWER &&
	    r->follower_state.current_leader.id == 0 &&
	    r->follower_state.current_leader.address == leader_address)
		r->follower_state.current_leader.id = leader;
	return rv;
}
