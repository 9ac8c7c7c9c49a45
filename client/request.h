/* request.h - the handle and request structures of the asynchronous core,
 * shared by async.c (routing, retries, replies) and submit.c (turning each
 * call of the API into a request).
 *
 * Nothing outside client/ sees these: the public header has the opaque
 * types only.
 */
#ifndef RDC_REQUEST_H
#define RDC_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "common/buf.h"
#include "raftd/client.h"
#include "client/command.h"
#include "client/conn.h"
#include "client/endpoint.h"
#include "client/list.h"
#include "client/session.h"

struct rdc_async {
	uv_loop_t *loop;
	struct rdc_options opts;   /* with defaults applied */
	struct rdc__addr *eps;
	size_t neps;
	size_t next_ep;            /* the endpoint to try next for the leader */
	size_t next_read;          /* the endpoint for the next any-node read */
	struct rdc__addr leader;   /* valid when have_leader */
	bool have_leader;
	struct rdc__conn *cur;     /* where leader requests go; NULL: open one */
	struct rdc__conn **rconn;  /* per endpoint, for any-node reads */
	struct rdc__list conns;    /* every connection not yet closed */
	struct rdc__list reqs;     /* every unfinished request */
	struct rdc__list sessions; /* sessions the caller holds */
	uint64_t max_term;
	uint64_t max_index;
	uint64_t rand;
	uv_timer_t closer;         /* closed last, so close_cb is deferred */
	unsigned handles;          /* closer, connections, request and
				    * session timers */
	bool closing;
	rdc_async_close_cb close_cb;
	void *close_data;
	int errcode;               /* RDC_OK unless the handle failed to open */
	char errmsg[256];
};

struct rdc_async_req {
	rdc_async *a;
	enum rdc__op op;
	bool write;
	bool retry_safe;           /* may be resent once it may have arrived */
	bool maybe_applied;        /* an attempt of this write may have been
				    * applied */
	bool any_node;             /* a session or stale read */
	enum rdc_consistency mode; /* reads */
	size_t ep;                 /* any_node: endpoint of the last attempt */
	bool ep_chosen;
	rdc_session *session;      /* holds a reference, or NULL */
	bool sequenced;            /* sent inside RD.SEQ */
	struct rdc__seq seq;
	struct buf body;           /* the command, without per-attempt parts */
	struct buf out;            /* body with them (reads, sequenced writes) */
	size_t key_off, klen;      /* the key, inside body (for get) */
	rdc_async_cb cb;
	void *data;
	uint64_t deadline;         /* in uv_now() milliseconds */
	uint64_t wait_until;       /* lock: retry while held elsewhere */
	uint64_t first_sent;       /* uv_now() of the first attempt */
	unsigned attempts;
	unsigned redirects;        /* MOVED followed (or nodes hopped) without
				    * a pause */
	int fail_now;              /* finish with this at once, sending nothing */
	uv_timer_t timer;          /* deadline, or the end of a backoff */
	struct rdc__pend pend;
	struct rdc__conn *conn;    /* holding pend, or NULL */
	struct rdc__list all;      /* in a->reqs until finished */
	bool done;
	bool timer_closed;
	struct rdc__result *result; /* during the callback */
	char last_err[200];        /* why the last try failed */
	char errmsg[320];
};

/* A request for op on a, or NULL (*rc says why: RDC_INVALID when a cannot
 * take requests, RDC_NOMEM). Its command is to be encoded into r->body. */
rdc_async_req *rdc__req_new(rdc_async *a, enum rdc__op op, rdc_async_cb cb,
			    void *data, int *rc);

/* r belongs to session s (usable on r's handle): r holds a reference, and
 * may be resent once it may have arrived (see async.c). */
void rdc__req_bind(rdc_async_req *r, rdc_session *s);

/* Start r, whose command the encoder put in r->body with result enc_rc.
 * On an encoding failure r is freed and RDC_NOMEM returned; otherwise
 * RDC_OK, and the callback will run exactly once, from the loop. extra_ms
 * extends the deadline (a lock waiting to be free). */
int rdc__req_start(rdc_async_req *r, int enc_rc, unsigned extra_ms);

#endif
