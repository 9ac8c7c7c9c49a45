/* snappolicy.c - when to take a snapshot: by log bytes against state size.
 *
 * libraft 0.15 triggers a snapshot only by entry count (threshold). raftd's
 * entries are batches: one entry may hold one 20-byte command or a thousand
 * commands, so a count says little about what matters:
 *   - the cost of a snapshot grows with the size of the state (the child
 *     encodes all of it; libraft compresses and writes all of it);
 *   - the memory and replay time of the log grow with its bytes.
 * So, like Redis's AOF rewrite, raftd snapshots when the log applied since
 * the last snapshot reaches a fraction of the last snapshot's size (never
 * less than a floor): each byte written then costs a bounded number of
 * bytes of snapshot work, and the log held in memory stays within that
 * fraction of the state. The entry count (--snapshot-threshold) remains as
 * a cap, for workloads of many tiny entries. Nodes are staggered by id so
 * that they do not all snapshot at once.
 *
 * libraft offers no "snapshot now" call; lowering its threshold to 1 makes
 * it take one after the next entry is applied, and the threshold goes back
 * to the configured count as soon as the snapshot has started.
 */
#include "raftd/raftd.h"

/* Log bytes after which a snapshot is due. */
static uint64_t snappolicy_target(const struct rd_node *n)
{
	const struct rd_config *cfg = n->cfg;
	uint64_t rel = (uint64_t)n->glue.snapshot_bytes_last *
		       cfg->snapshot_log_ratio / 100u;

	uint64_t t = rel > cfg->snapshot_log_bytes ? rel : cfg->snapshot_log_bytes;

	/* Stagger the nodes (+0, 10, 20, 30% by id): they apply the same log,
	 * and would otherwise all snapshot at the same moment, competing for
	 * the same CPUs when they share a machine. */
	return t + t / 10 * ((n->cfg->id - 1) % 4);
}

void rd_snappolicy_check(struct rd_node *n)
{
	struct rd_glue *g = &n->glue;
	bool due;

	if (n->cfg->snapshot_log_bytes == 0)
		return; /* byte trigger off: libraft's count alone */
	due = !g->taking && g->log_bytes >= snappolicy_target(n);
	if (due && !g->policy_armed) {
		raft_set_snapshot_threshold(&n->raft, 1);
		g->policy_armed = true;
	} else if (!due && g->policy_armed) {
		raft_set_snapshot_threshold(&n->raft, n->cfg->snapshot_threshold);
		g->policy_armed = false;
	}
}
