/* test_vote_silent_leader.c - when the leader dies, the first follower to
 * time out takes over.
 *
 * Covers raft/fix_vote_silent_leader.c. Three nodes with pre-vote, as
 * raftd runs them (election timeout T = 1000 ms here, the fixture's
 * default). Node 0 leads; then it is cut off from everyone. Node 1's
 * election timer is set to fire 1.1 T after the last heartbeat, node 2's
 * 1.9 T after it. Both have been without news of the leader for longer
 * than T when node 1 campaigns, so the thesis's rule (4.2.3) lets node 2
 * grant node 1's pre-vote and vote, and node 1 leads well before node 2's
 * own timer would fire.
 *
 * Unpatched 0.15 refuses node 1 because node 2 still "has a leader" (it
 * forgets it only when its own timer fires), and the cluster stays
 * leaderless until 1.9 T: the test fails there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "raft/raft015.h"
#include "tests/raft/harness.h"

static bool leads(struct rt_cluster *c, void *arg)
{
	return rt_leader(c) == *(unsigned *)arg;
}

static void first_timeout_wins(void **state)
{
	struct rt_cluster *c = *state;
	unsigned heir = 1;
	raft_time t_last_heard, t_elected;
	unsigned timeout;

	assert_int_equal(rt_cluster_init(c, 3), 0);
	rt_pre_vote(c);
	assert_true(rt_elect(c, 0));
	/* Let heartbeats flow, so both followers know node 0 as leader. */
	rt_step_for(c, 500);
	for (unsigned i = 1; i < 3; i++)
		assert_int_equal(rt_raft(c, i)->follower_state.current_leader.id, 1);

	timeout = rt_raft(c, 1)->election_timeout;
	rt_isolate(c, 0);
	rt_hold(c, 0);
	t_last_heard = c->f.time;
	rt_release(c, 1, timeout + timeout / 10);
	rt_release(c, 2, timeout + timeout * 9 / 10);

	assert_true(rt_step_until(c, leads, &heir, 4 * timeout));
	t_elected = c->f.time;
	fprintf(stderr, "node 1 leads %llu ms after the last heartbeat\n",
		(unsigned long long)(t_elected - t_last_heard));
	/* Node 2's timer had not fired: it voted because the leader had been
	 * silent for an election timeout, not because it gave up on it. */
	assert_true(t_elected - t_last_heard < timeout + timeout * 9 / 10);
	assert_int_equal(rt_raft(c, 2)->state, RAFT_FOLLOWER);
	assert_int_equal(rt_violations(c, "first timeout wins"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(first_timeout_wins, rt_setup,
						rt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
