/* conn.h - one pipelined RESP connection to one raftd node.
 *
 * A connection carries opaque requests (struct rdc__pend, embedded in the
 * owner's request) and hands each reply back to the owner with the request
 * it answers: replies come in request order, so the connection keeps a FIFO
 * of requests whose bytes were queued for writing. It knows nothing of
 * leaders, retries or deadlines; those belong to the owner (async.c).
 *
 * What the owner needs to decide whether a request may be resent is exact:
 * a request is "sent" from the moment any of its bytes are handed to the
 * socket; until then a broken connection means the server cannot have seen
 * it.
 *
 * Lifetime: rdc__conn_open allocates; the connection frees itself after it
 * has closed its handles and called events->closed. Every callback runs from
 * the loop, never from within a rdc__conn_* call.
 */
#ifndef RDC_CONN_H
#define RDC_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "common/buf.h"
#include "common/resp.h"
#include "client/endpoint.h"
#include "client/list.h"

/* A request as the connection sees it; lives inside the owner's request. */
struct rdc__pend {
	struct rdc__list link;
	const char *bytes; /* the encoded command; valid while queued */
	size_t len;
	uint64_t start;    /* stream offset of its first byte, once queued */
	bool queued;       /* its bytes are in the output stream */
	bool ghost;        /* for the owner: a placeholder for an abandoned
			    * request, whose reply is to be dropped */
};

struct rdc__conn;

struct rdc__conn_events {
	/* The reply v (valid during the call) to p, which has been removed
	 * from the connection. */
	void (*reply)(struct rdc__conn *c, struct rdc__pend *p,
		      const struct resp_value *v);
	/* The connection failed; why is one line ("127.0.0.1:7001:
	 * connection refused"). It is already closing: the owner must take
	 * every pending request with rdc__conn_take. */
	void (*failed)(struct rdc__conn *c, const char *why);
	/* Everything is closed; c is freed when this returns. */
	void (*closed)(struct rdc__conn *c);
};

enum rdc__conn_state { RDC__CONNECTING, RDC__READY, RDC__CLOSING };

struct rdc__conn {
	uv_tcp_t tcp;
	uv_timer_t timer;          /* connect timeout */
	uv_connect_t connect_req;
	uv_write_t write_req;
	struct rdc__addr addr;
	enum rdc__conn_state state;
	int handles;               /* open libuv handles */
	unsigned connect_timeout_ms;
	int connect_err;           /* a synchronous connect failure */
	bool writing;
	bool dispatching;          /* in on_read: submits wait for its flush */
	struct buf out;            /* bytes not yet handed to the socket */
	struct buf wbuf;           /* bytes of the write in progress */
	struct buf in;             /* bytes received, not yet parsed */
	uint64_t queued_bytes;     /* stream offset after the last queued byte */
	uint64_t handed_bytes;     /* stream offset after the last handed byte */
	struct resp_reply reply;
	struct rdc__list waiting;  /* submitted before the connection was up */
	struct rdc__list inflight; /* queued for writing; awaiting replies */
	const struct rdc__conn_events *events;
	void *owner;
	/* For the owner's list of connections; conn.c only initialises it. */
	struct rdc__list owner_link;
};

/* Start connecting to addr, giving up after timeout_ms. Returns NULL only
 * when memory runs out; any other failure arrives through events->failed. */
struct rdc__conn *rdc__conn_open(uv_loop_t *loop, const struct rdc__addr *addr,
				 unsigned timeout_ms,
				 const struct rdc__conn_events *events,
				 void *owner);

/* Queue p (p->bytes, p->len set by the caller): written at once when the
 * connection is up, else as soon as it is. Returns 0, or -1 when memory runs
 * out (p is then not queued). The connection must not be closing. */
int rdc__conn_submit(struct rdc__conn *c, struct rdc__pend *p);

/* Take back p while it is still waiting for the connection to come up
 * (!p->queued): it will never be sent. */
void rdc__conn_withdraw(struct rdc__conn *c, struct rdc__pend *p);

/* Put stand_in where p is in the in-flight FIFO (p must be queued), so
 * that p's reply, when it comes, is matched to stand_in and p is free to go
 * elsewhere. */
void rdc__conn_swap(struct rdc__conn *c, struct rdc__pend *p,
		    struct rdc__pend *stand_in);

/* Have any of p's bytes been handed to the socket (so the server may have
 * seen it)? False for a request still waiting or queued behind a write. */
bool rdc__conn_handed(const struct rdc__conn *c, const struct rdc__pend *p);

/* After a failure: remove and return one pending request, waiting ones
 * first, NULL when none is left. *sent is true when some of its bytes were
 * handed to the socket (the server may have seen it). */
struct rdc__pend *rdc__conn_take(struct rdc__conn *c, bool *sent);

/* Close the connection; idempotent. Pending requests must have been taken
 * (or be ones the owner has already finished): they get no callback. */
void rdc__conn_close(struct rdc__conn *c);

#endif
