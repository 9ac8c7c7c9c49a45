/* async.c - the client's core: leader discovery, read routing, retries,
 * redirects, deadlines and term checks, on a libuv loop.
 *
 * Both interfaces run through here (the blocking one drives a private loop),
 * so the rules below exist once.
 *
 * Connections. Requests for the leader (writes, linearizable reads, session
 * commands, status) go to one current connection (a->cur), opened to the
 * remembered leader or else to the next endpoint in turn. Session and stale
 * reads may be served by any node: they go to the endpoints round-robin,
 * each endpoint with its own connection (a->rconn[i]), and never follow
 * MOVED (it names the leader, which is what these reads avoid). A
 * connection that turns out not to lead (MOVED, TRYAGAIN, a stale term),
 * fails, or stops answering (a request's deadline passed on it) stops being
 * current; it stays open until every request in it is finished, then
 * closes. Many requests share each current connection (pipelining).
 *
 * A request is, at any time, in exactly one of three places: waiting or in
 * flight on a connection (r->conn), backing off (its timer armed for the
 * retry), or finished. Its timer always watches the deadline. When the
 * deadline passes while the request sits in a connection's FIFO, the caller
 * gets its answer (RDC_TIMEOUT or RDC_UNCERTAIN) but the request stays in the
 * FIFO, marked done, so that the reply that may still come is matched to it
 * and dropped; it is freed when the connection lets go of it and its timer
 * has closed (req_try_free).
 *
 * A read whose attempt has had no reply for read_attempt_ms leaves its
 * connection (retired: a node that holds one request that long is stopped
 * or cut off) and is tried elsewhere; a placeholder (a "ghost" pend) takes
 * its place in the connection's FIFO so that the late reply, if any, is
 * matched and dropped.
 *
 * What may be retried (docs/protocol.md): anything not yet handed to a
 * socket; anything refused with MOVED, TRYAGAIN or BUSY; reads always. A
 * plain write that was handed to a socket is never sent again: if its
 * answer does not come it is RDC_UNCERTAIN. "Retry-safe" writes are resent:
 * sequenced writes (the server answers a repeated sequence number from its
 * stored first reply), and the session commands, which are idempotent (a
 * repeated lock returns the same token; keepalive and close change nothing
 * the second time). A retry-safe write whose earlier attempt may have been
 * applied (maybe_applied) never reports "nothing was applied": an answer
 * that would say so (session expired, deadline without a connection) is
 * RDC_UNCERTAIN instead.
 *
 * Terms: a->max_term is the highest term in any leader-served reply. A lower
 * one comes from a deposed leader that does not know it yet; its answers are
 * not trusted (a read is retried elsewhere, a plain write is RDC_UNCERTAIN).
 * Not checked: status replies (diagnostics), session and stale reads (served
 * by any node, by design possibly behind), and sequenced writes (a retry is
 * answered with the first reply, whose term may be an old one).
 *
 * Indexes: a->max_index is the highest log index in any trusted reply;
 * session reads send it, so a node answers only once it has caught up with
 * everything this handle has seen.
 */
#include "client/async.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/backoff.h"
#include "client/command.h"
#include "client/conn.h"
#include "client/list.h"
#include "client/request.h"
#include "client/session.h"

#define DEFAULT_DEADLINE_MS 5000
#define DEFAULT_CONNECT_MS 1000
#define DEFAULT_BACKOFF_BASE_MS 20
#define DEFAULT_BACKOFF_CAP_MS 1000
#define DEFAULT_READ_ATTEMPT_MS 2000
/* MOVED replies followed at once before backing off: two covers a normal
 * leader change; more means the nodes disagree about who leads. */
#define MAX_IMMEDIATE_REDIRECTS 2

static void dispatch(rdc_async_req *r);

/* The request behind a connection's pend, or NULL for a ghost. */
static rdc_async_req *req_of(struct rdc__pend *p)
{
	return p->ghost ? NULL : rdc__container_of(p, rdc_async_req, pend);
}

/* ---- handle lifetime --------------------------------------------------- */

static void maybe_closed(rdc_async *a)
{
	if (!a->closing || a->handles > 0)
		return;
	if (a->close_cb != NULL)
		a->close_cb(a->close_data);
	free(a->rconn);
	free(a->eps);
	free(a);
}

uv_loop_t *rdc__async_loop(rdc_async *a)
{
	return a->loop;
}

struct rdc__list *rdc__async_sessions(rdc_async *a)
{
	return &a->sessions;
}

void rdc__async_handle_opened(rdc_async *a)
{
	a->handles++;
}

void rdc__async_handle_closed(rdc_async *a)
{
	a->handles--;
	maybe_closed(a);
}

