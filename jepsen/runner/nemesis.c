/* nemesis.c - the fault schedule and the faults themselves.
 *
 * The schedule alternates calm and fault intervals, each uniformly between
 * half and one and a half times --interval: wait, pick a fault (categories
 * in turn, a random kind within one), inject it, hold it, heal it. Every injection and healing
 * is recorded in the history as a nemesis invoke, then an info carrying
 * what was done ("n1 n2 | n3 n4 n5", "killed n3"), with f start-<kind> or
 * stop-<kind>; the report shades the time between them.
 *
 * Kinds follow Jepsen's Raft tests: partitions into random halves, one node
 * or the leader isolated, a ring of overlapping majorities, a bridge; kill -9
 * of one node, a minority, the leader or all nodes, restarted on their own
 * data when healed; SIGSTOP of one node or the leader, SIGCONT when healed;
 * membership: a random node or the leader removed from the configuration,
 * stopped and wiped, and when healed started empty in --join mode and added
 * back (standby, then voter once caught up), each step an event of its own
 * (member.c). The final heal makes every node a voter again.
 * While waiting, the main thread also notices nodes that died on their own.
 */
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "jepsen/lib/json.h"
#include "jepsen/runner/runner.h"

struct jr_fault {
	enum jr_fault_kind kind;
	const char *category;          /* partition, kill, pause, membership */
	int targets[JR_MAX_NODES + 1]; /* killed or paused nodes */
	int ntargets;
	char what[512];
};

static uint64_t jr_nemesis_rng;

static uint64_t jr_nrand(void)
{
	uint64_t x = jr_nemesis_rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return jr_nemesis_rng = x;
}

/* ids 1..n in random order into ids[0..n) */
static void jr_shuffle(int *ids, int n)
{
	for (int k = 0; k < n; k++)
		ids[k] = k + 1;
	for (int k = n - 1; k > 0; k--) {
		int j = (int)(jr_nrand() % (uint64_t)(k + 1)), t = ids[k];

		ids[k] = ids[j];
		ids[j] = t;
	}
}

static int jr_applicable(enum jr_fault_kind k, int n)
{
	switch (k) {
	case JR_PART_HALVES:
	case JR_PART_ONE:
	case JR_PART_LEADER:
		return n >= 2;
	case JR_PART_RING:
		return n >= 4; /* with three nodes every majority is everyone */
	case JR_PART_BRIDGE:
	case JR_KILL_MINORITY:
	case JR_MEMBER_ONE:    /* a majority of what remains must be two or more */
	case JR_MEMBER_LEADER:
		return n >= 3;
	default:
		return 1;
	}
}

/* Categories take turns (in a fresh random order each round, so every
 * enabled category is exercised in a short run); the kind within a
 * category is random. */
static int jr_pick(const struct jr_opts *o, enum jr_fault_kind *out)
{
	enum { NCAT = 4 };
	static int order[NCAT], pos = NCAT;
	static const int first[NCAT + 1] = {JR_PART_HALVES, JR_KILL_ONE, JR_PAUSE_ONE,
					    JR_MEMBER_ONE, JR_FAULT_KINDS};

	for (int tries = 0; tries < 2 * NCAT; tries++) {
		enum jr_fault_kind ok[JR_FAULT_KINDS];
		int n = 0, cat;

		if (pos == NCAT) {
			int ids[NCAT];

			jr_shuffle(ids, NCAT);
			for (int k = 0; k < NCAT; k++)
				order[k] = ids[k] - 1;
			pos = 0;
		}
		cat = order[pos++];
		for (int k = first[cat]; k < first[cat + 1]; k++)
			if ((o->faults & (1u << k)) && jr_applicable((enum jr_fault_kind)k, o->nodes))
				ok[n++] = (enum jr_fault_kind)k;
		if (n > 0) {
			*out = ok[jr_nrand() % (uint64_t)n];
			return 0;
		}
	}
	return -1;
}

/* The leader, or a random node when none answers as leader. */
static int jr_target_leader(struct jr_run *r, char *note, size_t len)
{
	int id = jr_cluster_leader(r->c);

	if (id != 0) {
		snprintf(note, len, "leader ");
		return id;
	}
	snprintf(note, len, "no leader known; ");
	return 1 + (int)(jr_nrand() % (uint64_t)r->o->nodes);
}

/* Describe a partition as its groups of nodes that can talk. */
static void jr_describe_sides(struct jr_fault *f, const int *ids, int n, int cut1, int cut2)
{
	size_t used = strlen(f->what);

	for (int k = 0; k < n && used < sizeof f->what - 8; k++) {
		const char *sep = k == 0 ? "" : (k == cut1 || k == cut2) ? " | " : " ";

		used += (size_t)snprintf(f->what + used, sizeof f->what - used, "%sn%d", sep, ids[k]);
	}
}

