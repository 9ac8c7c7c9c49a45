/* check.c - Raft safety invariants, checked after every fixture step.
 *
 * Debian builds libraft with NDEBUG, so the library's own assertions are
 * gone and the fixture's step checks only election safety among live
 * leaders and leader append-only.  These checks read every node's
 * in-memory state (struct raft, its log through the 0.15 log functions
 * declared in raft/raft015.h) and the test FSM's records; see harness.h for
 * the list.  Each check is a pure function of the cluster state plus the
 * records it keeps (committed entries, first apply per index, leader per
 * term), so it can run after each step without disturbing the scenario.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raft/raft015.h"
#include "tests/raft/harness_int.h"

void rt_violation(struct rt_cluster *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (unsigned k = 0; k < c->n_violations; k++)
		if (strcmp(c->violations[k], msg) == 0)
			return;
	if (c->n_violations == RT_MAX_VIOLATIONS)
		return;
	c->violations[c->n_violations] = strdup(msg);
	if (c->violations[c->n_violations] == NULL)
		abort(); /* the harness cannot report without memory */
	c->n_violations++;
	fprintf(stderr, "  [t=%llu ms] VIOLATION: %s\n",
		(unsigned long long)c->f.time, msg);
}

/* A short human description of an entry, for violation messages. */
static const char *describe(char *out, size_t size, raft_term term,
			    unsigned short type, const void *data, size_t len)
{
	char text[RT_PAYLOAD_SIZE] = {0};

	switch (type) {
	case RAFT_COMMAND:
		memcpy(text, data, len < sizeof text - 1 ? len : sizeof text - 1);
		for (size_t k = 0; k < sizeof text && text[k] != 0; k++)
			if (text[k] < 0x20 || text[k] > 0x7e)
				text[k] = '?';
		snprintf(out, size, "term %llu command '%s'",
			 (unsigned long long)term, text);
		break;
	case RAFT_BARRIER:
		snprintf(out, size, "term %llu barrier", (unsigned long long)term);
		break;
	default:
		snprintf(out, size, "term %llu configuration",
			 (unsigned long long)term);
		break;
	}
	return out;
}

static const char *describe_entry(char *out, size_t size,
				  const struct raft_entry *e)
{
	return describe(out, size, e->term, e->type, e->buf.base, e->buf.len);
}

static const char *describe_committed(char *out, size_t size,
				      const struct rt_committed *rec)
{
	return describe(out, size, rec->term, rec->type, rec->data, rec->len);
}

/* Entries are compared by term, type and, for commands, content.  0.15
 * leaves the padding of configuration entries and the body of barriers
 * uninitialized, so their bytes differ from node to node. */
static bool same_entry(raft_term term_a, unsigned short type_a,
		       const void *data_a, size_t len_a, raft_term term_b,
		       unsigned short type_b, const void *data_b, size_t len_b)
{
	if (term_a != term_b || type_a != type_b)
		return false;
	if (type_a != RAFT_COMMAND)
		return true;
	return len_a == len_b &&
	       (len_a == 0 || memcmp(data_a, data_b, len_a) == 0);
}

static bool entries_equal(const struct raft_entry *a,
			  const struct raft_entry *b)
{
	return same_entry(a->term, a->type, a->buf.base, a->buf.len, b->term,
			  b->type, b->buf.base, b->buf.len);
}

static bool matches_committed(const struct raft_entry *e,
			      const struct rt_committed *rec)
{
	return same_entry(e->term, e->type, e->buf.base, e->buf.len, rec->term,
			  rec->type, rec->data, rec->len);
}

/* Term, commit index and last applied index never decrease. */
static void check_monotonic(struct rt_cluster *c, unsigned i)
{
	struct rt_node *node = &c->nodes[i];
	struct raft *r = rt_raft(c, i);

	if (r->current_term < node->seen_term)
		rt_violation(c, "node %u: term went back from %llu to %llu", i + 1,
			     (unsigned long long)node->seen_term,
			     (unsigned long long)r->current_term);
	if (r->commit_index < node->seen_commit)
		rt_violation(c, "node %u: commit index went back from %llu to %llu",
			     i + 1, (unsigned long long)node->seen_commit,
			     (unsigned long long)r->commit_index);
	if (r->last_applied < node->seen_applied)
		rt_violation(c, "node %u: last applied went back from %llu to %llu",
			     i + 1, (unsigned long long)node->seen_applied,
			     (unsigned long long)r->last_applied);
	node->seen_term = r->current_term;
	node->seen_applied = r->last_applied;
}