static void req_try_free(rdc_async_req *r)
{
	if (r->done && r->timer_closed && r->conn == NULL) {
		buf_free(&r->body);
		buf_free(&r->out);
		free(r);
	}
}

static void on_req_timer_closed(uv_handle_t *h)
{
	rdc_async_req *r = h->data;
	rdc_async *a = r->a;

	r->timer_closed = true;
	req_try_free(r);
	rdc__async_handle_closed(a);
}

/* Deliver the outcome: the one place callbacks are called. res may be NULL
 * (no result: meta zero); fmt explains a status other than RDC_OK. */
static void finish(rdc_async_req *r, int status, struct rdc__result *res,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void finish(rdc_async_req *r, int status, struct rdc__result *res,
		   const char *fmt, ...)
{
	struct rdc__result none;
	va_list ap;

	if (res == NULL) {
		rdc__result_init(&none);
		res = &none;
	}
	r->errmsg[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(r->errmsg, sizeof(r->errmsg), fmt, ap);
		va_end(ap);
	}
	res->reply.errmsg = r->errmsg;
	r->done = true;
	rdc__list_remove(&r->all);
	/* Finished, even unanswered: its number will never be sent again,
	 * so the next ack may pass it. */
	if (r->sequenced)
		rdc__seq_done(&r->seq);
	uv_close((uv_handle_t *)&r->timer, on_req_timer_closed);
	r->result = res;
	r->cb(r, status, &res->reply);
	r->result = NULL;
	rdc__result_free(res);
	if (r->session != NULL) {
		rdc__session_unref(r->session);
		r->session = NULL;
	}
}

static void finish_unavailable(rdc_async_req *r)
{
	if (r->maybe_applied) {
		finish(r, RDC_UNCERTAIN, NULL,
		       "an attempt may have been applied, and no node answered a retry within %u ms (last: %s); the write may or may not have been applied",
		       r->a->opts.deadline_ms, r->last_err);
		return;
	}
	finish(r, RDC_UNAVAILABLE, NULL,
	       "no %s answered within %u ms after %u attempt%s (last: %s)",
	       r->op == RDC__OP_STATUS || r->any_node ? "node" : "leader",
	       r->a->opts.deadline_ms, r->attempts, r->attempts == 1 ? "" : "s",
	       r->last_err[0] ? r->last_err : "no connection established");
}

static bool is_current(const rdc_async *a, const struct rdc__conn *c)
{
	if (c == a->cur)
		return true;
	for (size_t i = 0; i < a->neps; i++)
		if (a->rconn[i] == c)
			return true;
	return false;
}

/* c does not lead (any more), failed, or stopped answering: send nothing
 * new there. */
static void retire(rdc_async *a, struct rdc__conn *c)
{
	if (a->cur == c)
		a->cur = NULL;
	for (size_t i = 0; i < a->neps; i++)
		if (a->rconn[i] == c)
			a->rconn[i] = NULL;
	if (a->have_leader && rdc__addr_equal(&a->leader, &c->addr))
		a->have_leader = false;
}

/* A connection that is no longer current closes once every request left in
 * it is finished (answered, or past its deadline and waiting only for a
 * reply to drop). conn.c does not know which are finished, so this looks
 * into its queues. */
static bool conn_has_live(const struct rdc__conn *c)
{
	const struct rdc__list *heads[2] = {&c->waiting, &c->inflight};

	for (int i = 0; i < 2; i++)
		for (const struct rdc__list *n = heads[i]->next; n != heads[i];
		     n = n->next) {
			struct rdc__pend *p =
				rdc__container_of(n, struct rdc__pend, link);
			const rdc_async_req *r = req_of(p);

			if (r != NULL && !r->done)
				return true;
		}
	return false;
}

/* A connection lets go of p (closing, or p's reply came): free a ghost, or
 * free a finished request once nothing else holds it. */
static void let_go(struct rdc__pend *p)
{
	rdc_async_req *r = req_of(p);

	if (r == NULL) {
		free(p);
		return;
	}
	r->conn = NULL;
	req_try_free(r);
}

static void close_if_drained(rdc_async *a, struct rdc__conn *c)
{
	struct rdc__pend *p;
	bool sent;

	if (is_current(a, c) || c->state == RDC__CLOSING || conn_has_live(c))
		return;
	while ((p = rdc__conn_take(c, &sent)) != NULL)
		let_go(p);
	rdc__conn_close(c);
}

/* ---- retries ----------------------------------------------------------- */

/* The deadline passed with r on a connection. */
static void expire_in_flight(rdc_async_req *r)
{
	struct rdc__conn *c = r->conn;
	const char *to = c->addr.text;

	/* Replies come in order, so everything queued behind r is stuck
	 * too: send nothing more there. */
	retire(r->a, c);
	/* Its bytes are or will be on the wire. */
	if (r->mode == RDC_SESSION && r->any_node)
		finish(r, RDC_TIMEOUT, NULL,
		       "no node caught up with index %llu within %u ms (last asked: %s%s%s)",
		       (unsigned long long)r->a->max_index,
		       r->a->opts.deadline_ms, to,
		       r->last_err[0] ? "; before: " : "", r->last_err);
	else if (r->write)
		finish(r, RDC_UNCERTAIN, NULL,
		       "%s: no reply within %u ms%s%s%s; the write may or may not have been applied",
		       to, r->a->opts.deadline_ms, r->last_err[0] ? " (before: " : "",
		       r->last_err, r->last_err[0] ? ")" : "");
	else
		finish(r, RDC_TIMEOUT, NULL, "%s: no reply within %u ms%s%s%s",
		       to, r->a->opts.deadline_ms,
		       r->last_err[0] ? " (before: " : "", r->last_err,
		       r->last_err[0] ? ")" : "");
	close_if_drained(r->a, c);
}

static void finish_failed_now(rdc_async_req *r)
{
	finish(r, r->fail_now, NULL,
	       "session %llu has expired (the cluster said so earlier); nothing was sent",
	       (unsigned long long)(r->session ? r->session->id : 0));
}

static void on_req_timer(uv_timer_t *t);

/* A read just dispatched: its timer fires at the end of this attempt (or at
 * the deadline, whichever comes first). */
static void watch_attempt(rdc_async_req *r)
{
	uint64_t now = uv_now(r->a->loop);
	uint64_t end = now + r->a->opts.read_attempt_ms;

	if (end > r->deadline)
		end = r->deadline;
	uv_timer_start(&r->timer, on_req_timer, end > now ? end - now : 0, 0);
}

/* A read's attempt has had no reply for read_attempt_ms: leave a ghost in
 * its place on the connection, which nothing new will use, and try the read
 * elsewhere at once (it waited long enough). A read still waiting for its
 * connection to come up is left to the connect timeout. */
static void abandon_attempt(rdc_async_req *r)
{
	rdc_async *a = r->a;
	struct rdc__conn *c = r->conn;
	uint64_t now = uv_now(a->loop);
	struct rdc__pend *ghost = NULL;

	if (r->pend.queued)
		ghost = calloc(1, sizeof(*ghost));
	if (ghost == NULL) {
		uv_timer_start(&r->timer, on_req_timer, r->deadline - now, 0);
		return;
	}
	ghost->ghost = true;
	rdc__conn_swap(c, &r->pend, ghost);
	r->conn = NULL;
	retire(a, c);
	snprintf(r->last_err, sizeof(r->last_err), "%s: no reply within %u ms",
		 c->addr.text, a->opts.read_attempt_ms);
	dispatch(r);
	close_if_drained(a, c);
}

static void on_req_timer(uv_timer_t *t)
{
	rdc_async_req *r = t->data;
	uint64_t now = uv_now(r->a->loop);

	if (r->fail_now) {
		finish_failed_now(r);
		return;
	}
	if (now >= r->deadline) {
		if (r->conn != NULL && r->pend.queued) {
			expire_in_flight(r);
			return;
		}
		if (r->conn != NULL) {
			snprintf(r->last_err, sizeof(r->last_err),
				 "%s: connection not established",
				 r->conn->addr.text);
			rdc__conn_withdraw(r->conn, &r->pend);
			r->conn = NULL;
		}
		finish_unavailable(r);
		return;
	}
	if (r->conn != NULL) {
		abandon_attempt(r);
		return;
	}
	/* The end of a backoff: try again, and watch the deadline again. */
	r->redirects = 0;
	uv_timer_start(&r->timer, on_req_timer, r->deadline - now, 0);
	dispatch(r);
}

/* Retry r after a pause (never past its deadline). fmt says what failed. */
static void backoff(rdc_async_req *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void backoff(rdc_async_req *r, const char *fmt, ...)
{
	rdc_async *a = r->a;
	uint64_t now = uv_now(a->loop);
	uint64_t delay = rdc__backoff_ms(r->attempts, a->opts.backoff_base_ms,
					 a->opts.backoff_cap_ms, &a->rand);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->last_err, sizeof(r->last_err), fmt, ap);
	va_end(ap);
	if (now + delay > r->deadline)
		delay = r->deadline > now ? r->deadline - now : 0;
	uv_timer_start(&r->timer, on_req_timer, delay, 0);
}

static const struct rdc__conn_events conn_events;

static struct rdc__conn *open_conn(rdc_async *a, const struct rdc__addr *to)
{
	struct rdc__conn *c = rdc__conn_open(a->loop, to,
					     a->opts.connect_timeout_ms,
					     &conn_events, a);

	if (c != NULL) {
		a->handles++;
		rdc__list_push(&a->conns, &c->owner_link);
	}
	return c;
}

static struct rdc__conn *leader_conn(rdc_async *a)
{
	const struct rdc__addr *t;

	if (a->cur != NULL)
		return a->cur;
	if (a->have_leader) {
		t = &a->leader;
	} else {
		t = &a->eps[a->next_ep];
		a->next_ep = (a->next_ep + 1) % a->neps;
	}
	a->cur = open_conn(a, t);
	return a->cur;
}

/* A session or stale read's first attempt takes the next endpoint in the
 * round; each retry moves on from where the last attempt went, so a node
 * that lags is not asked again before the others. */
static struct rdc__conn *read_conn(rdc_async_req *r)
{
	rdc_async *a = r->a;
	size_t i;

	if (r->ep_chosen) {
		i = (r->ep + 1) % a->neps;
	} else {
		i = a->next_read;
		a->next_read = (a->next_read + 1) % a->neps;
	}
	r->ep = i;
	r->ep_chosen = true;
	if (a->rconn[i] == NULL)
		a->rconn[i] = open_conn(a, &a->eps[i]);
	return a->rconn[i];
}

/* The bytes of this attempt: reads carry their mode (and a session read the
 * highest index seen so far), sequenced writes the current ack. */
static int build_out(rdc_async_req *r)
{
	rdc_session *s = r->session;

	if (r->sequenced) {
		buf_reset(&r->out);
		return rdc__enc_seq(&r->out, &r->body, s->id, r->seq.seq,
				    rdc__session_ack(s));
	}
	if (r->op == RDC__OP_GET || r->op == RDC__OP_LIST) {
		buf_reset(&r->out);
		return rdc__enc_mode(&r->out, &r->body, r->mode,
				     r->a->max_index);
	}
	return 0;
}

static const struct buf *wire_bytes(const rdc_async_req *r)
{
	return r->out.len > 0 ? &r->out : &r->body;
}

/* Send r to the connection it belongs on, opening one if needed. */
static void dispatch(rdc_async_req *r)
{
	rdc_async *a = r->a;
	struct rdc__conn *c;
	const struct buf *bytes;

	if (a->opts.max_attempts && r->attempts >= a->opts.max_attempts) {
		finish_unavailable(r);
		return;
	}
	r->attempts++;
	c = r->any_node ? read_conn(r) : leader_conn(a);
	if (c == NULL || build_out(r) != 0) {
		backoff(r, "out of memory");
		return;
	}
	bytes = wire_bytes(r);
	r->pend.bytes = bytes->data;
	r->pend.len = bytes->len;
	if (rdc__conn_submit(c, &r->pend) != 0) {
		backoff(r, "out of memory");
		return;
	}
	if (r->first_sent == 0)
		r->first_sent = uv_now(a->loop);
	r->conn = c;
	if (!r->write)
		watch_attempt(r);
}

/* ---- replies ----------------------------------------------------------- */

static void on_moved(rdc_async_req *r, struct rdc__conn *c,
		     const struct resp_value *v)
{
	rdc_async *a = r->a;
	struct rdc__addr to;

	if (rdc__moved_addr(v, &to) != 0) {
		finish(r, RDC_PROTOCOL, NULL, "%s: malformed redirect: %.*s",
		       c->addr.text, (int)v->len, v->str);
		return;
	}
	if (a->cur == c)
		a->cur = NULL;
	a->leader = to;
	a->have_leader = true;
	if (rdc__addr_equal(&to, &c->addr) ||
	    r->redirects >= MAX_IMMEDIATE_REDIRECTS) {
		backoff(r, "%s: redirected to %s", c->addr.text, to.text);
		return;
	}
	r->redirects++;
	dispatch(r);
}

/* A session or stale read that a node would not serve (it lags behind the
 * session's index, is shutting down, is busy, or refers us to the leader):
 * ask the next endpoint at once, and pause only once every endpoint has
 * refused in this round. */
static void hop(rdc_async_req *r, struct rdc__conn *c,
		const struct resp_value *v)
{
	int n = (int)v->len;

	if (r->redirects + 1 < r->a->neps) {
		r->redirects++;
		snprintf(r->last_err, sizeof(r->last_err), "%s: %.*s",
			 c->addr.text, n, v->str);
		dispatch(r);
		return;
	}
	backoff(r, "%s: %.*s", c->addr.text, n, v->str);
}

/* -SESSIONEXPIRED. The session is gone for good; whether this request was
 * applied depends on whether an earlier attempt may have been. */
static void on_expired(rdc_async_req *r, struct rdc__conn *c,
		       const struct resp_value *v)
{
	int n = (int)v->len;

	if (r->session != NULL)
		rdc__session_mark_expired(r->session);
	if (r->maybe_applied && r->op == RDC__OP_SCLOSE) {
		/* Our first close may be what removed it: closed either way. */
		finish(r, RDC_OK, NULL, NULL);
		return;
	}
	if (r->maybe_applied) {
		finish(r, RDC_UNCERTAIN, NULL,
		       "%s: %.*s, after an attempt whose reply was lost; the write may or may not have been applied",
		       c->addr.text, n, v->str);
		return;
	}
	/* The server's words say that nothing was applied. */
	finish(r, RDC_SESSION_EXPIRED, NULL, "%s: %.*s", c->addr.text, n,
	       v->str);
}

static void on_leader_error(rdc_async_req *r, struct rdc__conn *c,
			    const struct resp_value *v, enum rdc__err_kind kind)
{
	const char *op = rdc__op_name(r->op);
	int n = (int)v->len;

	switch (kind) {
	case RDC__ERR_MOVED:
		on_moved(r, c, v);
		return;
	case RDC__ERR_TRYAGAIN:
		retire(r->a, c);
		backoff(r, "%s: %.*s", c->addr.text, n, v->str);
		return;
	case RDC__ERR_BUSY:
		backoff(r, "%s: %.*s", c->addr.text, n, v->str);
		return;
	case RDC__ERR_UNCERTAIN:
		if (!r->write || r->retry_safe) {
			r->maybe_applied = r->write;
			backoff(r, "%s: %.*s", c->addr.text, n, v->str);
			return;
		}
		finish(r, RDC_UNCERTAIN, NULL,
		       "%s: %.*s; the write may or may not have been applied",
		       c->addr.text, n, v->str);
		return;
	case RDC__ERR_EXPIRED:
		on_expired(r, c, v);
		return;
	case RDC__ERR_FENCED:
		finish(r, RDC_FENCED, NULL, "%s: %.*s", c->addr.text, n,
		       v->str);
		return;
	case RDC__ERR_BADSEQ:
		if (r->maybe_applied) {
			finish(r, RDC_UNCERTAIN, NULL,
			       "%s: %.*s, after an attempt whose reply was lost; the write may or may not have been applied",
			       c->addr.text, n, v->str);
			return;
		}
		/* fall through */
	case RDC__ERR_BAD:
		finish(r, RDC_BADREQUEST, NULL, "%s rejected by %s: %.*s", op,
		       c->addr.text, n, v->str);
		return;
	case RDC__ERR_OTHER:
		break;
	}
	finish(r, RDC_PROTOCOL, NULL, "%s: unexpected error reply to %s: %.*s",
	       c->addr.text, op, n, v->str);
}

static void on_error_reply(rdc_async_req *r, struct rdc__conn *c,
			   const struct resp_value *v)
{
	enum rdc__err_kind kind = rdc__err_classify(v);

	if (!r->any_node) {
		on_leader_error(r, c, v, kind);
		return;
	}
	switch (kind) {
	case RDC__ERR_MOVED:
	case RDC__ERR_TRYAGAIN:
	case RDC__ERR_BUSY:
	case RDC__ERR_UNCERTAIN:
		hop(r, c, v);
		return;
	case RDC__ERR_BAD:
		finish(r, RDC_BADREQUEST, NULL, "%s rejected by %s: %.*s",
		       rdc__op_name(r->op), c->addr.text, (int)v->len, v->str);
		return;
	default:
		finish(r, RDC_PROTOCOL, NULL,
		       "%s: unexpected error reply to %s: %.*s", c->addr.text,
		       rdc__op_name(r->op), (int)v->len, v->str);
	}
}

static void on_stale(rdc_async_req *r, struct rdc__conn *c, uint64_t term)
{
	rdc_async *a = r->a;
	unsigned long long t = term, max = a->max_term;

	retire(a, c);
	if (r->write && !r->retry_safe) {
		finish(r, RDC_UNCERTAIN, NULL,
		       "%s answered from term %llu after term %llu was seen (a deposed leader); the write may or may not have been applied",
		       c->addr.text, t, max);
		return;
	}
	backoff(r, "%s: stale reply from term %llu (term %llu already seen)",
		c->addr.text, t, max);
}

/* A reply of the wrong shape. The server did act on the request, so for a
 * write the outcome is unknown, not a failure. */
static void finish_unreadable(rdc_async_req *r, struct rdc__conn *c,
			      const char *what)
{
	const char *op = rdc__op_name(r->op);

	if (r->write)
		finish(r, RDC_UNCERTAIN, NULL,
		       "%s: %s to %s; the write may or may not have been applied",
		       c->addr.text, what, op);
	else
		finish(r, RDC_PROTOCOL, NULL, "%s: %s to %s", c->addr.text,
		       what, op);
}

/* Is the reply's term to be checked against the highest seen (above)? */
static bool term_checked(const rdc_async_req *r)
{
	return !r->any_node && !r->sequenced && r->op != RDC__OP_STATUS;
}

/* Check the envelope against what was asked; learn term, leader, index.
 * Returns false when r has been dealt with (retried or finished). */
static bool accept_envelope(rdc_async_req *r, struct rdc__conn *c,
			    const struct resp_value *v,
			    const struct resp_value **result,
			    struct rdc_meta *meta)
{
	rdc_async *a = r->a;
	int n = rdc__envelope(v, result, meta);

	if (n < 0 || (n == 5) != r->any_node) {
		finish_unreadable(r, c, r->any_node
				  ? "malformed reply: expected [result :term :index :lag :last_contact_ms]"
				  : "malformed reply: expected [result :term :index]");
		return false;
	}
	if (term_checked(r) && meta->term < a->max_term) {
		on_stale(r, c, meta->term);
		return false;
	}
	if (r->any_node || r->op == RDC__OP_STATUS)
		return true;
	if (meta->term >= a->max_term) {
		a->max_term = meta->term;
		a->leader = c->addr;
		a->have_leader = true;
	}
	return true;
}

/* What a decoded status means for this request, when more is to be done
 * than reporting it. Returns false when r has been dealt with. */
static bool settle(rdc_async_req *r, int *st, struct rdc__result *res)
{
	rdc_async *a = r->a;
	rdc_session *s = r->session;

	if (*st == RDC_CONDITION && r->op == RDC__OP_LOCK &&
	    uv_now(a->loop) < r->wait_until) {
		backoff(r, "the lock is held by another session");
		return false;
	}
	if (*st == RDC_CONDITION && r->op == RDC__OP_UNLOCK &&
	    r->maybe_applied)
		*st = RDC_OK; /* our lost first attempt released it, or it was
			       * not held: either way s does not hold it */
	if (s == NULL || (*st != RDC_OK && *st != RDC_CONDITION))
		return true;
	if (r->op == RDC__OP_SOPEN) {
		s->id = (uint64_t)res->reply.integer;
		s->last_active = r->first_sent;
		rdc__session_adopt(s, s->owner == NULL);
		res->reply.session = s;
	} else {
		rdc__session_activity(s, r->first_sent);
	}
	return true;
}

static void on_data_reply(rdc_async_req *r, struct rdc__conn *c,
			  const struct resp_value *v)
{
	rdc_async *a = r->a;
	const struct resp_value *result;
	struct rdc__result res;
	struct rdc_meta meta = {0};
	char err[160];
	int st;

	if (!accept_envelope(r, c, v, &result, &meta))
		return;
	snprintf(meta.served_by, sizeof(meta.served_by), "%s", c->addr.text);
	rdc__result_init(&res);
	st = rdc__decode(r->op, result, r->body.data + r->key_off, r->klen,
			 &res, err, sizeof(err));
	if (st == RDC_OK || st == RDC_NOTFOUND || st == RDC_CONDITION) {
		res.reply.meta = meta;
		if (r->op != RDC__OP_STATUS && meta.index > a->max_index)
			a->max_index = meta.index;
		if (!settle(r, &st, &res)) {
			rdc__result_free(&res);
			return;
		}
	}
	switch (st) {
	case RDC_OK:
		finish(r, st, &res, NULL);
		break;
	case RDC_NOTFOUND:
		finish(r, st, &res, "key not found");
		break;
	case RDC_CONDITION:
		finish(r, st, &res, r->op == RDC__OP_LOCK
		       ? "the lock is held by another session"
		       : r->op == RDC__OP_UNLOCK
		       ? "this session does not hold the lock"
		       : "condition not met; nothing was changed");
		break;
	case RDC_NOMEM:
		finish(r, st, &res, "out of memory decoding the reply");
		break;
	default:
		rdc__result_free(&res);
		finish_unreadable(r, c, err);
	}
}

/* ---- connection events ------------------------------------------------- */

static void on_conn_reply(struct rdc__conn *c, struct rdc__pend *p,
			  const struct resp_value *v)
{
	rdc_async *a = c->owner;
	rdc_async_req *r = req_of(p);

	if (r == NULL || r->done) {
		let_go(p); /* answered after its deadline or attempt: dropped */
		close_if_drained(a, c);
		return;
	}
	r->conn = NULL;
	if (v->type == RESP_T_ERROR)
		on_error_reply(r, c, v);
	else
		on_data_reply(r, c, v);
	close_if_drained(a, c);
}

static void on_conn_failed(struct rdc__conn *c, const char *why)
{
	rdc_async *a = c->owner;
	struct rdc__pend *p;
	bool sent;

	retire(a, c);
	while ((p = rdc__conn_take(c, &sent)) != NULL) {
		rdc_async_req *r = req_of(p);

		if (r == NULL || r->done) {
			let_go(p);
			continue;
		}
		r->conn = NULL;
		if (sent && r->write && !r->retry_safe) {
			finish(r, RDC_UNCERTAIN, NULL,
			       "%s after the write was sent; the write may or may not have been applied",
			       why);
		} else {
			if (sent && r->write)
				r->maybe_applied = true;
			backoff(r, "%s", why);
		}
	}
}

static void on_conn_closed(struct rdc__conn *c)
{
	rdc_async *a = c->owner;

	retire(a, c);
	rdc__list_remove(&c->owner_link);
	rdc__async_handle_closed(a);
}

static const struct rdc__conn_events conn_events = {
	.reply = on_conn_reply,
	.failed = on_conn_failed,
	.closed = on_conn_closed,
};

/* ---- opening and closing ----------------------------------------------- */

static unsigned or_default(unsigned v, unsigned def)
{
	return v ? v : def;
}

static void set_options(rdc_async *a, const struct rdc_options *o)
{
	struct rdc_options zero = {0};

	if (o == NULL)
		o = &zero;
	a->opts.deadline_ms = or_default(o->deadline_ms, DEFAULT_DEADLINE_MS);
	a->opts.connect_timeout_ms =
		or_default(o->connect_timeout_ms, DEFAULT_CONNECT_MS);
	a->opts.max_attempts = o->max_attempts;
	a->opts.backoff_base_ms =
		or_default(o->backoff_base_ms, DEFAULT_BACKOFF_BASE_MS);
	a->opts.backoff_cap_ms =
		or_default(o->backoff_cap_ms, DEFAULT_BACKOFF_CAP_MS);
	a->opts.read_attempt_ms =
		or_default(o->read_attempt_ms, DEFAULT_READ_ATTEMPT_MS);
	if (a->opts.backoff_base_ms > a->opts.backoff_cap_ms) {
		a->errcode = RDC_INVALID;
		snprintf(a->errmsg, sizeof(a->errmsg),
			 "backoff base (%u ms) is larger than its cap (%u ms)",
			 a->opts.backoff_base_ms, a->opts.backoff_cap_ms);
	}
}

rdc_async *rdc_async_open(uv_loop_t *loop, const char *endpoints,
			  const struct rdc_options *opts)
{
	rdc_async *a;
	int rc;

	if (loop == NULL)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->loop = loop;
	rdc__list_init(&a->conns);
	rdc__list_init(&a->reqs);
	rdc__list_init(&a->sessions);
	uv_timer_init(loop, &a->closer);
	a->closer.data = a;
	a->handles = 1;
	rdc__rand_seed(&a->rand, uv_hrtime() ^ (uint64_t)(uintptr_t)a ^
					 ((uint64_t)getpid() << 32));
	set_options(a, opts);
	if (a->errcode != RDC_OK)
		return a;
	rc = rdc__addr_list_parse(endpoints, &a->eps, &a->neps, a->errmsg,
				  sizeof(a->errmsg));
	if (rc == 0) {
		/* Many short-lived clients must not all start on one node. */
		a->next_read = (size_t)(rdc__rand_next(&a->rand) % a->neps);
		a->rconn = calloc(a->neps, sizeof(*a->rconn));
		if (a->rconn == NULL) {
			rc = -2;
			snprintf(a->errmsg, sizeof(a->errmsg), "out of memory");
		}
	}
	if (rc != 0)
		a->errcode = rc == -2 ? RDC_NOMEM : RDC_INVALID;
	return a;
}

int rdc_async_errcode(const rdc_async *a)
{
	return a->errcode;
}

const char *rdc_async_errmsg(const rdc_async *a)
{
	return a->errmsg;
}

uint64_t rdc_async_last_index(const rdc_async *a)
{
	return a->max_index;
}

void rdc_async_observe_index(rdc_async *a, uint64_t index)
{
	if (index > a->max_index)
		a->max_index = index;
}

static void on_closer_closed(uv_handle_t *h)
{
	rdc__async_handle_closed(h->data);
}

/* Finish every unfinished request: those whose bytes may have reached a
 * server are writes of unknown outcome; the rest never left. */
static void cancel_requests(rdc_async *a)
{
	struct rdc__list *n;

	while ((n = rdc__list_first(&a->reqs)) != NULL) {
		rdc_async_req *r = rdc__container_of(n, rdc_async_req, all);
		bool sent = r->conn != NULL && rdc__conn_handed(r->conn, &r->pend);

		if (r->conn != NULL && !r->pend.queued) {
			rdc__conn_withdraw(r->conn, &r->pend);
			r->conn = NULL;
		}
		if ((sent || r->maybe_applied) && r->write)
			finish(r, RDC_UNCERTAIN, NULL,
			       "client closed with the write in flight; it may or may not have been applied");
		else
			finish(r, RDC_CANCELED, NULL,
			       "client closed before the request completed");
	}
}

void rdc_async_close(rdc_async *a, rdc_async_close_cb close_cb, void *data)
{
	struct rdc__list *n;

	if (a == NULL || a->closing)
		return;
	a->closing = true;
	a->close_cb = close_cb;
	a->close_data = data;
	a->cur = NULL;
	if (a->rconn != NULL)
		memset(a->rconn, 0, a->neps * sizeof(*a->rconn));
	cancel_requests(a);
	rdc__session_drop_all(&a->sessions);
	for (n = a->conns.next; n != &a->conns; n = n->next) {
		struct rdc__conn *c = rdc__container_of(n, struct rdc__conn,
							owner_link);
		struct rdc__pend *p;
		bool sent;

		while ((p = rdc__conn_take(c, &sent)) != NULL)
			let_go(p);
		rdc__conn_close(c);
	}
	uv_close((uv_handle_t *)&a->closer, on_closer_closed);
}

/* ---- submissions ------------------------------------------------------- */

void *rdc_async_req_data(const rdc_async_req *req)
{
	return req->data;
}

void *rdc__async_take_block(rdc_async_req *req)
{
	return req->result ? rdc__result_take_block(req->result) : NULL;
}

/* A request for op, or NULL (*rc says why). */
rdc_async_req *rdc__req_new(rdc_async *a, enum rdc__op op, rdc_async_cb cb,
			    void *data, int *rc)
{
	rdc_async_req *r;

	*rc = RDC_INVALID;
	if (a == NULL || cb == NULL || a->closing || a->errcode != RDC_OK)
		return NULL;
	*rc = RDC_NOMEM;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->a = a;
	r->op = op;
	r->write = rdc__op_is_write(op);
	r->cb = cb;
	r->data = data;
	buf_init(&r->body);
	buf_init(&r->out);
	rdc__list_init(&r->all);
	rdc__list_init(&r->pend.link);
	rdc__list_init(&r->seq.link);
	*rc = RDC_OK;
	return r;
}

/* r belongs to session s (which must be usable on r's handle): hold it. */
void rdc__req_bind(rdc_async_req *r, rdc_session *s)
{
	r->session = s;
	r->retry_safe = true;
	rdc__session_ref(s);
}

/* Start r whose command is encoded in r->body (enc_rc is the encoder's
 * result; on failure r is freed). extra_ms extends the deadline (a lock
 * waiting to be free). */
int rdc__req_start(rdc_async_req *r, int enc_rc, unsigned extra_ms)
{
	rdc_async *a = r->a;
	uint64_t now;

	if (enc_rc != 0) {
		if (r->session != NULL)
			rdc__session_unref(r->session);
		buf_free(&r->body);
		free(r);
		return RDC_NOMEM;
	}
	if (r->sequenced)
		rdc__session_take_seq(r->session, &r->seq);
	/* The loop's clock may be stale (a blocking client's loop sleeps
	 * between calls): measure the deadline from now. */
	uv_update_time(a->loop);
	now = uv_now(a->loop);
	r->deadline = now + a->opts.deadline_ms + extra_ms;
	r->wait_until = now + extra_ms;
	uv_timer_init(a->loop, &r->timer);
	r->timer.data = r;
	a->handles++;
	rdc__list_push(&a->reqs, &r->all);
	if (r->session != NULL && r->session->expired) {
		/* Known gone: answer from the loop, as always, sending nothing. */
		r->fail_now = RDC_SESSION_EXPIRED;
		uv_timer_start(&r->timer, on_req_timer, 0, 0);
		return RDC_OK;
	}
	uv_timer_start(&r->timer, on_req_timer, r->deadline - now, 0);
	dispatch(r);
	return RDC_OK;
}
