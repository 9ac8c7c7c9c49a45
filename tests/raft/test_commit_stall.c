/* test_commit_stall.c - commit keeps up with a leader under steady load.
 *
 * Covers raft/fix_commit_majority.c.  The leader submits one command every
 * 5 ms for a second (fixture latencies: 10 ms per disk write, 15 ms per
 * message), so its own last stored index is always several entries ahead
 * of the followers' acknowledgements.  Raft commits the highest index a
 * majority has stored; unpatched 0.15 only tries the leader's last stored
 * index, which no majority holds while the load lasts, so nothing commits
 * and no client gets an answer until the load stops.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "tests/raft/harness.h"

#define N_WRITES 200
#define INTERVAL_MS 5
/* Allowed lag at the end of the load: 100 ms worth of writes, well above
 * one round trip plus two disk writes (50 ms). */
#define MAX_LAG (100 / INTERVAL_MS)

static void commit_advances_under_steady_load(void **state)
{
	struct rt_cluster *c = *state;
	raft_index last = 0;
	raft_index last_at_half = 0;
	raft_index commit_at_half = 0;
	raft_index commit;

	assert_int_equal(rt_cluster_init(c, 3), 0);
	assert_true(rt_elect(c, 0));
	for (unsigned k = 0; k < N_WRITES; k++) {
		char text[RT_PAYLOAD_SIZE];

		snprintf(text, sizeof text, "w%u", k);
		last = rt_apply(c, 0, text, NULL);
		assert_int_not_equal(last, 0);
		rt_step_for(c, INTERVAL_MS);
		if (k == N_WRITES / 2) {
			last_at_half = last;
			commit_at_half = rt_raft(c, 0)->commit_index;
		}
	}
	/* Writes were acknowledged while the load was running... */
	if (commit_at_half + MAX_LAG < last_at_half)
		fail_msg("halfway through the load the leader had committed index %llu of %llu",
			 (unsigned long long)commit_at_half,
			 (unsigned long long)last_at_half);
	commit = rt_raft(c, 0)->commit_index;
	if (commit + MAX_LAG < last)
		fail_msg("at the end of the load the leader had committed index %llu of %llu",
			 (unsigned long long)commit, (unsigned long long)last);
	/* ...and all of them once it stops. */
	assert_true(rt_step_until_committed(c, 0, last, 1000));
	assert_int_equal(rt_violations(c, "steady load"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(commit_advances_under_steady_load, rt_setup,
						rt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
