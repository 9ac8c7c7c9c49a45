/* write.c - the write path, top to bottom.
 *
 * 1. A client command arrives (cmd.c) and rd_write_submit appends it to the
 *    open batch: one buffer of encoded commands (fsm/fsm.h) plus the list of
 *    callers waiting for them. Nothing is proposed yet.
 * 2. At the end of the loop iteration rd_write_flush proposes the open batch
 *    as ONE raft_apply of ONE buffer (libraft 0.15 reports only the first
 *    entry's result when given several buffers). Everything that arrived in
 *    one iteration therefore costs one log entry and one disk write; a batch
 *    that reaches max_batch_bytes is proposed early.
 * 3. When the entry is applied, fsm_glue.c finds the batch by its header
 *    (proposer id, term, sequence number) and the fsm writes the per-command
 *    results straight into it; libraft then calls write_applied, which
 *    answers every waiter in order.
 * 4. If leadership is lost after proposing, libraft calls write_applied with
 *    RAFT_LEADERSHIPLOST: the entry may still commit under the next leader,
 *    so every waiter gets RD_EUNCERTAIN, never success or failure.
 *
 * 5. A planned leadership transfer (rd_write_transfer) holds the open batch
 *    and the waiting reads instead of proposing them (see the section at the
 *    end of this file).
 *
 * Batch records are recycled through a free list so a busy leader does not
 * allocate per request.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "raftd/raftd.h"
#include "snapshot/snap.h"

struct rd_waiter {
	rd_write_cb cb;
	void *arg;
};

struct rd_batch {
	struct raft_apply req;
	struct rd_node *node;
	struct fsm_batch_hdr hdr;
	struct buf enc;
	struct rd_waiter *waiters;
	struct fsm_result *results;
	size_t n, cap;
	struct rd_batch *next;
};

static struct rd_batch *write_free_list;

static void handover_step(struct rd_node *n);

static struct rd_batch *batch_get(struct rd_node *n)
{
	struct rd_batch *b = write_free_list;

	if (b != NULL) {
		write_free_list = b->next;
	} else {
		b = calloc(1, sizeof *b);
		if (b == NULL)
			return NULL;
		buf_init(&b->enc);
	}
	b->node = n;
	b->n = 0;
	b->next = NULL;
	memset(&b->hdr, 0, sizeof b->hdr);
	return b;
}

static void batch_put(struct rd_batch *b)
{
	/* Keep modest allocations for reuse; give back big ones. */
	if (b->enc.cap > (1u << 20) || b->cap > 4096) {
		buf_free(&b->enc);
		free(b->waiters);
		free(b->results);
		b->waiters = NULL;
		b->results = NULL;
		b->cap = 0;
	}
	buf_reset(&b->enc);
	b->next = write_free_list;
	write_free_list = b;
}

static int batch_grow(struct rd_batch *b)
{
	size_t cap = b->cap ? b->cap * 2 : 16;
	struct rd_waiter *w = realloc(b->waiters, cap * sizeof *w);
	struct fsm_result *r;

	if (w == NULL)
		return -1;
	b->waiters = w;
	r = realloc(b->results, cap * sizeof *r);
	if (r == NULL)
		return -1;
	b->results = r;
	b->cap = cap;
	return 0;
}

/* Cluster time for a new batch: the wall clock in ms, but never behind what
 * this node stamped before or what the fsm has applied (a previous leader's
 * clock may have been ahead), so cluster time only moves forward. Session
 * expiry is measured in it (fsm/fsm.h). */
static uint64_t write_cluster_time(struct rd_node *n)
{
	struct timespec ts;
	uint64_t now, floor = fsm_cluster_time(rd_node_fsm(n));

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (now < n->writer.last_time_ms)
		now = n->writer.last_time_ms;
	if (now < floor)
		now = floor;
	n->writer.last_time_ms = now;
	return now;
}

static struct rd_batch *write_open(struct rd_node *n)
{
	struct rd_writer *w = &n->writer;
	struct rd_batch *b;

	if (w->open != NULL)
		return w->open;
	b = batch_get(n);
	if (b == NULL)
		return NULL;
	b->hdr.term = n->raft.current_term;
	b->hdr.proposer = n->cfg->id;
	b->hdr.seq = ++w->next_seq;
	b->hdr.time_ms = write_cluster_time(n);
	if (fsm_batch_begin(&b->enc, &b->hdr) != 0) {
		batch_put(b);
		return NULL;
	}
	w->open = b;
	return b;
}

/* Commands that can make the state bigger. Deletes, unlocks, session
 * closes and membership stay allowed at the quota, so that an operator can
 * always make room. */
static bool write_grows(const struct fsm_cmd *cmd)
{
	switch (cmd->op) {
	case FSM_OP_PUT: case FSM_OP_CAS: case FSM_OP_CAS_INDEX:
	case FSM_OP_INCRBY: case FSM_OP_MPUT: case FSM_OP_APPEND:
	case FSM_OP_SESSION_OPEN: case FSM_OP_LOCK:
		return true;
	default:
		return false;
	}
}

