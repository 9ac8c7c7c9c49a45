/* test_vote_stickiness.c - a follower that still hears its leader does not
 * help anyone depose it.
 *
 * The other half of the rule raft/fix_vote_silent_leader.c applies
 * (thesis 4.2.3): a server that heard from a current leader within the
 * minimum election timeout refuses votes. Node 1 stops hearing the leader
 * (messages 0 -> 1 are dropped; its own still reach node 0), times out and
 * campaigns again and again; node 2 hears the leader's heartbeats
 * throughout. The leader and its term must survive: node 1's pre-votes
 * find no majority, so no term is ever raised.
 *
 * This holds with and without the fix (0.15 refuses any vote while it
 * knows a leader), so it is not in RAFT_FIX_TESTS; it fails if the fix
 * forgets the leader without checking how long it has been silent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "raft/raft015.h"
#include "tests/raft/harness.h"

static void heard_leader_refuses(void **state)
{
	struct rt_cluster *c = *state;
	raft_term term;
	unsigned timeout;

	assert_int_equal(rt_cluster_init(c, 3), 0);
	rt_pre_vote(c);
	assert_true(rt_elect(c, 0));
	rt_step_for(c, 500);
	term = rt_raft(c, 0)->current_term;
	timeout = rt_raft(c, 1)->election_timeout;

	rt_cut(c, 0, 1);
	rt_release(c, 1, timeout + timeout / 10);
	rt_release(c, 2, timeout + timeout * 9 / 10);
	rt_step_for(c, 10 * timeout);

	/* Node 1 did campaign (pre-vote), and got nowhere. */
	assert_int_equal(rt_raft(c, 1)->state, RAFT_CANDIDATE);
	assert_int_equal(rt_leader(c), 0);
	assert_int_equal(rt_raft(c, 0)->state, RAFT_LEADER);
	assert_int_equal(rt_raft(c, 0)->current_term, term);
	assert_int_equal(rt_raft(c, 2)->current_term, term);
	assert_int_equal(rt_raft(c, 2)->follower_state.current_leader.id, 1);
	assert_int_equal(rt_violations(c, "heard leader refuses"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(heard_leader_refuses, rt_setup,
						rt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
