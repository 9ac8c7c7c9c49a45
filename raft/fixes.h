/* fixes.h - helpers shared by raftd's fixes to raft 0.15 (raft/fix_*.c).
 *
 * Private to raft/: nothing outside this directory includes it.  The fixes
 * themselves have no header of their own; they take the names of library
 * functions (see raft015.h) and are reached through the library's calls.
 */
#ifndef RAFTD_RAFT_FIXES_H
#define RAFTD_RAFT_FIXES_H

#include <raft.h>

/* The highest index that a majority of the voters in r's current
 * configuration have durably stored, as far as the leader r knows: a
 * follower counts with the match index it acknowledged, the leader itself
 * with r->last_stored.  Never above r->last_stored.  0 when r has no voters.
 * The caller must be leader (r->leader_state is read). */
raft_index rfix_majority_index(struct raft *r);

#endif /* RAFTD_RAFT_FIXES_H */