static int jr_partition(struct jr_run *r, struct jr_fault *f)
{
	unsigned drop[JR_MAX_NODES + 1] = {0};
	int ids[JR_MAX_NODES], n = r->o->nodes, lead;

	jr_shuffle(ids, n);
	switch (f->kind) {
	case JR_PART_HALVES:
		jr_plan_halves(ids, n, drop);
		jr_describe_sides(f, ids, n, n / 2, -1);
		break;
	case JR_PART_LEADER:
	case JR_PART_ONE:
		lead = f->kind == JR_PART_LEADER
			       ? jr_target_leader(r, f->what, sizeof f->what) : ids[0];
		for (int k = 0; k < n; k++)
			if (ids[k] == lead) {
				ids[k] = ids[0];
				ids[0] = lead;
			}
		jr_plan_isolate(ids, n, drop);
		jr_describe_sides(f, ids, n, 1, -1);
		break;
	case JR_PART_BRIDGE:
		jr_plan_bridge(ids, n, drop);
		jr_describe_sides(f, ids, n, (n - 1) / 2, (n - 1) / 2 + 1);
		snprintf(f->what + strlen(f->what), sizeof f->what - strlen(f->what),
			 " (n%d bridges)", ids[(n - 1) / 2]);
		break;
	default: /* ring */
		jr_plan_ring(ids, n, drop);
		snprintf(f->what, sizeof f->what, "ring");
		for (int k = 0; k < n; k++)
			snprintf(f->what + strlen(f->what), sizeof f->what - strlen(f->what),
				 " n%d", ids[k]);
		break;
	}
	return jr_net_apply(r->c, drop);
}

/* Choose the nodes to kill or pause. */
static void jr_targets(struct jr_run *r, struct jr_fault *f)
{
	int ids[JR_MAX_NODES], n = r->o->nodes, count = 1;

	jr_shuffle(ids, n);
	if (f->kind == JR_KILL_LEADER || f->kind == JR_PAUSE_LEADER) {
		f->targets[0] = jr_target_leader(r, f->what, sizeof f->what);
		f->ntargets = 1;
		return;
	}
	if (f->kind == JR_KILL_ALL)
		count = n;
	else if (f->kind == JR_KILL_MINORITY)
		count = 1 + (int)(jr_nrand() % (uint64_t)((n - 1) / 2));
	for (int k = 0; k < count; k++)
		f->targets[k] = ids[k];
	f->ntargets = count;
}

static int jr_is_partition(enum jr_fault_kind k)
{
	return k <= JR_PART_BRIDGE;
}

static int jr_is_kill(enum jr_fault_kind k)
{
	return k >= JR_KILL_ONE && k <= JR_KILL_ALL;
}

static int jr_is_member(enum jr_fault_kind k)
{
	return k == JR_MEMBER_ONE || k == JR_MEMBER_LEADER;
}

/* Remove a node (the leader, or a random one) and wipe it; targets holds
 * it only when that worked, so that healing adds back only what was
 * removed. */
static void jr_member_fault(struct jr_run *r, struct jr_fault *f)
{
	int ids[JR_MAX_NODES], id;
	char what[sizeof f->what] = "";

	jr_shuffle(ids, r->o->nodes);
	id = f->kind == JR_MEMBER_LEADER ? jr_target_leader(r, f->what, sizeof f->what) : ids[0];
	if (jr_member_remove(r, id, what, sizeof what) == 0) {
		f->targets[0] = id;
		f->ntargets = 1;
	}
	snprintf(f->what + strlen(f->what), sizeof f->what - strlen(f->what), "%s", what);
}

static void jr_inject(struct jr_run *r, struct jr_fault *f)
{
	const char *verb = jr_is_kill(f->kind) ? "killed" : "paused";

	if (jr_is_member(f->kind)) {
		jr_member_fault(r, f);
		return;
	}
	if (jr_is_partition(f->kind)) {
		if (jr_partition(r, f) != 0)
			snprintf(f->what + strlen(f->what), sizeof f->what - strlen(f->what),
				 " (iptables failed: see runner.log)");
		return;
	}
	jr_targets(r, f);
	snprintf(f->what + strlen(f->what), sizeof f->what - strlen(f->what), "%s", verb);
	for (int k = 0; k < f->ntargets; k++) {
		if (jr_is_kill(f->kind))
			jr_node_kill(r->c, f->targets[k]);
		else
			jr_node_pause(r->c, f->targets[k]);
		snprintf(f->what + strlen(f->what), sizeof f->what - strlen(f->what), " n%d",
			 f->targets[k]);
	}
}

void jr_nemesis_event(struct jr_run *r, const char *f, const char *type, const char *what)
{
	struct buf value;

	buf_init(&value);
	if (what != NULL && (jj_write_str(&value, what, strlen(what)) != 0 ||
			     buf_append(&value, "", 1) != 0))
		buf_free(&value);
	jr_hist_write(r->h, JR_NEMESIS, type, f, 0, 0, value.data, NULL);
	buf_free(&value);
}

