/* async.c - the client's core: leader discovery, retries, redirects,
 * deadlines and term checks, on a libuv loop.
 *
 * Both interfaces run through here (the blocking one drives a private loop),
 * so the rules below exist once.
 *
 * Connections. New requests go to one current connection (a->cur), opened to
 * the remembered leader or else to the next endpoint in turn. A connection
 * that turns out not to lead (MOVED, TRYAGAIN, a stale term) or stops
 * answering (a request's deadline passed on it) stops being current; it
 * stays open until every request in it is finished, then closes. Many
 * requests share the current connection (pipelining).
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
 * What may be retried (docs/protocol.md): anything not yet handed to a
 * socket; anything refused with MOVED, TRYAGAIN or BUSY; reads always. A
 * write that was handed to a socket is never sent again: if its answer does
 * not come it is RDC_UNCERTAIN.
 *
 * Terms: a->max_term is the highest term in any data reply. A lower one
 * comes from a deposed leader that does not know it yet; its answers are not
 * trusted (a read is retried elsewhere, a write is RDC_UNCERTAIN). Status
 * replies are diagnostics and are not checked.
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

#define DEFAULT_DEADLINE_MS 5000
#define DEFAULT_CONNECT_MS 1000
#define DEFAULT_BACKOFF_BASE_MS 20
#define DEFAULT_BACKOFF_CAP_MS 1000
/* MOVED replies followed at once before backing off: two covers a normal
 * leader change; more means the nodes disagree about who leads. */
#define MAX_IMMEDIATE_REDIRECTS 2

struct rdc_async {
	uv_loop_t *loop;
	struct rdc_options opts;   /* with defaults applied */
	struct rdc__addr *eps;
	size_t neps;
	size_t next_ep;            /* the endpoint to try next */
	struct rdc__addr leader;   /* valid when have_leader */
	bool have_leader;
	struct rdc__conn *cur;     /* where new requests go; NULL: open one */
	struct rdc__list conns;    /* every connection not yet closed */
	struct rdc__list reqs;     /* every unfinished request */
	uint64_t max_term;
	uint64_t rand;
	uv_timer_t closer;         /* closed last, so close_cb is deferred */
	unsigned handles;          /* closer + connections + request timers */
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
	struct buf out;            /* the encoded command */
	size_t key_off, klen;      /* the key, inside out (for get) */
	rdc_async_cb cb;
	void *data;
	uint64_t deadline;         /* in uv_now() milliseconds */
	unsigned attempts;
	unsigned redirects;        /* MOVED followed without a pause */
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

static void dispatch(rdc_async_req *r);

/* ---- handle lifetime --------------------------------------------------- */

static void maybe_closed(rdc_async *a)
{
	if (!a->closing || a->handles > 0)
		return;
	if (a->close_cb != NULL)
		a->close_cb(a->close_data);
	free(a->eps);
	free(a);
}

static void req_try_free(rdc_async_req *r)
{
	if (r->done && r->timer_closed && r->conn == NULL) {
		buf_free(&r->out);
		free(r);
	}
}

static void on_req_timer_closed(uv_handle_t *h)
{
	rdc_async_req *r = h->data;
	rdc_async *a = r->a;

	r->timer_closed = true;
	a->handles--;
	req_try_free(r);
	maybe_closed(a);
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
	uv_close((uv_handle_t *)&r->timer, on_req_timer_closed);
	r->result = res;
	r->cb(r, status, &res->reply);
	r->result = NULL;
	rdc__result_free(res);
}

static void finish_unavailable(rdc_async_req *r)
{
	finish(r, RDC_UNAVAILABLE, NULL,
	       "no %s answered within %u ms after %u attempt%s (last: %s)",
	       r->op == RDC__OP_STATUS ? "node" : "leader",
	       r->a->opts.deadline_ms, r->attempts, r->attempts == 1 ? "" : "s",
	       r->last_err[0] ? r->last_err : "no connection established");
}

/* c does not lead (any more), or stopped answering: send nothing new there. */
static void retire(rdc_async *a, struct rdc__conn *c)
{
	if (a->cur == c)
		a->cur = NULL;
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
			const struct rdc__pend *p =
				rdc__container_of(n, struct rdc__pend, link);

			if (!rdc__container_of(p, rdc_async_req, pend)->done)
				return true;
		}
	return false;
}

