/* fsm_glue.c - the raft_fsm that libraft drives, over raftd's fsm library.
 *
 * apply: the entry is a batch of commands (fsm/fsm.h). If this node proposed
 * it and is still waiting for it, the per-command results go into that
 * pending batch and the batch is handed back to libraft as the apply
 * "result", which libraft passes to our raft_apply callback (write.c). On
 * every other replica, and for our own batches of earlier terms, results are
 * not kept: nothing is allocated on the follower path, because libraft drops
 * the result of an entry nobody waits for.
 *
 * apply never returns an error: libraft 0.15 turns any apply error into a
 * permanently unavailable node. Commands the fsm cannot decode get a
 * FSM_BAD_COMMAND result instead.
 *
 * In apply, raft_last_applied() + 1 is the index of the entry (0.15 updates
 * last_applied after apply returns).
 *
 * snapshot/restore use raftd's snapshot format (snapshot/snap.h).
 */
#include <string.h>

#include "common/log.h"
#include "raftd/fsm_glue.h"
#include "snapshot/snap.h"

static int glue_apply(struct raft_fsm *rf, const struct raft_buffer *buf,
		      void **result)
{
	struct rd_glue *g = rf->data;
	uint64_t index = raft_last_applied(g->raft) + 1;
	struct fsm_batch_hdr hdr;
	void *mine = NULL;
	struct fsm_result *res = NULL;
	size_t cap = 0;

	if (fsm_batch_peek(buf->base, buf->len, &hdr) == 0) {
		g->applied_term = hdr.term;
		if (hdr.proposer == g->self_id && g->find != NULL)
			mine = g->find(g->find_arg, hdr.term, hdr.seq, &res, &cap);
	}
	if (mine == NULL) {
		res = NULL;
		cap = 0;
	}
	fsm_apply(g->fsm, index, buf->base, buf->len, res, cap);
	*result = mine;
	return 0;
}

static int glue_snapshot(struct raft_fsm *rf, struct raft_buffer *bufs[],
			 unsigned *n_bufs)
{
	struct rd_glue *g = rf->data;
	uint64_t index = raft_last_applied(g->raft);
	struct buf out;
	size_t len;
	int rv;

	buf_init(&out);
	fsm_note_index(g->fsm, index);
	rv = snap_encode(g->fsm, g->applied_term, index, &out);
	if (rv != 0) {
		buf_free(&out);
		rd_error("snapshot at index %llu failed: out of memory",
			 (unsigned long long)index);
		return RAFT_NOMEM;
	}
	*bufs = raft_malloc(sizeof **bufs);
	if (*bufs == NULL) {
		buf_free(&out);
		return RAFT_NOMEM;
	}
	/* raft_free is free() unless raft_heap_set is used, which raftd never
	 * does, so the buffer's malloc'd memory can be handed over as is. */
	(*bufs)[0].base = buf_detach(&out, &len);
	(*bufs)[0].len = len;
	*n_bufs = 1;
	rd_info("snapshot taken at index %llu: %llu keys, %zu bytes",
		(unsigned long long)index,
		(unsigned long long)fsm_count(g->fsm), len);
	g->snapshots++;
	return 0;
}

static int glue_restore(struct raft_fsm *rf, struct raft_buffer *buf)
{
	struct rd_glue *g = rf->data;
	struct snap_info info;
	const char *err = NULL;
	fsm *fresh = NULL;

	if (snap_decode(buf->base, buf->len, &fresh, &info, &err) != 0) {
		rd_error("cannot restore snapshot: %s", err ? err : "invalid");
		return RAFT_CORRUPT;
	}
	raft_free(buf->base);
	fsm_free(g->fsm);
	g->fsm = fresh;
	g->applied_term = info.term;
	g->restores++;
	rd_info("restored snapshot at index %llu: %llu keys",
		(unsigned long long)info.index, (unsigned long long)info.keys);
	return 0;
}

void rd_glue_init(struct rd_glue *g, fsm *f, uint64_t self_id)
{
	memset(g, 0, sizeof *g);
	g->fsm = f;
	g->self_id = self_id;
	g->rfsm.version = 1;
	g->rfsm.data = g;
	g->rfsm.apply = glue_apply;
	g->rfsm.snapshot = glue_snapshot;
	g->rfsm.restore = glue_restore;
}

void rd_glue_close(struct rd_glue *g)
{
	fsm_free(g->fsm);
	g->fsm = NULL;
}
