/* transport.c - TCP_NODELAY on libraft's peer connections.
 *
 * libraft 0.15's TCP transport leaves Nagle's algorithm on. An AppendEntries
 * message written as a header and a body then waits for the peer's delayed
 * ACK before its tail goes out, which adds up to tens of milliseconds to a
 * commit under load (docs/performance.md measured put 64/8 2.7x faster and
 * p99 45 -> 5 ms with Nagle off). The transport's listen and connect entry
 * points are wrapped so that every stream it hands to raft has TCP_NODELAY
 * set first; nothing else about the transport changes.
 *
 * One node per process: the original entry points and callbacks are kept in
 * file-scope variables (the transport's own `data` field belongs to
 * libraft's raft_uv, which uses it).
 */
#include <stdlib.h>

#include "common/log.h"
#include "raftd/raftd.h"

struct tx_pending {
	struct raft_uv_connect *req;
	raft_uv_connect_cb cb;
	struct tx_pending *next;
};

static int (*tx_listen)(struct raft_uv_transport *, raft_uv_accept_cb);
static int (*tx_connect)(struct raft_uv_transport *, struct raft_uv_connect *,
			 raft_id, const char *, raft_uv_connect_cb);
static raft_uv_accept_cb tx_accept_cb;
static struct tx_pending *tx_pending_list;

static void tx_nodelay(struct uv_stream_s *s)
{
	if (s != NULL && s->type == UV_TCP && uv_tcp_nodelay((uv_tcp_t *)s, 1) != 0)
		rd_warn("could not set TCP_NODELAY on a raft connection");
}

static void tx_accepted(struct raft_uv_transport *t, raft_id id,
			const char *address, struct uv_stream_s *s)
{
	tx_nodelay(s);
	tx_accept_cb(t, id, address, s);
}

static int tx_listen_wrap(struct raft_uv_transport *t, raft_uv_accept_cb cb)
{
	tx_accept_cb = cb;
	return tx_listen(t, tx_accepted);
}

/* Remove req's record and return the callback raft gave for it. */
static raft_uv_connect_cb tx_take(struct raft_uv_connect *req)
{
	struct tx_pending **pp = &tx_pending_list, *p;
	raft_uv_connect_cb cb = NULL;

	while ((p = *pp) != NULL && p->req != req)
		pp = &p->next;
	if (p != NULL) {
		*pp = p->next;
		cb = p->cb;
		free(p);
	}
	return cb;
}

static void tx_connected(struct raft_uv_connect *req, struct uv_stream_s *s,
			 int status)
{
	raft_uv_connect_cb cb = tx_take(req);

	if (status == 0)
		tx_nodelay(s);
	if (cb != NULL)
		cb(req, s, status);
}

static int tx_connect_wrap(struct raft_uv_transport *t,
			   struct raft_uv_connect *req, raft_id id,
			   const char *address, raft_uv_connect_cb cb)
{
	struct tx_pending *p = malloc(sizeof *p);
	int rv;

	if (p == NULL)
		return RAFT_NOMEM;
	p->req = req;
	p->cb = cb;
	p->next = tx_pending_list;
	tx_pending_list = p;
	rv = tx_connect(t, req, id, address, tx_connected);
	if (rv != 0)
		tx_take(req);
	return rv;
}

void rd_transport_nodelay(struct raft_uv_transport *t)
{
	tx_listen = t->listen;
	tx_connect = t->connect;
	t->listen = tx_listen_wrap;
	t->connect = tx_connect_wrap;
}
