/* test_change_after_commit.c - a committed membership change stands.
 *
 * Covers raft/fix_change_after_commit.c, with the scenario of Ongaro's
 * 2015 report on single-server membership changes.  S1..S4 are bootstrapped
 * voters; S5 starts empty.
 *
 *   (a) S1 leads term 2, adds S5 (spare, then standby, caught up) and then
 *       makes it a voter: that configuration C1 = {S1..S5} reaches S5 only.
 *   (b) S1 crashes.  S2 is elected for term 3 under {S1..S4} by S2, S3, S4
 *       and at once removes S1: C2 = {S2, S3, S4} reaches S3 only, which
 *       with S2 is a majority of C2, so C2 commits.
 *   (c) S2 crashes.  S1 comes back and campaigns under C1: S5 has C1, and
 *       S4, which never saw term 3, finds S1's log more up to date.  S1
 *       wins with S1, S4, S5 (a majority of C1), and the entry it commits
 *       makes C1 committed at the index where C2 already was.
 *
 * With the fix, S2's removal in (b) is first refused (RAFT_CANTCHANGE: no
 * entry of term 3 committed yet); like raftd, the test then commits a
 * barrier and retries.  The barrier reaches S4, S4 no longer votes for S1,
 * and S1 cannot win (it is left out and S3 takes over).  The committed
 * removal of S1 stands.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "raft/raft015.h"
#include "tests/raft/harness.h"

enum { S1, S2, S3, S4, S5 };
enum { ADD, ASSIGN, REMOVE };

/* A membership change request; static, because raft may still fire the
 * callback (RAFT_LEADERSHIPLOST) when the cluster is closed. */
struct change {
	struct raft_change req;
	bool done;
	int status;
};

static struct change changes[8];
static unsigned n_changes;

static void change_done(struct raft_change *req, int status)
{
	struct change *ch = (struct change *)req;

	ch->done = true;
	ch->status = status;
}

static int submit(struct rt_cluster *c, unsigned leader, struct change *ch,
		  int op, unsigned node, int role)
{
	struct raft *r = rt_raft(c, leader);
	raft_id id = c->f.servers[node].id;

	switch (op) {
	case ADD:
		return raft_add(r, &ch->req, id, c->f.servers[node].address,
				change_done);
	case ASSIGN:
		return raft_assign(r, &ch->req, id, role, change_done);
	default:
		return raft_remove(r, &ch->req, id, change_done);
	}
}

/* Start a change the way raftd's admin path does: when raft answers
 * RAFT_CANTCHANGE because nothing of the leader's term is committed yet,
 * commit a barrier and try once more. */
static struct change *change(struct rt_cluster *c, unsigned leader, int op,
			     unsigned node, int role)
{
	struct change *ch = &changes[n_changes++];
	int rv;

	memset(ch, 0, sizeof *ch);
	rv = submit(c, leader, ch, op, node, role);
	if (rv == RAFT_CANTCHANGE) {
		raft_index barrier = rt_barrier(c, leader);

		assert_int_not_equal(barrier, 0);
		assert_true(rt_step_until_committed(c, leader, barrier, 2000));
		rv = submit(c, leader, ch, op, node, role);
	}
	assert_int_equal(rv, 0);
	return ch;
}

static bool change_finished(struct rt_cluster *c, void *arg)
{
	(void)c;
	return ((struct change *)arg)->done;
}

static void wait_change(struct rt_cluster *c, struct change *ch)
{
	assert_true(rt_step_until(c, change_finished, ch, 5000));
	assert_int_equal(ch->status, 0);
}

static void crash(struct rt_cluster *c, unsigned i)
{
	rt_isolate(c, i);
	rt_hold(c, i);
	assert_true(rt_step_until_state(c, i, RAFT_FOLLOWER, 5000));
}

static bool has_server(struct raft *r, raft_id id)
{
	for (unsigned k = 0; k < r->configuration.n; k++)
		if (r->configuration.servers[k].id == id)
			return true;
	return false;
}

static void committed_removal_stands(void **state)
{
	struct rt_cluster *c = *state;
	struct raft *s1 = NULL;
	struct change *removal;
	unsigned leader;
	raft_index last;

	n_changes = 0;
	assert_int_equal(rt_cluster_init_partial(c, 5, 4), 0);

	/* (a) */
	assert_true(rt_elect(c, S1));
	s1 = rt_raft(c, S1);
	wait_change(c, change(c, S1, ADD, S5, 0));
	wait_change(c, change(c, S1, ASSIGN, S5, RAFT_STANDBY));
	last = logLastIndex(&s1->log);
	assert_true(rt_step_until_stored(c, S5, last, 2, 2000));
	rt_cut(c, S1, S2);
	rt_cut(c, S1, S3);
	rt_cut(c, S1, S4);
	change(c, S1, ASSIGN, S5, RAFT_VOTER);
	assert_true(rt_step_until_stored(c, S5, last + 1, 2, 1000));

	/* (b) */
	crash(c, S1);
	assert_true(rt_elect(c, S2));
	assert_int_equal(rt_raft(c, S2)->current_term, 3);
	removal = change(c, S2, REMOVE, S1, 0);
	rt_cut(c, S2, S4);
	rt_cut(c, S2, S5);
	wait_change(c, removal);

	/* (c) */
	crash(c, S2);
	rt_rejoin(c, S1);
	rt_isolate(c, S2);
	if (!rt_elect(c, S1)) {
		/* A removed server that cannot win keeps campaigning, and the
		 * fixture never calls a leader stable while it does. */
		rt_isolate(c, S1);
		assert_true(rt_elect(c, S3));
	}
	leader = rt_leader(c);
	assert_true(leader < 5);
	last = rt_apply(c, leader, "after", NULL);
	assert_int_not_equal(last, 0);
	assert_true(rt_step_until_committed(c, leader, last, 2000));

	assert_int_equal(rt_violations(c, "membership change"), 0);
	assert_false(has_server(rt_raft(c, leader), s1->id));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(committed_removal_stands, rt_setup,
						rt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
