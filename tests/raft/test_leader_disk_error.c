/* test_leader_disk_error.c - a leader whose disk write fails.
 *
 * Covers raft/fix_leader_disk_error.c.  Three nodes; the leader's write of
 * one command ('maybe') fails after the command was sent to the followers,
 * which store it.  The application then keeps writing to whichever node
 * leads.  Unpatched, the leader drops 'maybe' from its log, stays leader
 * and gives index 3 of the same term to the next command: the followers
 * keep 'maybe' there (same index, same term), the leader commits and
 * applies the other command, and the logs and state machines diverge.
 * With the fix the leader steps down, a follower holding 'maybe' is
 * elected, and every node ends with the same history.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "tests/raft/harness.h"

/* Submit text on the current leader, stepping until there is one. */
static raft_index write_to_leader(struct rt_cluster *c, const char *text)
{
	raft_index index = 0;

	for (unsigned waited = 0; waited < 5000 && index == 0; waited += 10) {
		unsigned leader = rt_leader(c);

		if (leader < c->n)
			index = rt_apply(c, leader, text, NULL);
		if (index == 0)
			rt_step_for(c, 10);
	}
	return index;
}

static void failed_leader_write_keeps_logs_matching(void **state)
{
	struct rt_cluster *c = *state;
	raft_index last = 0;

	assert_int_equal(rt_cluster_init(c, 3), 0);
	assert_true(rt_elect(c, 0));
	for (unsigned i = 0; i < 3; i++)
		rt_release(c, i, 1000 + 100 * i);
	assert_int_equal(rt_apply(c, 0, "first", NULL), 2);
	assert_true(rt_step_until_committed(c, 0, 2, 1000));

	rt_fail_appends(c, 0, 1);
	assert_int_equal(rt_apply(c, 0, "maybe", NULL), 3);
	assert_true(rt_step_until_stored(c, 1, 3, 2, 1000));
	assert_true(rt_step_until_stored(c, 2, 3, 2, 1000));

	for (unsigned k = 0; k < 3; k++) {
		char text[RT_PAYLOAD_SIZE];

		snprintf(text, sizeof text, "next%u", k);
		last = write_to_leader(c, text);
		assert_int_not_equal(last, 0);
		rt_step_for(c, 300);
	}
	rt_step_for(c, 3000);

	assert_int_equal(rt_violations(c, "leader disk error"), 0);
	for (unsigned i = 0; i < 3; i++) {
		assert_true(rt_raft(c, i)->commit_index >= last);
		for (raft_index k = 2; k <= last; k++) {
			const char *mine = rt_applied_at(c, i, k);
			const char *first = rt_applied_at(c, 0, k);

			if (mine == NULL || first == NULL)
				assert_ptr_equal(mine, first);
			else
				assert_string_equal(mine, first);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(failed_leader_write_keeps_logs_matching, rt_setup,
						rt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
