/* taps.c - the harness's hooks into each node's raft_io.
 *
 * raft_io is a table of function pointers (raft.h), so the harness can put
 * its own functions in front of the fixture's in-memory ones:
 *
 *   append: remembers raft's completion callback per request, and can
 *           report a completed write as failed (rt_fail_appends), which the
 *           0.15 fixture cannot do (its fault injection fails only the
 *           submission, synchronously, before anything is replicated);
 *   send:   checks that a RequestVote advertises only entries that are on
 *           the sender's disk (r->last_stored), the durable-vote invariant.
 *
 * The fixture embeds each raft_io in its struct raft_fixture_server, so the
 * node is found from the io pointer; the cluster is the one being driven.
 */
#include <stddef.h>

#include "tests/raft/harness_int.h"

static struct rt_cluster *tapped;

static struct rt_node *node_of(struct raft_io *io)
{
	struct raft_fixture_server *s = (struct raft_fixture_server *)
		((char *)io - offsetof(struct raft_fixture_server, io));

	return &tapped->nodes[s - tapped->f.servers];
}

/* Find and forget the pending write req; returns raft's callback. */
static raft_io_append_cb take_pending(struct rt_node **owner,
				      struct raft_io_append *req)
{
	for (unsigned i = 0; i < tapped->n; i++) {
		struct rt_node *node = &tapped->nodes[i];

		for (unsigned k = 0; k < node->n_pending; k++) {
			raft_io_append_cb cb = node->pending[k].cb;

			if (node->pending[k].req != req)
				continue;
			node->pending[k] = node->pending[--node->n_pending];
			*owner = node;
			return cb;
		}
	}
	return NULL;
}

static void tap_append_done(struct raft_io_append *req, int status)
{
	struct rt_node *node = NULL;
	raft_io_append_cb cb = take_pending(&node, req);

	if (cb == NULL)
		return; /* not ours: cannot happen, every append is tapped */
	if (status == 0 && node->fail_appends > 0) {
		node->fail_appends--;
		status = RAFT_IOERR;
	}
	cb(req, status);
}

static int tap_append(struct raft_io *io, struct raft_io_append *req,
		      const struct raft_entry entries[], unsigned n,
		      raft_io_append_cb cb)
{
	struct rt_node *node = node_of(io);
	int rv;

	if (node->n_pending == RT_MAX_PENDING)
		return RAFT_NOMEM; /* harness limit; raft reports it */
	node->pending[node->n_pending].req = req;
	node->pending[node->n_pending].cb = cb;
	node->n_pending++;
	rv = node->orig_append(io, req, entries, n, tap_append_done);
	if (rv != 0)
		node->n_pending--;
	return rv;
}

static int tap_send(struct raft_io *io, struct raft_io_send *req,
		    const struct raft_message *message, raft_io_send_cb cb)
{
	struct rt_node *node = node_of(io);
	struct raft *r = rt_raft(tapped, node->i);

	if (message->type == RAFT_IO_REQUEST_VOTE &&
	    message->request_vote.last_log_index > r->last_stored)
		rt_violation(tapped, "durable vote: node %u asked for votes in term %llu advertising last index %llu, but its disk holds only up to %llu",
			     node->i + 1,
			     (unsigned long long)message->request_vote.term,
			     (unsigned long long)message->request_vote.last_log_index,
			     (unsigned long long)r->last_stored);
	return node->orig_send(io, req, message, cb);
}

void rt_taps_install(struct rt_cluster *c, unsigned i)
{
	struct raft_io *io = &c->f.servers[i].io;

	tapped = c;
	c->nodes[i].orig_append = io->append;
	c->nodes[i].orig_send = io->send;
	io->append = tap_append;
	io->send = tap_send;
}

void rt_fail_appends(struct rt_cluster *c, unsigned i, unsigned n)
{
	c->nodes[i].fail_appends = n;
}
