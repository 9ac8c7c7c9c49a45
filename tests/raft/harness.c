/* harness.c - building and driving a raft_fixture cluster (see harness.h).
 *
 * Scenarios need to decide who wins an election and which messages arrive.
 * The fixture gives the means (per-node randomized election timeouts,
 * saturated links that drop messages) and this file wraps them in the few
 * verbs the tests use.  Facts about the 0.15 fixture relied on here: the
 * struct must be zeroed before raft_fixture_initialize (it does not reset
 * n); raft_fixture_kill leaves a dead leader reported as leader, so nodes
 * are isolated with saturated links instead and keep ticking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raft/raft015.h"
#include "tests/raft/harness_int.h"

static void on_step(struct raft_fixture *f, struct raft_fixture_event *event)
{
	(void)event;
	rt_check_step((struct rt_cluster *)f);
}

/* The configuration of the first n_voters servers, all voters. */
static int voters_configuration(struct rt_cluster *c, unsigned n_voters,
				struct raft_configuration *conf)
{
	int rv = 0;

	raft_configuration_init(conf);
	for (unsigned i = 0; i < n_voters && rv == 0; i++)
		rv = raft_configuration_add(conf, c->f.servers[i].id,
					    c->f.servers[i].address,
					    RAFT_VOTER);
	if (rv != 0)
		raft_configuration_close(conf);
	return rv;
}

int rt_cluster_init(struct rt_cluster *c, unsigned n)
{
	return rt_cluster_init_partial(c, n, n);
}

int rt_cluster_init_partial(struct rt_cluster *c, unsigned n,
			    unsigned n_voters)
{
	struct raft_configuration conf;
	int rv = 0;

	memset(c, 0, sizeof *c);
	rv = raft_fixture_initialize(&c->f);
	if (rv != 0)
		return rv;
	for (unsigned i = 0; i < n; i++) {
		c->nodes[i].cluster = c;
		c->nodes[i].i = i;
		rt_fsm_init(&c->nodes[i]);
		rv = raft_fixture_grow(&c->f, &c->nodes[i].fsm);
		if (rv != 0)
			return rv;
		c->n++;
	}
	rv = voters_configuration(c, n_voters, &conf);
	if (rv != 0)
		return rv;
	for (unsigned i = 0; i < n_voters && rv == 0; i++)
		rv = raft_bootstrap(rt_raft(c, i), &conf);
	raft_configuration_close(&conf);
	if (rv != 0)
		return rv;
	for (unsigned i = 0; i < n; i++)
		rt_taps_install(c, i);
	raft_fixture_hook(&c->f, on_step);
	return raft_fixture_start(&c->f);
}

void rt_cluster_close(struct rt_cluster *c)
{
	raft_fixture_close(&c->f);
	for (unsigned i = 0; i < c->n; i++)
		rt_fsm_close(&c->nodes[i]);
	rt_check_close(c);
}

int rt_setup(void **state)
{
	*state = calloc(1, sizeof(struct rt_cluster));
	return *state != NULL ? 0 : -1;
}

int rt_teardown(void **state)
{
	struct rt_cluster *c = *state;

	if (c->n > 0)
		rt_cluster_close(c);
	free(c);
	return 0;
}

struct raft *rt_raft(struct rt_cluster *c, unsigned i)
{
	return raft_fixture_get(&c->f, i);
}

unsigned rt_violations(struct rt_cluster *c, const char *title)
{
	if (c->n_violations > 0) {
		fprintf(stderr, "%s: %u safety violation(s):\n", title,
			c->n_violations);
		for (unsigned k = 0; k < c->n_violations; k++)
			fprintf(stderr, "  - %s\n", c->violations[k]);
	}
	return c->n_violations;
}

void rt_step(struct rt_cluster *c)
{
	raft_fixture_step(&c->f);
}

bool rt_step_until(struct rt_cluster *c,
		   bool (*pred)(struct rt_cluster *c, void *arg),
		   void *arg,
		   unsigned max_ms)
{
	raft_time start = c->f.time;

	while (!pred(c, arg)) {
		if (c->f.time - start >= max_ms)
			return false;
		rt_step(c);
	}
	return true;
}

static bool never(struct rt_cluster *c, void *arg)
{
	(void)c;
	(void)arg;
	return false;
}

void rt_step_for(struct rt_cluster *c, unsigned ms)
{
	rt_step_until(c, never, NULL, ms);
}

/* Set the timer of the running election round (follower or candidate). */
static void set_current_timeout(struct raft *r, unsigned ms)
{
	if (r->state == RAFT_FOLLOWER)
		r->follower_state.randomized_election_timeout = ms;
	else if (r->state == RAFT_CANDIDATE)
		r->candidate_state.randomized_election_timeout = ms;
}

void rt_hold(struct rt_cluster *c, unsigned i)
{
	raft_fixture_set_randomized_election_timeout(&c->f, i, RT_NEVER);
	set_current_timeout(rt_raft(c, i), RT_NEVER);
}

void rt_pre_vote(struct rt_cluster *c)
{
	for (unsigned i = 0; i < c->n; i++)
		raft_set_pre_vote(rt_raft(c, i), true);
}

void rt_release(struct rt_cluster *c, unsigned i, unsigned timeout_ms)
{
	raft_fixture_set_randomized_election_timeout(&c->f, i, timeout_ms);
	set_current_timeout(rt_raft(c, i), timeout_ms);
}

static bool is_stable_leader(struct rt_cluster *c, void *arg)
{
	struct raft *r = arg;

	return r->state == RAFT_LEADER && c->f.leader_id == r->id;
}

