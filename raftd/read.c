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
 * flight, so under load each barrier carries many reads.
 */
#include <stdlib.h>

#include "common/log.h"
#include "raftd/raftd.h"

#define READ_MAX_BARRIERS 2

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
	if (!rd_node_is_leader(n))
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
			rd_warn("barrier failed: %s", raft_strerror(status));
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

	if (batch == NULL || rr->n_inflight >= READ_MAX_BARRIERS)
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
