/* sync.c - the blocking interface: the asynchronous one on a private loop.
 *
 * Each call submits one asynchronous request and runs the private loop until
 * its callback has run, so leader discovery, retries, redirects and deadlines
 * are exactly those of async.c. The rdc_async handle lives as long as the
 * client, which is how the leader, the highest term and the highest index
 * seen are remembered from one call to the next. The callback keeps the
 * decoded block (rdc__async_take_block) and hands it to the caller as it is:
 * no copy.
 *
 * Sessions. The private loop runs only inside calls, so a blocking session
 * cannot keep itself alive with a timer. Instead each call first sends a
 * keepalive for every session of the client that has been idle for a third
 * of its timeout. The keepalives are submitted before the call's own
 * request, so they are pipelined ahead of it on the leader's connection and
 * cost no extra round trip; the call returns once they are answered too.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/async.h"
#include "client/session.h"
#include "client/sync.h"

struct rdc_client {
	uv_loop_t loop;
	bool loop_ok;
	rdc_async *a;
	bool failed;      /* rdc_open failed: keep its status and message */
	int errcode;
	char errmsg[320];
	unsigned keepalives; /* in flight, sent ahead of the current call */
};

/* One blocking call in progress. */
struct call {
	rdc_client *c;
	bool done;
	int status;
	struct rdc_meta meta;
	int64_t integer;
	void *block;
	size_t n;
	rdc_session *session;
};

static void set_err(rdc_client *c, int status, const char *msg)
{
	c->errcode = status;
	snprintf(c->errmsg, sizeof(c->errmsg), "%s", msg);
}

rdc_client *rdc_open(const char *endpoints, const struct rdc_options *opts)
{
	rdc_client *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL)
		return NULL;
	rc = uv_loop_init(&c->loop);
	if (rc != 0) {
		c->failed = true;
		c->errcode = RDC_NOMEM;
		snprintf(c->errmsg, sizeof(c->errmsg),
			 "cannot create an event loop: %s", uv_strerror(rc));
		return c;
	}
	c->loop_ok = true;
	c->a = rdc_async_open(&c->loop, endpoints, opts);
	if (c->a == NULL) {
		c->failed = true;
		set_err(c, RDC_NOMEM, "out of memory");
	} else if (rdc_async_errcode(c->a) != RDC_OK) {
		c->failed = true;
		set_err(c, rdc_async_errcode(c->a), rdc_async_errmsg(c->a));
	}
	return c;
}

void rdc_close(rdc_client *c)
{
	if (c == NULL)
		return;
	if (c->loop_ok) {
		if (c->a != NULL)
			rdc_async_close(c->a, NULL, NULL);
		/* Runs until every connection and timer is closed. */
		uv_run(&c->loop, UV_RUN_DEFAULT);
		uv_loop_close(&c->loop);
	}
	free(c);
}

int rdc_errcode(const rdc_client *c)
{
	return c->errcode;
}

const char *rdc_errmsg(const rdc_client *c)
{
	return c->errmsg;
}

uint64_t rdc_last_index(const rdc_client *c)
{
	return c->a != NULL && !c->failed ? rdc_async_last_index(c->a) : 0;
}

void rdc_observe_index(rdc_client *c, uint64_t index)
{
	if (c->a != NULL && !c->failed)
		rdc_async_observe_index(c->a, index);
}

static void on_done(rdc_async_req *req, int status, const struct rdc_reply *r)
{
	struct call *call = rdc_async_req_data(req);

	call->done = true;
	call->status = status;
	call->meta = r->meta;
	call->integer = r->integer;
	call->session = r->session;
	call->block = rdc__async_take_block(req);
	call->n = r->kv ? 1 : r->nitems ? r->nitems
		: r->nmembers ? r->nmembers : r->nservers;
	set_err(call->c, status, r->errmsg);
}

static void on_keepalive(rdc_async_req *req, int status,
			 const struct rdc_reply *r)
{
	rdc_session *s = rdc_async_req_data(req);
	rdc_client *c = s->owner;

	(void)status;
	(void)r;
	s->ka_inflight = false;
	c->keepalives--;
	rdc__session_unref(s);
}

