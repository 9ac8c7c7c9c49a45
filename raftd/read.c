/* read.c - the read path: linearizable reads behind shared barriers.
 *
 * libraft 0.15 has no ReadIndex and no lease reads. A leader proves it is
 * still the leader, and that its fsm holds every write committed before a
 * read arrived, by committing an entry of its own term proposed after the
 * read arrived: a barrier. Its callback fires once the barrier is committed
 * and applied, so the fsm then reflects everything acknowledged before the
 * read. A deposed leader cannot commit the barrier: its reads fail with
 * RD_ENOTLEADER (retryable) instead of returning stale data.
 *
 * One barrier serves every read that arrived before it was proposed. Reads
 * collect in `waiting` during a loop iteration; at the end of the iteration
 * rd_read_flush proposes one barrier for all of them. While that barrier is
 * in flight, new reads collect for the next one; at most max_barriers are in
 * flight, so under load each barrier carries many reads. During a planned
 * leadership transfer no barrier is proposed: reads wait (write.c).
 */
#include <stdlib.h>

#include "common/log.h"
#include "raftd/raftd.h"

/* Measured (docs/performance.md, linearizable get 64/8): 8 in flight gave
 * 96-105k reads/s against 82-88k with 2, at the same CPU per read: a read
 * then rarely waits for a barrier slot. -D for experiments. */
#ifndef READ_MAX_BARRIERS
#define READ_MAX_BARRIERS 8
#endif

struct rd_read {
	rd_read_cb cb;
	void *arg;
	struct rd_read *next;
};

struct rd_barrier {
	struct raft_barrier req;
	struct rd_node *node;
	uint64_t term;
	struct rd_read *reads;
	struct rd_barrier *next;
};

static struct rd_read *read_free_list;

static void read_answer(struct rd_read *list, int status, uint64_t term,
			uint64_t index)
{
	while (list != NULL) {
		struct rd_read *next = list->next;

		list->cb(list->arg, status, term, index);
		list->next = read_free_list;
		read_free_list = list;
		list = next;
	}
}

int rd_read_submit(struct rd_node *n, rd_read_cb cb, void *arg)
{
	struct rd_reader *rr = &n->reader;
	struct rd_read *r;

	if (n->closing)
		return RD_ESHUTDOWN;
	if (!rd_node_is_leader(n) && !rd_write_holding(n))
		return RD_ENOTLEADER;
	r = read_free_list;
	if (r != NULL)
		read_free_list = r->next;
	else if ((r = malloc(sizeof *r)) == NULL)
		return RD_ENOMEM;
	r->cb = cb;
	r->arg = arg;
	r->next = NULL;
	if (rr->waiting_tail)
		rr->waiting_tail->next = r;
	else
		rr->waiting = r;
	rr->waiting_tail = r;
	rr->n_waiting++;
	return RD_OK;
}

static void read_unlink(struct rd_reader *rr, struct rd_barrier *b)
{
	struct rd_barrier **pp = &rr->inflight;

	while (*pp != NULL && *pp != b)
		pp = &(*pp)->next;
	if (*pp != NULL) {
		*pp = b->next;
		rr->n_inflight--;
	}
}

static void read_barrier_cb(struct raft_barrier *req, int status)
{
	struct rd_barrier *b = req->data;
	struct rd_node *n = b->node;

	read_unlink(&n->reader, b);
	if (status == 0) {
		/* The barrier's own index backs every read it carries: the fsm
		 * has applied everything before it. */
		read_answer(b->reads, RD_OK, b->term, req->index);
	} else {
		if (status != RAFT_LEADERSHIPLOST && status != RAFT_SHUTDOWN)
			rd_node_fail(n, "a barrier", status);
		read_answer(b->reads, RD_ENOTLEADER, b->term, 0);
	}
	free(b);
}

/* Propose a barrier carrying `reads` (may be NULL). */
static int read_propose(struct rd_node *n, struct rd_read *reads)
{
	struct rd_reader *rr = &n->reader;
	struct rd_barrier *b = malloc(sizeof *b);
	int rv;

	if (b == NULL)
		return RD_ENOMEM;
	b->node = n;
	b->term = n->raft.current_term;
	b->reads = reads;
	b->req.data = b;
	rv = raft_barrier(&n->raft, &b->req, read_barrier_cb);
	if (rv != 0) {
		free(b);
		return rv == RAFT_NOTLEADER ? RD_ENOTLEADER : RD_EBUSY;
	}
	b->next = rr->inflight;
	rr->inflight = b;
	rr->n_inflight++;
	rr->barriers++;
	return RD_OK;
}