/* A fault's own event; f is phase-category ("start-kill"), value what (a
 * string) or null. */
static void jr_record(struct jr_run *r, const char *phase, const char *category,
		      const char *type, const char *what)
{
	char f[32];

	snprintf(f, sizeof f, "%s%s%s", phase, category[0] ? "-" : "", category);
	jr_nemesis_event(r, f, type, what);
}

static const char *jr_category(enum jr_fault_kind k)
{
	return jr_is_partition(k) ? "partition"
	       : jr_is_kill(k)    ? "kill"
	       : jr_is_member(k)  ? "membership"
				  : "pause";
}

static void jr_start(struct jr_run *r, struct jr_fault *f)
{
	jr_record(r, "start", f->category, "invoke", NULL);
	jr_inject(r, f);
	jr_record(r, "start", f->category, "info", f->what);
	jr_log("nemesis: %s: %s", jr_fault_name(f->kind), f->what);
}

static void jr_stop(struct jr_run *r, struct jr_fault *f)
{
	char what[512];

	jr_record(r, "stop", f->category, "invoke", NULL);
	if (jr_is_member(f->kind)) {
		what[0] = '\0';
		if (f->ntargets == 0)
			snprintf(what, sizeof what, "nothing was removed");
		else
			jr_member_rejoin(r, f->targets[0], what, sizeof what);
	} else if (jr_is_partition(f->kind)) {
		jr_net_heal(r->c);
		snprintf(what, sizeof what, "healed: rules flushed");
	} else {
		snprintf(what, sizeof what, "%s", jr_is_kill(f->kind) ? "restarted" : "resumed");
		for (int k = 0; k < f->ntargets; k++) {
			if (jr_is_kill(f->kind))
				jr_node_start(r->c, f->targets[k]);
			else
				jr_node_resume(r->c, f->targets[k]);
			snprintf(what + strlen(what), sizeof what - strlen(what), " n%d",
				 f->targets[k]);
		}
	}
	jr_record(r, "stop", f->category, "info", what);
	jr_log("nemesis: %s", what);
}

/* Sleep until t (or an interrupt), noticing crashed nodes meanwhile. */
static void jr_wait_until(struct jr_run *r, int64_t t)
{
	while (jr_now_ns() < t && !atomic_load(&r->interrupted)) {
		jr_cluster_reap(r->c);
		jr_sleep(0.05);
	}
}

static int64_t jr_jitter(const struct jr_opts *o)
{
	double f = 0.5 + (double)(jr_nrand() % 1000) / 1000.0;

	return (int64_t)(o->interval * f * 1e9);
}

void jr_nemesis_run(struct jr_run *r, int64_t until_ns)
{
	struct jr_fault f;

	jr_nemesis_rng = r->o->seed * 2654435761u + 1;
	while (jr_now_ns() < until_ns && !atomic_load(&r->interrupted)) {
		int64_t calm = jr_now_ns() + jr_jitter(r->o), hold;

		jr_wait_until(r, calm < until_ns ? calm : until_ns);
		if (jr_now_ns() >= until_ns || atomic_load(&r->interrupted))
			break;
		memset(&f, 0, sizeof f);
		if (jr_pick(r->o, &f.kind) != 0) {
			jr_wait_until(r, until_ns);
			break;
		}
		f.category = jr_category(f.kind);
		jr_start(r, &f);
		hold = jr_now_ns() + jr_jitter(r->o);
		jr_wait_until(r, hold < until_ns ? hold : until_ns);
		jr_stop(r, &f);
	}
}

void jr_nemesis_heal_all(struct jr_run *r)
{
	char what[1024] = "rules flushed";

	jr_record(r, "heal", "", "invoke", NULL);
	jr_net_heal(r->c);
	for (int i = 1; i <= r->o->nodes; i++) {
		if (r->c->n[i].paused) {
			jr_node_resume(r->c, i);
			snprintf(what + strlen(what), sizeof what - strlen(what), ", resumed n%d", i);
		}
		if (r->c->n[i].pid == 0) {
			jr_node_start(r->c, i);
			snprintf(what + strlen(what), sizeof what - strlen(what), ", started n%d", i);
		}
	}
	if ((r->o->faults & (1u << JR_MEMBER_ONE | 1u << JR_MEMBER_LEADER)) &&
	    !atomic_load(&r->interrupted)) {
		/* every node a voter again (a failed re-addition, an interrupt) */
		char note[512] = "";

		if (jr_cluster_wait_leader(r->c, 30) == 0 || jr_member_heal(r, note, sizeof note) != 0)
			snprintf(what + strlen(what), sizeof what - strlen(what),
				 ", NOT all voters: %s", note[0] ? note : "no leader");
		else
			snprintf(what + strlen(what), sizeof what - strlen(what), ", all voters%s%s",
				 note[0] ? ": " : "", note);
	}
	jr_record(r, "heal", "", "info", what);
	jr_log("nemesis: heal all: %s", what);
}