/* Election Safety over the whole run: one leader per term, ever. */
static void check_election_safety(struct rt_cluster *c, unsigned i)
{
	struct raft *r = rt_raft(c, i);
	raft_term t = r->current_term;

	if (r->state != RAFT_LEADER || t >= RT_MAX_TERMS)
		return;
	if (c->leader_of_term[t] == 0)
		c->leader_of_term[t] = r->id;
	else if (c->leader_of_term[t] != r->id)
		rt_violation(c, "election safety: nodes %llu and %llu both led term %llu",
			     (unsigned long long)c->leader_of_term[t],
			     (unsigned long long)r->id, (unsigned long long)t);
}

static int grow_committed(struct rt_cluster *c, raft_index index)
{
	struct rt_committed *grown;
	raft_index cap;

	if (index < c->cap_committed)
		return 0;
	cap = c->cap_committed ? c->cap_committed : 64;
	while (cap <= index)
		cap *= 2;
	grown = realloc(c->committed, cap * sizeof *grown);
	if (grown == NULL)
		return -1;
	memset(grown + c->cap_committed, 0,
	       (cap - c->cap_committed) * sizeof *grown);
	c->committed = grown;
	c->cap_committed = cap;
	return 0;
}

/* Remember what node i has committed beyond what it had at the last step. */
static void record_committed(struct rt_cluster *c, unsigned i)
{
	struct rt_node *node = &c->nodes[i];
	struct raft *r = rt_raft(c, i);

	if (r->commit_index <= node->seen_commit)
		return;
	if (grow_committed(c, r->commit_index) != 0)
		abort();
	for (raft_index k = node->seen_commit + 1; k <= r->commit_index; k++) {
		const struct raft_entry *e = logGet(&r->log, k);
		struct rt_committed *rec = &c->committed[k];

		if (rec->known || e == NULL)
			continue;
		rec->data = malloc(e->buf.len ? e->buf.len : 1);
		if (rec->data == NULL)
			abort();
		memcpy(rec->data, e->buf.base, e->buf.len);
		rec->len = e->buf.len;
		rec->term = e->term;
		rec->type = e->type;
		rec->seen_in = r->current_term;
		rec->known = true;
	}
	if (r->commit_index > c->n_committed)
		c->n_committed = r->commit_index;
	node->seen_commit = r->commit_index;
}

/* A node that has index k committed holds the committed entry there. */
static void check_committed_final(struct rt_cluster *c, unsigned i)
{
	struct raft *r = rt_raft(c, i);
	char want[96];
	char have[96];

	for (raft_index k = 1; k <= r->commit_index && k <= c->n_committed; k++) {
		const struct rt_committed *rec = &c->committed[k];
		const struct raft_entry *e = logGet(&r->log, k);

		if (!rec->known || e == NULL || matches_committed(e, rec))
			continue;
		rt_violation(c, "committed entry overwritten: index %llu was committed as %s, node %u now has %s committed there",
			     (unsigned long long)k,
			     describe_committed(want, sizeof want, rec), i + 1,
			     describe_entry(have, sizeof have, e));
	}
}

/* Leader Completeness: a leader holds every entry committed in an earlier
 * term (the term in which the checker first saw it committed is an upper
 * bound of the term in which it was committed). */
static void check_leader_completeness(struct rt_cluster *c, unsigned i)
{
	struct raft *r = rt_raft(c, i);
	char want[96];
	char have[96];

	if (r->state != RAFT_LEADER)
		return;
	for (raft_index k = 1; k <= c->n_committed; k++) {
		const struct rt_committed *rec = &c->committed[k];
		const struct raft_entry *e;

		if (!rec->known || rec->seen_in >= r->current_term ||
		    k <= logSnapshotIndex(&r->log))
			continue;
		e = logGet(&r->log, k);
		if (e != NULL && matches_committed(e, rec))
			continue;
		rt_violation(c, "leader completeness: node %u leads term %llu without committed index %llu (%s); it has %s",
			     i + 1, (unsigned long long)r->current_term,
			     (unsigned long long)k,
			     describe_committed(want, sizeof want, rec),
			     e ? describe_entry(have, sizeof have, e) : "nothing");
	}
}