/* The state's size quota (--max-state-bytes). libraft 0.15 cannot load a
 * snapshot file over 2 GiB: a state that grew past that would leave every
 * node unable to restart. The measure is the exact size of the state's
 * snapshot encoding (O(1): kept counts); commands already in the open and
 * in-flight batches are not counted, which the margin below 2 GiB covers
 * (at most max_inflight_batches x max_batch_bytes). */
static bool write_over_quota(struct rd_node *n, const struct fsm_cmd *cmd)
{
	uint64_t max = n->cfg->max_state_bytes;

	return max != 0 && write_grows(cmd) &&
	       snap_encoded_size(rd_node_fsm(n)) >= max;
}

int rd_write_submit(struct rd_node *n, const struct fsm_cmd *cmd,
		    rd_write_cb cb, void *arg)
{
	struct rd_writer *w = &n->writer;
	struct rd_batch *b;
	int rv;

	if (n->closing)
		return RD_ESHUTDOWN;
	/* During a transfer even a deposed leader queues: the batch is
	 * answered with a redirect to the new leader once raft knows it. */
	if (!rd_node_is_leader(n) && !rd_write_holding(n))
		return RD_ENOTLEADER;
	if (write_over_quota(n, cmd))
		return RD_ENOSPACE;
	if (w->open != NULL && w->open->enc.len >= n->cfg->max_batch_bytes) {
		if (rd_write_holding(n))
			return RD_EBUSY;
		rd_write_flush(n);
	}
	if (w->open == NULL && w->n_inflight >= n->cfg->max_inflight_batches)
		return RD_EBUSY;
	b = write_open(n);
	if (b == NULL)
		return RD_ENOMEM;
	if (b->n == b->cap && batch_grow(b) != 0)
		return RD_ENOMEM;
	rv = fsm_batch_add(&b->enc, cmd);
	if (rv == -2)
		return RD_ETOOLARGE;
	if (rv != 0)
		return RD_ENOMEM;
	b->waiters[b->n].cb = cb;
	b->waiters[b->n].arg = arg;
	b->n++;
	w->commands++;
	return RD_OK;
}

static void write_unlink(struct rd_writer *w, struct rd_batch *b)
{
	struct rd_batch **pp = &w->inflight, *prev = NULL;

	while (*pp != NULL && *pp != b) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp == NULL)
		return;
	*pp = b->next;
	if (w->inflight_tail == b)
		w->inflight_tail = prev;
	w->n_inflight--;
}

static void write_answer_all(struct rd_batch *b, int status)
{
	for (size_t i = 0; i < b->n; i++)
		b->waiters[i].cb(b->waiters[i].arg, status,
				 status == RD_OK ? &b->results[i] : NULL, b->hdr.term);
}

static void write_applied(struct raft_apply *req, int status, void *result)
{
	struct rd_batch *b = req->data;
	struct rd_node *n = b->node;

	write_unlink(&n->writer, b);
	if (status == 0 && result == b) {
		write_answer_all(b, RD_OK);
	} else {
		if (status == 0)
			rd_error("batch %llu/%llu applied without its results",
				 (unsigned long long)b->hdr.term,
				 (unsigned long long)b->hdr.seq);
		else if (status != RAFT_LEADERSHIPLOST && status != RAFT_SHUTDOWN)
			rd_node_fail(n, "a proposal", status);
		write_answer_all(b, RD_EUNCERTAIN);
	}
	batch_put(b);
}

void rd_write_flush(struct rd_node *n)
{
	struct rd_writer *w = &n->writer;
	struct rd_batch *b = w->open;
	struct raft_buffer rb;
	size_t len;
	int rv;

	handover_step(n);
	if (b == NULL || rd_write_holding(n))
		return;
	w->open = NULL;
	if (fsm_batch_end(&b->enc) != 0) {
		write_answer_all(b, RD_ENOMEM);
		batch_put(b);
		return;
	}
	/* The batch's term must be the term it is proposed in: the leader may
	 * have changed terms since the batch opened. */
	if (!rd_node_is_leader(n) || n->raft.current_term != b->hdr.term) {
		write_answer_all(b, RD_ENOTLEADER);
		batch_put(b);
		return;
	}
	rb.len = b->enc.len;
	rb.base = buf_detach(&b->enc, &len);
	b->req.data = b;
	rv = raft_apply(&n->raft, &b->req, &rb, 1, write_applied);
	if (rv != 0) {
		free(rb.base);
		write_answer_all(b, rv == RAFT_NOTLEADER ? RD_ENOTLEADER : RD_EBUSY);
		batch_put(b);
		return;
	}
	/* raft owns rb.base now and frees it with raft_free. */
	if (w->inflight_tail)
		w->inflight_tail->next = b;
	else
		w->inflight = b;
	w->inflight_tail = b;
	w->n_inflight++;
	w->batches++;
}

void rd_write_abort_open(struct rd_node *n, int status)
{
	struct rd_batch *b = n->writer.open;

	if (b == NULL)
		return;
	n->writer.open = NULL;
	write_answer_all(b, status);
	batch_put(b);
}