/* Keep alive the client's sessions that have been idle for a third of
 * their timeout (see the top of the file). */
static void keep_sessions_alive(rdc_client *c)
{
	struct rdc__list *head = rdc__async_sessions(c->a);
	uint64_t now;

	uv_update_time(&c->loop);
	now = uv_now(&c->loop);
	for (struct rdc__list *n = head->next; n != head; n = n->next) {
		rdc_session *s = rdc__container_of(n, rdc_session, link);

		if (s->expired || s->ka_inflight || !rdc__session_idle(s, now))
			continue;
		/* The reference keeps s while its keepalive is out, even
		 * if the caller's own call frees it. */
		rdc__session_ref(s);
		if (rdc__async_keepalive(s, on_keepalive, s) != RDC_OK) {
			rdc__session_unref(s);
			continue;
		}
		s->ka_inflight = true;
		c->keepalives++;
	}
}

/* Start a call; returns nonzero (a status) when c cannot take one. */
static int begin(rdc_client *c, struct call *call, struct rdc_meta *meta);

/* Start a call that is itself a keepalive or close of s: no separate
 * keepalive for s ahead of it. */
static int begin_for(rdc_client *c, struct call *call, struct rdc_meta *meta,
		     rdc_session *s)
{
	bool was = s->ka_inflight;
	int rc;

	s->ka_inflight = true;
	rc = begin(c, call, meta);
	s->ka_inflight = was;
	return rc;
}

static int begin(rdc_client *c, struct call *call, struct rdc_meta *meta)
{
	memset(call, 0, sizeof(*call));
	call->c = c;
	if (meta != NULL)
		memset(meta, 0, sizeof(*meta));
	if (c == NULL)
		return RDC_INVALID;
	if (c->failed)
		return c->errcode == RDC_OK ? RDC_INVALID : c->errcode;
	/* The loop sleeps between calls: let it notice a connection the
	 * server closed meanwhile, or the next write would be sent into it and
	 * come back RDC_UNCERTAIN for no reason. */
	uv_run(&c->loop, UV_RUN_NOWAIT);
	keep_sessions_alive(c);
	return RDC_OK;
}

/* Wait for the call submitted with status submitted (and for the
 * keepalives sent ahead of it). */
static int run(rdc_client *c, struct call *call, int submitted,
	       struct rdc_meta *meta)
{
	if (submitted != RDC_OK) {
		while (c->keepalives > 0)
			uv_run(&c->loop, UV_RUN_ONCE);
		set_err(c, submitted, submitted == RDC_NOMEM
			? "out of memory" : "invalid argument");
		return submitted;
	}
	while (!call->done || c->keepalives > 0)
		uv_run(&c->loop, UV_RUN_ONCE);
	if (meta != NULL)
		*meta = call->meta;
	return call->status;
}

int rdc_put(rdc_client *c, const char *key, size_t klen, const char *value,
	    size_t vlen, int flags, const struct rdc_write_opts *w,
	    struct rdc_meta *meta)
{
	struct call call;
	int rc = begin(c, &call, meta);

	if (rc != RDC_OK)
		return rc;
	return run(c, &call, rdc_async_put(c->a, key, klen, value, vlen, flags,
					   w, on_done, &call), meta);
}

int rdc_get(rdc_client *c, const char *key, size_t klen,
	    enum rdc_consistency mode, struct rdc_kv **kv,
	    struct rdc_meta *meta)
{
	struct call call;
	int rc;

	if (kv != NULL)
		*kv = NULL;
	rc = begin(c, &call, meta);
	if (rc != RDC_OK)
		return rc;
	if (kv == NULL)
		return run(c, &call, RDC_INVALID, meta);
	rc = run(c, &call, rdc_async_get(c->a, key, klen, mode, on_done,
					 &call), meta);
	*kv = call.block;
	return rc;
}

