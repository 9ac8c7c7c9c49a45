/* sendcap.c - a bound on the bytes queued for one peer.
 *
 * libraft 0.15 sends to a connected peer without limit: each AppendEntries
 * goes to uv_write, which queues in user space once the socket buffer is
 * full. A follower that stops reading without closing its connection (a
 * SIGSTOPped or hung process, a peer whose host is swapping) makes the
 * leader queue every entry written meanwhile; those entries stay pinned in
 * memory (libraft reference-counts them for the pending sends) even after a
 * snapshot has dropped them from the log. The leader's memory then grows
 * with the write load for as long as the follower hangs.
 *
 * raftd wraps the raft_io's send method: once the AppendEntries bytes
 * queued for a peer reach the limit (--peer-send-limit), further
 * AppendEntries carrying entries are refused with RAFT_NOCONNECTION, which
 * libraft handles as for an unreachable peer: it releases the entries, does
 * not advance that peer's next index, and tries again at the next heartbeat.
 * Heartbeats (no entries), votes, snapshots and TimeoutNow always go
 * through. Once the peer drains its queue, replication resumes from where
 * it stopped, or from a snapshot if the log has moved past it.
 *
 * raftd runs one node per process, so the state is file-static.
 */
#include <stdlib.h>

#include "common/log.h"
#include "raftd/raftd.h"

#define SENDCAP_PEERS 16 /* distinct peers tracked; more share nothing */

struct sendcap_peer {
	raft_id id;
	uint64_t queued;  /* AppendEntries bytes sent, not yet completed */
	uint64_t refused; /* sends refused since the last log line */
	bool over;        /* at the limit (for logging once per episode) */
};

struct sendcap_req {
	struct raft_io_send inner; /* what the real send sees */
	struct raft_io_send *outer; /* libraft's request */
	raft_io_send_cb cb;
	struct sendcap_peer *peer;
	uint64_t bytes;
};

static struct {
	int (*send)(struct raft_io *, struct raft_io_send *,
		    const struct raft_message *, raft_io_send_cb);
	uint64_t limit;
	struct sendcap_peer peers[SENDCAP_PEERS];
	uint64_t refused_total;
} sc;

static struct sendcap_peer *sendcap_peer(raft_id id)
{
	for (unsigned i = 0; i < SENDCAP_PEERS; i++) {
		if (sc.peers[i].id == id)
			return &sc.peers[i];
		if (sc.peers[i].id == 0) {
			sc.peers[i].id = id;
			return &sc.peers[i];
		}
	}
	return NULL;
}

static uint64_t sendcap_bytes(const struct raft_append_entries *ae)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < ae->n_entries; i++)
		sum += ae->entries[i].buf.len;
	return sum;
}

static void sendcap_done(struct raft_io_send *inner, int status)
{
	struct sendcap_req *w = inner->data;
	struct sendcap_peer *p = w->peer;

	p->queued -= w->bytes;
	if (p->over && p->queued < sc.limit / 2) {
		rd_info("peer %llu is reading again: %llu sends had been "
			"refused", (unsigned long long)p->id,
			(unsigned long long)p->refused);
		p->over = false;
		p->refused = 0;
	}
	w->cb(w->outer, status);
	free(w);
}

static int sendcap_refuse(struct sendcap_peer *p)
{
	if (!p->over)
		rd_warn("peer %llu is not reading: %llu bytes queued for it; "
			"holding entries back until it does",
			(unsigned long long)p->id,
			(unsigned long long)p->queued);
	p->over = true;
	p->refused++;
	sc.refused_total++;
	return RAFT_NOCONNECTION;
}

static int sendcap_send(struct raft_io *io, struct raft_io_send *req,
			const struct raft_message *m, raft_io_send_cb cb)
{
	struct sendcap_peer *p;
	struct sendcap_req *w;
	uint64_t bytes;
	int rv;

	if (m->type != RAFT_IO_APPEND_ENTRIES ||
	    m->append_entries.n_entries == 0 ||
	    (p = sendcap_peer(m->server_id)) == NULL)
		return sc.send(io, req, m, cb);
	if (p->queued >= sc.limit)
		return sendcap_refuse(p);
	bytes = sendcap_bytes(&m->append_entries);
	w = malloc(sizeof *w);
	if (w == NULL)
		return RAFT_NOMEM;
	w->inner.data = w;
	w->outer = req;
	w->cb = cb;
	w->peer = p;
	w->bytes = bytes;
	p->queued += bytes; /* before: a callback may run inside send */
	rv = sc.send(io, &w->inner, m, sendcap_done);
	if (rv != 0) {
		p->queued -= bytes;
		free(w);
	}
	return rv;
}

void rd_sendcap_install(struct raft_io *io, uint64_t limit)
{
	if (limit == 0)
		return; /* no limit: libraft's own behaviour */
	sc.send = io->send;
	sc.limit = limit;
	io->send = sendcap_send;
}

uint64_t rd_sendcap_refused(void)
{
	return sc.refused_total;
}