/* Log Matching between nodes a and b, over the entries both hold. */
static void check_log_matching(struct rt_cluster *c, unsigned a, unsigned b)
{
	struct raft *ra = rt_raft(c, a);
	struct raft *rb = rt_raft(c, b);
	raft_index last = logLastIndex(&ra->log);
	raft_index top = 0;
	char ea_text[96];
	char eb_text[96];

	if (logLastIndex(&rb->log) < last)
		last = logLastIndex(&rb->log);
	for (raft_index k = last; k >= 1 && top == 0; k--) {
		const struct raft_entry *ea = logGet(&ra->log, k);
		const struct raft_entry *eb = logGet(&rb->log, k);

		if (ea != NULL && eb != NULL && ea->term == eb->term)
			top = k;
	}
	for (raft_index k = 1; k <= top; k++) {
		const struct raft_entry *ea = logGet(&ra->log, k);
		const struct raft_entry *eb = logGet(&rb->log, k);

		if (ea == NULL || eb == NULL || entries_equal(ea, eb))
			continue;
		rt_violation(c, "log matching: nodes %u and %u differ at index %llu (%s vs %s) below an index where their terms agree",
			     a + 1, b + 1, (unsigned long long)k,
			     describe_entry(ea_text, sizeof ea_text, ea),
			     describe_entry(eb_text, sizeof eb_text, eb));
		return;
	}
}

/* An applied command is never truncated or replaced in the node's log. */
static void check_applied_kept(struct rt_cluster *c, unsigned i)
{
	struct rt_node *node = &c->nodes[i];
	struct raft *r = rt_raft(c, i);
	char have[96];

	for (unsigned k = 0; k < node->n_applied; k++) {
		const struct rt_applied *a = &node->applied[k];
		const struct raft_entry *e;

		if (a->index <= logSnapshotIndex(&r->log))
			continue;
		e = logGet(&r->log, a->index);
		if (e != NULL && e->type == RAFT_COMMAND &&
		    e->buf.len == RT_PAYLOAD_SIZE &&
		    memcmp(e->buf.base, a->text, RT_PAYLOAD_SIZE) == 0)
			continue;
		rt_violation(c, "node %u applied '%s' at index %llu, but its log now has %s there",
			     i + 1, a->text, (unsigned long long)a->index,
			     e ? describe_entry(have, sizeof have, e) : "nothing");
	}
}

void rt_check_apply(struct rt_cluster *c, unsigned i, raft_index index,
		    const char *text)
{
	struct rt_first_apply *first;

	if (index >= c->cap_first_applied) {
		raft_index cap = c->cap_first_applied ? c->cap_first_applied : 64;
		struct rt_first_apply *grown;

		while (cap <= index)
			cap *= 2;
		grown = realloc(c->first_applied, cap * sizeof *grown);
		if (grown == NULL)
			abort();
		memset(grown + c->cap_first_applied, 0,
		       (cap - c->cap_first_applied) * sizeof *grown);
		c->first_applied = grown;
		c->cap_first_applied = cap;
	}
	first = &c->first_applied[index];
	if (!first->seen) {
		first->seen = true;
		first->node = i;
		memcpy(first->text, text, RT_PAYLOAD_SIZE);
		return;
	}
	if (strncmp(first->text, text, RT_PAYLOAD_SIZE) != 0)
		rt_violation(c, "state machine safety: index %llu applied as '%s' on node %u and as '%s' on node %u",
			     (unsigned long long)index, first->text,
			     first->node + 1, text, i + 1);
}

void rt_check_step(struct rt_cluster *c)
{
	for (unsigned i = 0; i < c->n; i++) {
		check_monotonic(c, i);
		check_election_safety(c, i);
		check_committed_final(c, i);
		record_committed(c, i);
		check_leader_completeness(c, i);
		check_applied_kept(c, i);
		for (unsigned j = i + 1; j < c->n; j++)
			check_log_matching(c, i, j);
	}
}

void rt_check_close(struct rt_cluster *c)
{
	for (raft_index k = 0; k < c->cap_committed; k++)
		free(c->committed[k].data);
	free(c->committed);
	free(c->first_applied);
	for (unsigned k = 0; k < c->n_violations; k++)
		free(c->violations[k]);
	c->committed = NULL;
	c->first_applied = NULL;
	c->n_violations = 0;
}