int rdc_del(rdc_client *c, size_t nkeys, const char *const *keys,
	    const size_t *klens, const struct rdc_write_opts *w,
	    uint64_t *removed, struct rdc_meta *meta)
{
	struct call call;
	int rc = begin(c, &call, meta);

	if (removed != NULL)
		*removed = 0;
	if (rc != RDC_OK)
		return rc;
	rc = run(c, &call, rdc_async_del(c->a, nkeys, keys, klens, w, on_done,
					 &call), meta);
	if (removed != NULL && rc == RDC_OK)
		*removed = (uint64_t)call.integer;
	return rc;
}

int rdc_cas(rdc_client *c, const char *key, size_t klen, const char *expected,
	    size_t elen, const char *value, size_t vlen,
	    const struct rdc_write_opts *w, struct rdc_meta *meta)
{
	struct call call;
	int rc = begin(c, &call, meta);

	if (rc != RDC_OK)
		return rc;
	return run(c, &call, rdc_async_cas(c->a, key, klen, expected, elen,
					   value, vlen, w, on_done, &call),
		   meta);
}

int rdc_cas_index(rdc_client *c, const char *key, size_t klen,
		  uint64_t mod_index, const char *value, size_t vlen,
		  const struct rdc_write_opts *w, struct rdc_meta *meta)
{
	struct call call;
	int rc = begin(c, &call, meta);

	if (rc != RDC_OK)
		return rc;
	return run(c, &call, rdc_async_cas_index(c->a, key, klen, mod_index,
						 value, vlen, w, on_done,
						 &call), meta);
}

int rdc_incrby(rdc_client *c, const char *key, size_t klen, int64_t delta,
	       const struct rdc_write_opts *w, int64_t *result,
	       struct rdc_meta *meta)
{
	struct call call;
	int rc = begin(c, &call, meta);

	if (result != NULL)
		*result = 0;
	if (rc != RDC_OK)
		return rc;
	rc = run(c, &call, rdc_async_incrby(c->a, key, klen, delta, w, on_done,
					    &call), meta);
	if (result != NULL && rc == RDC_OK)
		*result = call.integer;
	return rc;
}

int rdc_append(rdc_client *c, const char *key, size_t klen, const char *value,
	       size_t vlen, const struct rdc_write_opts *w, uint64_t *length,
	       struct rdc_meta *meta)
{
	struct call call;
	int rc = begin(c, &call, meta);

	if (length != NULL)
		*length = 0;
	if (rc != RDC_OK)
		return rc;
	rc = run(c, &call, rdc_async_append(c->a, key, klen, value, vlen, w,
					    on_done, &call), meta);
	if (length != NULL && rc == RDC_OK)
		*length = (uint64_t)call.integer;
	return rc;
}

int rdc_list(rdc_client *c, const char *prefix, size_t plen, const char *after,
	     size_t alen, size_t limit, enum rdc_consistency mode,
	     struct rdc_kv **items, size_t *n, struct rdc_meta *meta)
{
	struct call call;
	int rc;

	if (items != NULL)
		*items = NULL;
	if (n != NULL)
		*n = 0;
	rc = begin(c, &call, meta);
	if (rc != RDC_OK)
		return rc;
	if (items == NULL || n == NULL)
		return run(c, &call, RDC_INVALID, meta);
	rc = run(c, &call, rdc_async_list(c->a, prefix, plen, after, alen,
					  limit, mode, on_done, &call), meta);
	*items = call.block;
	*n = call.block ? call.n : 0;
	return rc;
}

int rdc_status(rdc_client *c, struct rdc_member **members, size_t *n,
	       struct rdc_meta *meta)
{
	struct call call;
	int rc;

	if (members != NULL)
		*members = NULL;
	if (n != NULL)
		*n = 0;
	rc = begin(c, &call, meta);
	if (rc != RDC_OK)
		return rc;
	if (members == NULL || n == NULL)
		return run(c, &call, RDC_INVALID, meta);
	rc = run(c, &call, rdc_async_status(c->a, on_done, &call), meta);
	*members = call.block;
	*n = call.block ? call.n : 0;
	return rc;
}

int rdc__sync_call(rdc_client *c, rdc__submit_fn submit, const void *args,
		   struct rdc__sync_out *out, struct rdc_meta *meta)
{
	struct call call;
	int rc = begin(c, &call, meta);

