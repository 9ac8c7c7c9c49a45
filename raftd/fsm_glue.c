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
 * Snapshots use libraft's asynchronous interface (fsm version 3): snapshot()
 * forks a child that encodes the frozen state (raftd/snapfork.h),
 * snapshot_async() waits for it in libuv's threadpool, finalize() unmaps
 * its output. libraft 0.15 refuses fsm version 3 unless io->version >= 2,
 * which raft_uv_init does not set: whoever creates the raft_io must set it
 * (node.c, and the fixture in tests/fixture/cluster.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	g->log_bytes += buf->len;
	g->recent[g->recent_head] = buf->len > UINT32_MAX ? UINT32_MAX :
				    (uint32_t)buf->len;
	g->recent_head = (g->recent_head + 1) % RD_GLUE_RECENT;
	if (g->recent_n < RD_GLUE_RECENT)
		g->recent_n++;
	*result = mine;
	return 0;
}

static uint64_t rd_glue_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* On the loop: fork a child that encodes the state as it is now. The state
 * is frozen in the child; the loop goes on at once. One at a time: libraft
 * takes one snapshot at a time, but say BUSY rather than trust that. */
static int glue_snapshot(struct raft_fsm *rf, struct raft_buffer *bufs[],
			 unsigned *n_bufs)
{
	struct rd_glue *g = rf->data;
	uint64_t index = raft_last_applied(g->raft);

	if (g->taking)
		return RAFT_BUSY;
	/* libraft reads its trailing setting when this snapshot is stored */
	g->trailing_last = rd_glue_trailing(g);
	raft_set_snapshot_trailing(g->raft, g->trailing_last);
	fsm_note_index(g->fsm, index);
	if (rd_snapfork_start(&g->fork, g->fsm, g->applied_term, index,
			      rd_snapfork_produce_snap, NULL) != 0) {
		rd_error("snapshot at index %llu not started: fork: %s",
			 (unsigned long long)index, strerror(errno));
		return RAFT_BUSY; /* retried at the next threshold crossing */
	}
	g->taking = true;
	g->log_bytes_taken = g->log_bytes;
	g->log_bytes = 0;
	g->taking_start_us = rd_glue_now_us();
	g->taking_index = index;
	g->taking_keys = fsm_count(g->fsm);
	g->fork_us_last = g->fork.fork_us;
	if (g->fork.fork_us > g->fork_us_max)
		g->fork_us_max = g->fork.fork_us;
	*bufs = NULL;
	*n_bufs = 0;
	return 0;
}

/* In a threadpool thread: wait for the child and hand its output, mapped
 * read-only, to libraft, which writes it to disk (compressing it). The
 * mapping stays ours until finalize. */
static int glue_snapshot_async(struct raft_fsm *rf, struct raft_buffer *bufs[],
			       unsigned *n_bufs)
{
	struct rd_glue *g = rf->data;
	struct raft_buffer *b;

	if (rd_snapfork_wait(&g->fork) != 0)
		return RAFT_IOERR;
	b = raft_malloc(sizeof *b);
	if (b == NULL)
		return RAFT_NOMEM;
	b->base = g->fork.base;
	b->len = g->fork.len;
	*bufs = b;
	*n_bufs = 1;
	return 0;
}

/* On the loop, once libraft is done with the buffers (written or failed). */
static int glue_snapshot_finalize(struct raft_fsm *rf,
				  struct raft_buffer *bufs[], unsigned *n_bufs)
{
	struct rd_glue *g = rf->data;
	/* libraft calls finalize whether or not the file was written (a full
	 * disk, say); it moves its snapshot index only when it was */
	bool ok = g->fork.base != NULL &&
		  g->raft->log.snapshot.last_index == g->taking_index;

	if (*bufs != NULL)
		raft_free(*bufs);
	*bufs = NULL;
	*n_bufs = 0;
	if (ok) {
		g->snapshot_ms_last = (rd_glue_now_us() - g->taking_start_us) /
				      1000u;
		rd_info("snapshot taken at index %llu: %llu keys, %zu bytes "
			"in %llu ms (fork %llu us)",
			(unsigned long long)g->taking_index,
			(unsigned long long)g->taking_keys, g->fork.len,
			(unsigned long long)g->snapshot_ms_last,
			(unsigned long long)g->fork.fork_us);
		g->snapshots++;
		g->snapshot_bytes_last = g->fork.len;
	} else {
		rd_error("snapshot at index %llu failed (not written)",
			 (unsigned long long)g->taking_index);
		g->snapshot_failures++;
		/* the log it was to replace is still there: count it again */
		g->log_bytes += g->log_bytes_taken;
	}
	rd_snapfork_release_async(&g->fork, g->loop);
	g->taking = false;
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
	g->snapshot_bytes_last = buf->len;
	g->log_bytes = 0;
	rd_info("restored snapshot at index %llu: %llu keys",
		(unsigned long long)info.index, (unsigned long long)info.keys);
	return 0;
}

unsigned rd_glue_trailing(const struct rd_glue *g)
{
	uint64_t sum = 0;
	size_t i, k = 0, pos = g->recent_head;
	size_t limit = g->trailing_max;

	if (g->trailing_bytes == 0)
		return g->trailing_max;
	/* entries not seen here (configuration changes, barriers) are small;
	 * beyond what was seen, count nothing more */
	for (i = 0; i < g->recent_n && k < limit; i++) {
		pos = (pos + RD_GLUE_RECENT - 1) % RD_GLUE_RECENT;
		if (sum + g->recent[pos] > g->trailing_bytes)
			break;
		sum += g->recent[pos];
		k++;
	}
	if (i == g->recent_n)
		k = limit; /* everything seen fits: no reason to keep fewer */
	return k < RD_GLUE_MIN_TRAILING ? RD_GLUE_MIN_TRAILING : (unsigned)k;
}

int rd_glue_init(struct rd_glue *g, fsm *f, uint64_t self_id)
{
	memset(g, 0, sizeof *g);
	g->recent = calloc(RD_GLUE_RECENT, sizeof *g->recent);
	if (g->recent == NULL)
		return -1;
	g->trailing_max = 1024;
	g->fsm = f;
	g->self_id = self_id;
	g->fork.memfd = -1;
	g->fork.status_fd = -1;
	g->rfsm.version = 3;
	g->rfsm.data = g;
	g->rfsm.apply = glue_apply;
	g->rfsm.snapshot = glue_snapshot;
	g->rfsm.restore = glue_restore;
	g->rfsm.snapshot_finalize = glue_snapshot_finalize;
	g->rfsm.snapshot_async = glue_snapshot_async;
	return 0;
}

void rd_glue_close(struct rd_glue *g)
{
	rd_snapfork_release(&g->fork);
	free(g->recent);
	g->recent = NULL;
	fsm_free(g->fsm);
	g->fsm = NULL;
}