static void close_if_drained(rdc_async *a, struct rdc__conn *c)
{
	struct rdc__pend *p;
	bool sent;

	if (c == a->cur || c->state == RDC__CLOSING || conn_has_live(c))
		return;
	while ((p = rdc__conn_take(c, &sent)) != NULL) {
		rdc_async_req *r = rdc__container_of(p, rdc_async_req, pend);

		r->conn = NULL;
		req_try_free(r);
	}
	rdc__conn_close(c);
}

/* ---- retries ----------------------------------------------------------- */

static void on_req_timer(uv_timer_t *t)
{
	rdc_async_req *r = t->data;
	uint64_t now = uv_now(r->a->loop);

	if (now >= r->deadline) {
		const char *to = r->conn ? r->conn->addr.text : "";

		if (r->conn != NULL && r->pend.queued) {
			struct rdc__conn *c = r->conn;

			/* Replies come in order, so everything queued behind
			 * r is stuck too: send nothing more there. */
			retire(r->a, c);
			/* Its bytes are or will be on the wire. */
			if (r->write)
				finish(r, RDC_UNCERTAIN, NULL,
				       "%s: no reply within %u ms; the write may or may not have been applied",
				       to, r->a->opts.deadline_ms);
			else
				finish(r, RDC_TIMEOUT, NULL,
				       "%s: no reply within %u ms", to,
				       r->a->opts.deadline_ms);
			close_if_drained(r->a, c);
			return;
		}
		if (r->conn != NULL) {
			snprintf(r->last_err, sizeof(r->last_err),
				 "%s: connection not established", to);
			rdc__conn_withdraw(r->conn, &r->pend);
			r->conn = NULL;
		}
		finish_unavailable(r);
		return;
	}
	/* The end of a backoff: try again, and watch the deadline again. */
	r->redirects = 0;
	uv_timer_start(&r->timer, on_req_timer, r->deadline - now, 0);
	dispatch(r);
}

/* Retry r after a pause (never past its deadline). why says what failed. */
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

static const struct rdc__addr *pick_target(rdc_async *a)
{
	const struct rdc__addr *t;

	if (a->have_leader)
		return &a->leader;
	t = &a->eps[a->next_ep];
	a->next_ep = (a->next_ep + 1) % a->neps;
	return t;
}

static const struct rdc__conn_events conn_events;