	memset(out, 0, sizeof(*out));
	if (rc != RDC_OK)
		return rc;
	rc = run(c, &call, submit(c->a, args, on_done, &call), meta);
	out->integer = call.integer;
	out->block = call.block;
	out->n = call.block ? call.n : 0;
	return rc;
}

void rdc_free(void *p)
{
	free(p);
}

void rdc_list_free(struct rdc_kv *items)
{
	free(items);
}

void rdc_status_free(struct rdc_member *members)
{
	free(members);
}

/* ---- sessions and locks ------------------------------------------------ */

int rdc_session_open(rdc_client *c, unsigned timeout_ms, rdc_session **s,
		     struct rdc_meta *meta)
{
	struct call call;
	int rc;

	if (s != NULL)
		*s = NULL;
	rc = begin(c, &call, meta);
	if (rc != RDC_OK)
		return rc;
	if (s == NULL)
		return run(c, &call, RDC_INVALID, meta);
	rc = run(c, &call, rdc__async_session_open(c->a, c, timeout_ms,
						   on_done, &call), meta);
	*s = call.session;
	return rc;
}

rdc_session *rdc_session_attach(rdc_client *c, uint64_t id,
				unsigned timeout_ms, uint64_t next_seq)
{
	if (c == NULL || c->failed)
		return NULL;
	return rdc__async_session_attach(c->a, c, id, timeout_ms, next_seq);
}

/* The client of a blocking session, or NULL for any other. */
static rdc_client *owner_of(rdc_session *s)
{
	return s != NULL ? s->owner : NULL;
}

int rdc_session_keepalive(rdc_session *s, struct rdc_meta *meta)
{
	rdc_client *c = owner_of(s);
	struct call call;
	int rc;

	if (c == NULL) {
		if (meta != NULL)
			memset(meta, 0, sizeof(*meta));
		return RDC_INVALID;
	}
	rc = begin_for(c, &call, meta, s);
	if (rc != RDC_OK)
		return rc;
	return run(c, &call, rdc__async_keepalive(s, on_done, &call), meta);
}

int rdc_session_close(rdc_session *s, struct rdc_meta *meta)
{
	rdc_client *c = owner_of(s);
	struct call call;
	int rc;

	if (c == NULL) {
		if (meta != NULL)
			memset(meta, 0, sizeof(*meta));
		return RDC_INVALID;
	}
	rc = begin_for(c, &call, meta, s);
	if (rc != RDC_OK) {
		rdc_session_free(s);
		return rc;
	}
	rc = rdc__async_session_close(s, on_done, &call);
	if (rc != RDC_OK)
		rdc_session_free(s); /* freed whatever the outcome */
	return run(c, &call, rc, meta);
}

int rdc_lock(rdc_session *s, const char *name, size_t nlen, unsigned wait_ms,
	     uint64_t *token, struct rdc_meta *meta)
{
	rdc_client *c = owner_of(s);
	struct call call;
	int rc;

	if (token != NULL)
		*token = 0;
	if (c == NULL) {
		if (meta != NULL)
			memset(meta, 0, sizeof(*meta));
		return RDC_INVALID;
	}
	rc = begin(c, &call, meta);
	if (rc != RDC_OK)
		return rc;
	rc = run(c, &call, rdc__async_lock(s, name, nlen, wait_ms, on_done,
					   &call), meta);
	if (token != NULL && rc == RDC_OK)
		*token = (uint64_t)call.integer;
	return rc;
}

int rdc_unlock(rdc_session *s, const char *name, size_t nlen,
	       struct rdc_meta *meta)
{
	rdc_client *c = owner_of(s);
	struct call call;
	int rc;

	if (c == NULL) {
		if (meta != NULL)
			memset(meta, 0, sizeof(*meta));
		return RDC_INVALID;
	}
	rc = begin(c, &call, meta);
	if (rc != RDC_OK)
		return rc;
	return run(c, &call, rdc__async_unlock(s, name, nlen, on_done, &call),
		   meta);
}
