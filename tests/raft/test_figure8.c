/* test_figure8.c - the Raft paper's figure 8, played on five servers.
 *
 * Covers raft/fix_commit_current_term.c.  The scenario, with the paper's
 * terms (S1..S5 are nodes 1..5):
 *
 *   (a) S1 leads term 2 and replicates index 2 ('a2') to S2 only.
 *   (b) S1 crashes.  S5 is elected for term 3 by S3, S4 and itself and
 *       accepts a different index 2 ('b3'), which reaches nobody.
 *   (c) S5 crashes.  S1 is elected for term 4 and copies its index 2 to
 *       S3: index 2 of term 2 is now on a majority (S1, S2, S3).  An
 *       unpatched 0.15 leader commits and applies it here, by counting.
 *   (d) S1 crashes before anyone else learns that.  S5 is elected for term
 *       5 by S2, S3 and S4 (its last term 3 beats their 2), overwrites
 *       index 2 with 'b3' on them and commits it with its own 'c5'.
 *   (e) S1 comes back.
 *
 * With the fix, S1 never commits 'a2' in (c) (it holds no entry of term 4),
 * so 'b3' replacing it in (d) loses nothing, and every server ends with
 * 'b3' at index 2 and 'c5' at index 3.  Unpatched, 'a2' was committed and
 * applied on S1 and is then overwritten on the majority: an acknowledged
 * write is lost and S1's state machine diverges from the others'.
 * "Crash" is isolation with the node's own elections held off, so the
 * terms come out exactly as in the paper.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/raft/harness.h"

enum { S1, S2, S3, S4, S5 };

static raft_term term_of(struct rt_cluster *c, unsigned i)
{
	return rt_raft(c, i)->current_term;
}

/* Isolate node i and wait until it no longer acts as leader. */
static void crash(struct rt_cluster *c, unsigned i)
{
	rt_isolate(c, i);
	rt_hold(c, i);
	assert_true(rt_step_until_state(c, i, RAFT_FOLLOWER, 5000));
}

static void figure8_committed_entry_survives(void **state)
{
	struct rt_cluster *c = *state;

	assert_int_equal(rt_cluster_init(c, 5), 0);

	/* (a) */
	assert_true(rt_elect(c, S1));
	assert_int_equal(term_of(c, S1), 2);
	rt_cut(c, S1, S3);
	rt_cut(c, S1, S4);
	rt_cut(c, S1, S5);
	assert_int_equal(rt_apply(c, S1, "a2", NULL), 2);
	assert_true(rt_step_until_stored(c, S2, 2, 2, 1000));

	/* (b) */
	crash(c, S1);
	assert_true(rt_elect(c, S5));
	assert_int_equal(term_of(c, S5), 3);
	rt_cut(c, S5, S2);
	rt_cut(c, S5, S3);
	rt_cut(c, S5, S4);
	assert_int_equal(rt_apply(c, S5, "b3", NULL), 2);
	assert_true(rt_step_until_stored(c, S5, 2, 3, 1000));

	/* (c) */
	crash(c, S5);
	rt_rejoin(c, S1);
	rt_isolate(c, S5);
	rt_cut(c, S1, S4);
	assert_true(rt_elect(c, S1));
	assert_int_equal(term_of(c, S1), 4);
	assert_true(rt_step_until_stored(c, S3, 2, 2, 1000));
	/* Give S1 time to process S3's acknowledgement (unpatched, it
	 * commits index 2 then). */
	rt_step_until_committed(c, S1, 2, 300);

	/* (d) */
	crash(c, S1);
	rt_rejoin(c, S5);
	rt_isolate(c, S1);
	assert_true(rt_elect(c, S5));
	assert_int_equal(term_of(c, S5), 5);
	assert_int_equal(rt_apply(c, S5, "c5", NULL), 3);
	assert_true(rt_step_until_committed(c, S5, 3, 2000));

	/* (e) */
	rt_rejoin(c, S1);
	rt_step_for(c, 2000);

	assert_int_equal(rt_violations(c, "figure 8"), 0);
	for (unsigned i = S1; i <= S5; i++) {
		assert_non_null(rt_applied_at(c, i, 2));
		assert_string_equal(rt_applied_at(c, i, 2), "b3");
		assert_non_null(rt_applied_at(c, i, 3));
		assert_string_equal(rt_applied_at(c, i, 3), "c5");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(figure8_committed_entry_survives, rt_setup,
						rt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