/* A 0.15 follower refuses every vote while it remembers a leader (its
 * reading of section 4.2.3) and forgets it only by becoming candidate
 * itself.  Forgetting it here stands for "its election timeout passed
 * without news from that leader", without the candidacy. */
void rt_forget_leader(struct rt_cluster *c, unsigned i)
{
	struct raft *r = rt_raft(c, i);

	if (r->state == RAFT_FOLLOWER)
		r->follower_state.current_leader.id = 0;
}

unsigned rt_leader(struct rt_cluster *c)
{
	return c->f.leader_id != 0 ? (unsigned)c->f.leader_id - 1 : c->n;
}

bool rt_elect(struct rt_cluster *c, unsigned i)
{
	struct raft *r = rt_raft(c, i);

	for (unsigned j = 0; j < c->n; j++) {
		if (j == i)
			continue;
		rt_hold(c, j);
		rt_forget_leader(c, j);
	}
	raft_fixture_set_randomized_election_timeout(&c->f, i,
						     r->election_timeout);
	/* Expire the running timer at the next tick. */
	set_current_timeout(r, (unsigned)(c->f.time - r->election_timer_start));
	return rt_step_until(c, is_stable_leader, r, 10000);
}

void rt_cut(struct rt_cluster *c, unsigned a, unsigned b)
{
	raft_fixture_saturate(&c->f, a, b);
}

void rt_heal(struct rt_cluster *c, unsigned a, unsigned b)
{
	raft_fixture_desaturate(&c->f, a, b);
}

void rt_isolate(struct rt_cluster *c, unsigned i)
{
	for (unsigned j = 0; j < c->n; j++) {
		if (j == i)
			continue;
		rt_cut(c, i, j);
		rt_cut(c, j, i);
	}
}

void rt_rejoin(struct rt_cluster *c, unsigned i)
{
	for (unsigned j = 0; j < c->n; j++) {
		if (j == i)
			continue;
		rt_heal(c, i, j);
		rt_heal(c, j, i);
	}
}

static void apply_done(struct raft_apply *req, int status, void *result)
{
	(void)status;
	(void)result;
	free(req);
}

raft_index rt_apply(struct rt_cluster *c, unsigned i, const char *text,
		    int *rv_out)
{
	struct raft *r = rt_raft(c, i);
	struct raft_buffer buf;
	struct raft_apply *req;
	raft_index index = logLastIndex(&r->log) + 1;
	int rv;

	buf.len = RT_PAYLOAD_SIZE;
	buf.base = raft_calloc(1, buf.len);
	req = malloc(sizeof *req);
	if (buf.base == NULL || req == NULL) {
		raft_free(buf.base);
		free(req);
		rv = RAFT_NOMEM;
		goto refused;
	}
	memcpy(buf.base, text, strnlen(text, RT_PAYLOAD_SIZE - 1));
	rv = raft_apply(r, req, &buf, 1, apply_done);
	if (rv == 0)
		return index;
	raft_free(buf.base);
	free(req);
refused:
	if (rv_out != NULL)
		*rv_out = rv;
	return 0;
}

static void barrier_done(struct raft_barrier *req, int status)
{
	(void)status;
	free(req);
}

raft_index rt_barrier(struct rt_cluster *c, unsigned i)
{
	struct raft *r = rt_raft(c, i);
	struct raft_barrier *req = malloc(sizeof *req);
	raft_index index = logLastIndex(&r->log) + 1;

	if (req == NULL)
		return 0;
	if (raft_barrier(r, req, barrier_done) != 0) {
		free(req);
		return 0;
	}
	return index;
}

const char *rt_applied_at(struct rt_cluster *c, unsigned i, raft_index index)
{
	struct rt_node *node = &c->nodes[i];

	for (unsigned k = 0; k < node->n_applied; k++)
		if (node->applied[k].index == index)
			return node->applied[k].text;
	return NULL;
}

bool rt_stored(struct rt_cluster *c, unsigned i, raft_index index,
	       raft_term term)
{
	struct raft *r = rt_raft(c, i);

	return r->last_stored >= index && logTermOf(&r->log, index) == term;
}

struct stored_arg {
	unsigned i;
	raft_index index;
	raft_term term;
};

static bool has_stored(struct rt_cluster *c, void *arg)
{
	struct stored_arg *a = arg;

	return rt_stored(c, a->i, a->index, a->term);
}

bool rt_step_until_stored(struct rt_cluster *c, unsigned i, raft_index index,
			  raft_term term, unsigned max_ms)
{
	struct stored_arg a = {i, index, term};

	return rt_step_until(c, has_stored, &a, max_ms);
}

struct state_arg {
	unsigned i;
	int state;
};

static bool has_state(struct rt_cluster *c, void *arg)
{
	struct state_arg *a = arg;

	return rt_raft(c, a->i)->state == a->state;
}

bool rt_step_until_state(struct rt_cluster *c, unsigned i, int state,
			 unsigned max_ms)
{
	struct state_arg a = {i, state};

	return rt_step_until(c, has_state, &a, max_ms);
}

struct commit_arg {
	unsigned i;
	raft_index index;
};

static bool has_committed(struct rt_cluster *c, void *arg)
{
	struct commit_arg *a = arg;

	return rt_raft(c, a->i)->commit_index >= a->index;
}

bool rt_step_until_committed(struct rt_cluster *c, unsigned i,
			     raft_index index, unsigned max_ms)
{
	struct commit_arg a = {i, index};

	return rt_step_until(c, has_committed, &a, max_ms);
}