struct rd_batch *rd_write_find(struct rd_node *n, uint64_t term, uint64_t seq)
{
	for (struct rd_batch *b = n->writer.inflight; b != NULL; b = b->next)
		if (b->hdr.term == term && b->hdr.seq == seq)
			return b;
	return NULL;
}

void *rd_write_find_results(void *node, uint64_t term, uint64_t seq,
			    struct fsm_result **res, size_t *cap)
{
	struct rd_batch *b = rd_write_find(node, term, seq);

	if (b != NULL) {
		*res = b->results;
		*cap = b->n;
	}
	return b;
}

/* ---- planned leadership transfer ----------------------------------------
 *
 * raft 0.15's raft_transfer sends TimeoutNow as soon as the target has been
 * *sent* the whole log. A target still writing the last entries does not
 * campaign (raft/fix_candidate_durable.c; upstream 64b0b8b fixed the sender
 * instead), TimeoutNow is not resent, and the transfer fails after an
 * election timeout during which raft refuses every proposal: writes stop
 * for the whole election timeout and leadership stays put.
 *
 * So the leader first stops proposing (writes collect in the open batch,
 * reads in the reader's waiting list), waits until the target has
 * acknowledged the whole log as stored (its match index), and only then
 * calls raft_transfer: TimeoutNow then always finds a target ready to
 * campaign. Requests held meanwhile are answered when the transfer ends:
 * proposed if this node is still leader, else redirected to the new leader
 * (raft keeps r->transfer set, in every role, until it has heard from the
 * target as leader, so the redirect names it and the client does not have
 * to back off and poll). One handover at a time, in one node per process.
 */
static struct {
	struct rd_node *n;          /* set while waiting for the target */
	struct raft_transfer *req;
	raft_transfer_cb cb;
	raft_id id;
	uint64_t deadline;          /* uv_now() ms */
} handover;

bool rd_write_holding(struct rd_node *n)
{
	return handover.n == n || n->raft.transfer != NULL;
}

/* The target's replication progress, or NULL (not a voter we replicate to). */
static const struct raft_progress *handover_progress(struct raft *r, raft_id id)
{
	for (unsigned i = 0; i < r->configuration.n; i++)
		if (r->configuration.servers[i].id == id)
			return &r->leader_state.progress[i];
	return NULL;
}

/* id 0: the voter, other than this node, with the most log stored. */
static raft_id handover_pick(struct raft *r)
{
	raft_id best = 0;
	raft_index most = 0;

	for (unsigned i = 0; i < r->configuration.n; i++) {
		const struct raft_server *s = &r->configuration.servers[i];

		if (s->id == r->id || s->role != RAFT_VOTER)
			continue;
		if (best == 0 || r->leader_state.progress[i].match_index > most) {
			best = s->id;
			most = r->leader_state.progress[i].match_index;
		}
	}
	return best;
}

int rd_write_transfer(struct rd_node *n, struct raft_transfer *req,
		      raft_id id, raft_transfer_cb cb)
{
	struct raft *r = &n->raft;
	const struct raft_server *s = NULL;

	if (!rd_node_is_leader(n) || rd_write_holding(n))
		return RAFT_NOTLEADER;
	if (id == 0 && (id = handover_pick(r)) == 0)
		return RAFT_NOTFOUND;
	for (unsigned i = 0; i < r->configuration.n; i++)
		if (r->configuration.servers[i].id == id)
			s = &r->configuration.servers[i];
	if (s == NULL || id == r->id || s->role != RAFT_VOTER)
		return RAFT_BADID;
	handover.n = n;
	handover.req = req;
	handover.cb = cb;
	handover.id = id;
	handover.deadline = uv_now(n->loop) + n->cfg->election_timeout_ms;
	return 0;
}

/* Once per loop iteration (from rd_write_flush): hand over when the target
 * has stored the whole log; give up (the callback sees this node still
 * leader) when leadership is lost meanwhile or the target does not catch up
 * within an election timeout. */
static void handover_step(struct rd_node *n)
{
	struct raft *r = &n->raft;
	const struct raft_progress *p;
	struct raft_transfer *req = handover.req;
	raft_transfer_cb cb = handover.cb;
	int rv;

	if (handover.n != n)
		return;
	if (rd_node_is_leader(n)) {
		p = handover_progress(r, handover.id);
		if (p != NULL && p->match_index < raft_last_index(r) &&
		    uv_now(n->loop) < handover.deadline)
			return;
		if (p != NULL && p->match_index >= raft_last_index(r)) {
			handover.n = NULL;
			rv = raft_transfer(r, req, handover.id, cb);
			if (rv == 0)
				return;
			rd_warn("leadership transfer to %llu: %s",
				(unsigned long long)handover.id, raft_strerror(rv));
		} else if (p != NULL) {
			rd_warn("leadership transfer: node %llu did not store the "
				"log within %u ms", (unsigned long long)handover.id,
				n->cfg->election_timeout_ms);
		}
	}
	handover.n = NULL;
	cb(req);
}