void rd_read_flush(struct rd_node *n)
{
	struct rd_reader *rr = &n->reader;
	struct rd_read *batch = rr->waiting;
	int rv;

	if (batch == NULL || rr->n_inflight >= READ_MAX_BARRIERS ||
	    rd_write_holding(n))
		return;
	rr->waiting = rr->waiting_tail = NULL;
	rr->reads += rr->n_waiting;
	rr->n_waiting = 0;
	rv = rd_node_is_leader(n) ? read_propose(n, batch) : RD_ENOTLEADER;
	if (rv != RD_OK)
		read_answer(batch, rv, n->raft.current_term, 0);
}

void rd_read_abort_waiting(struct rd_node *n, int status)
{
	struct rd_reader *rr = &n->reader;
	struct rd_read *list = rr->waiting;

	rr->waiting = rr->waiting_tail = NULL;
	rr->n_waiting = 0;
	read_answer(list, status, n->raft.current_term, 0);
}

void rd_read_leader_barrier(struct rd_node *n)
{
	int rv = read_propose(n, NULL);

	if (rv != RD_OK)
		rd_warn("could not propose the new leader's first barrier (%d)", rv);
}

/* ---- session reads: wait until this node has applied an index ------------ */

struct rd_wait {
	rd_read_cb cb;
	void *arg;
	uint64_t min_index;
	uint64_t deadline;   /* uv_now() ms */
	struct rd_wait *next;
};

static void read_wait_timer_cb(uv_timer_t *t)
{
	rd_read_check_waits(t->data);
}

void rd_read_init(struct rd_node *n)
{
	uv_timer_init(n->loop, &n->reader.wait_timer);
	n->reader.wait_timer.data = n;
}

void rd_read_close(struct rd_node *n)
{
	struct rd_reader *rr = &n->reader;
	struct rd_wait *w;

	while ((w = rr->applied_waits) != NULL) {
		rr->applied_waits = w->next;
		w->cb(w->arg, RD_ESHUTDOWN, n->raft.current_term, 0);
		free(w);
	}
	rr->n_applied_waits = 0;
	uv_close((uv_handle_t *)&rr->wait_timer, NULL);
}

int rd_read_wait_applied(struct rd_node *n, uint64_t min_index, unsigned wait_ms,
			 rd_read_cb cb, void *arg)
{
	struct rd_reader *rr = &n->reader;
	struct rd_wait *w;

	if (n->closing)
		return RD_ESHUTDOWN;
	if (raft_last_applied(&n->raft) >= min_index) {
		cb(arg, RD_OK, n->raft.current_term, raft_last_applied(&n->raft));
		return RD_OK;
	}
	if (wait_ms == 0)
		return RD_ELAGGING;
	w = malloc(sizeof *w);
	if (w == NULL)
		return RD_ENOMEM;
	w->cb = cb;
	w->arg = arg;
	w->min_index = min_index;
	w->deadline = uv_now(n->loop) + wait_ms;
	w->next = rr->applied_waits;
	rr->applied_waits = w;
	if (rr->n_applied_waits++ == 0)
		uv_timer_start(&rr->wait_timer, read_wait_timer_cb, 20, 20);
	return RD_OK;
}

void rd_read_check_waits(struct rd_node *n)
{
	struct rd_reader *rr = &n->reader;
	struct rd_wait **pp = &rr->applied_waits, *w;
	uint64_t applied = raft_last_applied(&n->raft), now = uv_now(n->loop);

	while ((w = *pp) != NULL) {
		int status = w->min_index <= applied ? RD_OK
			     : now >= w->deadline ? RD_ELAGGING : -1;

		if (status < 0) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		rr->n_applied_waits--;
		w->cb(w->arg, status, n->raft.current_term, applied);
		free(w);
	}
	if (rr->n_applied_waits == 0)
		uv_timer_stop(&rr->wait_timer);
}
