/* test_candidate_durable.c - nodes campaign only on what their disk holds.
 *
 * Covers raft/fix_candidate_durable.c.  In both scenarios a follower's
 * election timer expires while part of its in-memory log is not yet on its
 * disk (slow disk: 2 s per write), and the leader is gone.  The harness
 * checks every RequestVote against the sender's last stored index.
 *
 *   unwritten entries: the follower has received a command it is still
 *     writing;
 *   installing a snapshot: the follower is writing a snapshot the leader
 *     sent it; its in-memory log already ends at the snapshot's last index,
 *     its disk still holds the old log.
 *
 * Unpatched 0.15 campaigns at once and advertises the unwritten entries.
 * With the fix the follower waits for its write and then wins the same
 * election: the vote is delayed, never lost.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "raft/raft015.h"
#include "tests/raft/harness.h"

#define SLOW_DISK_MS 2000

static bool is_installing(struct rt_cluster *c, void *arg)
{
	struct raft *r = rt_raft(c, *(unsigned *)arg);

	return r->last_stored == 0 && logLastIndex(&r->log) > 0;
}

static bool has_leader(struct rt_cluster *c, void *arg)
{
	return rt_leader(c) == *(unsigned *)arg;
}

/* The leader (node 0) goes away; node `heir` must take over, with node
 * `other` ready to vote for it, and commit a command of its own term
 * (which commits what the old leader left too). */
static void leader_goes_away(struct rt_cluster *c, unsigned heir,
			     unsigned other)
{
	raft_index index;

	rt_isolate(c, 0);
	rt_hold(c, 0);
	rt_forget_leader(c, other);
	rt_release(c, heir, 1000);
	assert_true(rt_step_until(c, has_leader, &heir, 4 * SLOW_DISK_MS));
	index = rt_apply(c, heir, "new", NULL);
	assert_int_not_equal(index, 0);
	assert_true(rt_step_until_committed(c, heir, index, 2 * SLOW_DISK_MS));
}

/* Node i applied text at index. */
static void assert_applied(struct rt_cluster *c, unsigned i, raft_index index,
			   const char *text)
{
	assert_non_null(rt_applied_at(c, i, index));
	assert_string_equal(rt_applied_at(c, i, index), text);
}

static void unwritten_entries_delay_the_candidacy(void **state)
{
	struct rt_cluster *c = *state;

	assert_int_equal(rt_cluster_init(c, 3), 0);
	assert_true(rt_elect(c, 0));
	raft_fixture_set_disk_latency(&c->f, 1, SLOW_DISK_MS);
	assert_int_equal(rt_apply(c, 0, "x", NULL), 2);
	assert_true(rt_step_until_committed(c, 0, 2, 1000));
	assert_int_equal(logLastIndex(&rt_raft(c, 1)->log), 2);
	assert_int_equal(rt_raft(c, 1)->last_stored, 1);

	leader_goes_away(c, 1, 2);
	assert_int_equal(rt_violations(c, "unwritten entries"), 0);
	assert_applied(c, 1, 2, "x");
}

static void snapshot_install_delays_the_candidacy(void **state)
{
	struct rt_cluster *c = *state;
	unsigned follower = 2;

	assert_int_equal(rt_cluster_init(c, 3), 0);
	for (unsigned i = 0; i < 3; i++) {
		raft_set_snapshot_threshold(rt_raft(c, i), 4);
		raft_set_snapshot_trailing(rt_raft(c, i), 1);
	}
	assert_true(rt_elect(c, 0));
	rt_isolate(c, follower);
	for (unsigned k = 0; k < 7; k++) { /* indexes 2..8; snapshot at 8 */
		char text[RT_PAYLOAD_SIZE];

		snprintf(text, sizeof text, "s%u", k);
		assert_int_not_equal(rt_apply(c, 0, text, NULL), 0);
		rt_step_for(c, 50);
	}
	/* The snapshot covers the whole log, so that the follower installing
	 * it is as up to date as the other follower, whose vote it needs. */
	assert_int_equal(logSnapshotIndex(&rt_raft(c, 0)->log), 8);
	assert_int_equal(logLastIndex(&rt_raft(c, 0)->log), 8);

	raft_fixture_set_disk_latency(&c->f, follower, SLOW_DISK_MS);
	rt_rejoin(c, follower);
	assert_true(rt_step_until(c, is_installing, &follower, 1000));

	leader_goes_away(c, follower, 1);
	assert_int_equal(rt_violations(c, "installing snapshot"), 0);
	assert_applied(c, follower, 8, "s6");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(unwritten_entries_delay_the_candidacy, rt_setup,
						rt_teardown),
		cmocka_unit_test_setup_teardown(snapshot_install_delays_the_candidacy, rt_setup,
						rt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