/* Send r to the current connection, opening one if needed. */
static void dispatch(rdc_async_req *r)
{
	rdc_async *a = r->a;

	if (a->opts.max_attempts && r->attempts >= a->opts.max_attempts) {
		finish_unavailable(r);
		return;
	}
	r->attempts++;
	if (a->cur == NULL) {
		a->cur = rdc__conn_open(a->loop, pick_target(a),
					a->opts.connect_timeout_ms,
					&conn_events, a);
		if (a->cur == NULL) {
			backoff(r, "out of memory");
			return;
		}
		a->handles++;
		rdc__list_push(&a->conns, &a->cur->owner_link);
	}
	r->pend.bytes = r->out.data;
	r->pend.len = r->out.len;
	if (rdc__conn_submit(a->cur, &r->pend) != 0) {
		backoff(r, "out of memory");
		return;
	}
	r->conn = a->cur;
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

static void on_error_reply(rdc_async_req *r, struct rdc__conn *c,
			   const struct resp_value *v)
{
	const char *op = rdc__op_name(r->op);
	int n = (int)v->len;

	switch (rdc__err_classify(v)) {
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
		if (!r->write) {
			backoff(r, "%s: %.*s", c->addr.text, n, v->str);
			return;
		}
		finish(r, RDC_UNCERTAIN, NULL,
		       "%s: %.*s; the write may or may not have been applied",
		       c->addr.text, n, v->str);
		return;
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

static void on_stale(rdc_async_req *r, struct rdc__conn *c, uint64_t term)
{
	rdc_async *a = r->a;
	unsigned long long t = term, max = a->max_term;

	retire(a, c);
	if (r->write) {
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

static void on_data_reply(rdc_async_req *r, struct rdc__conn *c,
			  const struct resp_value *v)
{
	rdc_async *a = r->a;
	const struct resp_value *result;
	struct rdc__result res;
	struct rdc_meta meta;
	char err[160];
	int st;

	if (rdc__envelope(v, &result, &meta) != 0) {
		finish_unreadable(r, c,
				  "malformed reply: expected [result :term :index]");
		return;
	}
	if (r->op != RDC__OP_STATUS) {
		if (meta.term < a->max_term) {
			on_stale(r, c, meta.term);
			return;
		}
		a->max_term = meta.term;
		a->leader = c->addr;
		a->have_leader = true;
	}
	rdc__result_init(&res);
	st = rdc__decode(r->op, result, r->out.data + r->key_off, r->klen,
			 &res, err, sizeof(err));
	if (st == RDC_OK || st == RDC_NOTFOUND || st == RDC_CONDITION)
		res.reply.meta = meta;
	switch (st) {
	case RDC_OK:
		finish(r, st, &res, NULL);
		break;
	case RDC_NOTFOUND:
		finish(r, st, &res, "key not found");
		break;
	case RDC_CONDITION:
		finish(r, st, &res, "condition not met; nothing was changed");
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
	rdc_async_req *r = rdc__container_of(p, rdc_async_req, pend);

	r->conn = NULL;
	if (r->done)
		req_try_free(r); /* answered after its deadline: dropped */
	else if (v->type == RESP_T_ERROR)
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
		rdc_async_req *r = rdc__container_of(p, rdc_async_req, pend);

		r->conn = NULL;
		if (r->done)
			req_try_free(r);
		else if (sent && r->write)
			finish(r, RDC_UNCERTAIN, NULL,
			       "%s after the write was sent; the write may or may not have been applied",
			       why);
		else
			backoff(r, "%s", why);
	}
}

static void on_conn_closed(struct rdc__conn *c)
{
	rdc_async *a = c->owner;

	if (a->cur == c)
		a->cur = NULL;
	rdc__list_remove(&c->owner_link);
	a->handles--;
	maybe_closed(a);
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

static void on_closer_closed(uv_handle_t *h)
{
	rdc_async *a = h->data;

	a->handles--;
	maybe_closed(a);
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
		if (sent && r->write)
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
	cancel_requests(a);
	for (n = a->conns.next; n != &a->conns; n = n->next) {
		struct rdc__conn *c = rdc__container_of(n, struct rdc__conn,
							owner_link);
		struct rdc__pend *p;
		bool sent;

		while ((p = rdc__conn_take(c, &sent)) != NULL) {
			rdc_async_req *r = rdc__container_of(p, rdc_async_req,
							     pend);

			r->conn = NULL;
			req_try_free(r);
		}
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
static rdc_async_req *req_new(rdc_async *a, enum rdc__op op, rdc_async_cb cb,
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
	buf_init(&r->out);
	rdc__list_init(&r->all);
	rdc__list_init(&r->pend.link);
	*rc = RDC_OK;
	return r;
}

/* Start r whose command is encoded (enc_rc is the encoder's result). */
static int req_start(rdc_async_req *r, int enc_rc)
{
	rdc_async *a = r->a;

	if (enc_rc != 0) {
		buf_free(&r->out);
		free(r);
		return RDC_NOMEM;
	}
	/* The loop's clock may be stale (a blocking client's loop sleeps
	 * between calls): measure the deadline from now. */
	uv_update_time(a->loop);
	r->deadline = uv_now(a->loop) + a->opts.deadline_ms;
	uv_timer_init(a->loop, &r->timer);
	r->timer.data = r;
	a->handles++;
	uv_timer_start(&r->timer, on_req_timer, a->opts.deadline_ms, 0);
	rdc__list_push(&a->reqs, &r->all);
	dispatch(r);
	return RDC_OK;
}

/* A (pointer, length) argument is valid when the pointer is set or the
 * length is 0; NULL with length 0 becomes "". */
static bool arg_ok(const char **p, size_t len)
{
	if (*p == NULL) {
		*p = "";
		return len == 0;
	}
	return true;
}

int rdc_async_put(rdc_async *a, const char *key, size_t klen,
		  const char *value, size_t vlen, int flags, rdc_async_cb cb,
		  void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&key, klen) || !arg_ok(&value, vlen) ||
	    (flags & ~(RDC_PUT_NX | RDC_PUT_XX)) ||
	    flags == (RDC_PUT_NX | RDC_PUT_XX))
		return RDC_INVALID;
	r = req_new(a, RDC__OP_PUT, cb, data, &rc);
	if (r == NULL)
		return rc;
	return req_start(r, rdc__enc_put(&r->out, key, klen, value, vlen,
					 flags));
}

int rdc_async_get(rdc_async *a, const char *key, size_t klen, rdc_async_cb cb,
		  void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&key, klen))
		return RDC_INVALID;
	r = req_new(a, RDC__OP_GET, cb, data, &rc);
	if (r == NULL)
		return rc;
	rc = rdc__enc_get(&r->out, key, klen);
	/* The key is the last argument: "<key>\r\n" ends the command. */
	r->klen = klen;
	r->key_off = rc == 0 ? r->out.len - 2 - klen : 0;
	return req_start(r, rc);
}

int rdc_async_del(rdc_async *a, size_t nkeys, const char *const *keys,
		  const size_t *klens, rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	if (nkeys == 0 || keys == NULL || klens == NULL)
		return RDC_INVALID;
	for (size_t i = 0; i < nkeys; i++)
		if (keys[i] == NULL && klens[i] > 0)
			return RDC_INVALID;
	r = req_new(a, RDC__OP_DEL, cb, data, &rc);
	if (r == NULL)
		return rc;
	return req_start(r, rdc__enc_del(&r->out, nkeys, keys, klens));
}

int rdc_async_cas(rdc_async *a, const char *key, size_t klen,
		  const char *expected, size_t elen, const char *value,
		  size_t vlen, rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&key, klen) || !arg_ok(&expected, elen) ||
	    !arg_ok(&value, vlen))
		return RDC_INVALID;
	r = req_new(a, RDC__OP_CAS, cb, data, &rc);
	if (r == NULL)
		return rc;
	return req_start(r, rdc__enc_cas(&r->out, key, klen, expected, elen,
					 value, vlen));
}

int rdc_async_cas_index(rdc_async *a, const char *key, size_t klen,
			uint64_t mod_index, const char *value, size_t vlen,
			rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&key, klen) || !arg_ok(&value, vlen))
		return RDC_INVALID;
	r = req_new(a, RDC__OP_CASIDX, cb, data, &rc);
	if (r == NULL)
		return rc;
	return req_start(r, rdc__enc_cas_index(&r->out, key, klen, mod_index,
					       value, vlen));
}

int rdc_async_incrby(rdc_async *a, const char *key, size_t klen,
		     int64_t delta, rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&key, klen))
		return RDC_INVALID;
	r = req_new(a, RDC__OP_INCRBY, cb, data, &rc);
	if (r == NULL)
		return rc;
	return req_start(r, rdc__enc_incrby(&r->out, key, klen, delta));
}

int rdc_async_list(rdc_async *a, const char *prefix, size_t plen,
		   const char *after, size_t alen, size_t limit,
		   rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&prefix, plen) || !arg_ok(&after, alen))
		return RDC_INVALID;
	r = req_new(a, RDC__OP_LIST, cb, data, &rc);
	if (r == NULL)
		return rc;
	return req_start(r, rdc__enc_list(&r->out, prefix, plen, after, alen,
					  limit));
}

int rdc_async_status(rdc_async *a, rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	r = req_new(a, RDC__OP_STATUS, cb, data, &rc);
	if (r == NULL)
		return rc;
	return req_start(r, rdc__enc_status(&r->out));
}
