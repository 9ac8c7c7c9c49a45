/* sync.c - the blocking interface: the asynchronous one on a private loop.
 *
 * Each call submits one asynchronous request and runs the private loop until
 * its callback has run, so leader discovery, retries, redirects and deadlines
 * are exactly those of async.c. The rdc_async handle lives as long as the
 * client, which is how the leader and the highest term seen are remembered
 * from one call to the next. The callback keeps the decoded block
 * (rdc__async_take_block) and hands it to the caller as it is: no copy.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/async.h"

struct rdc_client {
	uv_loop_t loop;
	bool loop_ok;
	rdc_async *a;
	bool failed;      /* rdc_open failed: keep its status and message */
	int errcode;
	char errmsg[320];
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

static void on_done(rdc_async_req *req, int status, const struct rdc_reply *r)
{
	struct call *call = rdc_async_req_data(req);

	call->done = true;
	call->status = status;
	call->meta = r->meta;
	call->integer = r->integer;
	call->block = rdc__async_take_block(req);
	call->n = r->kv ? 1 : r->nitems ? r->nitems : r->nmembers;
	set_err(call->c, status, r->errmsg);
}

/* Start a call; returns nonzero (a status) when c cannot take one. */
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
	return RDC_OK;
}

/* Wait for the call submitted with status submitted. */
static int run(rdc_client *c, struct call *call, int submitted,
	       struct rdc_meta *meta)
{
	if (submitted != RDC_OK) {
		set_err(c, submitted, submitted == RDC_NOMEM
			? "out of memory" : "invalid argument");
		return submitted;
	}
	while (!call->done)
		uv_run(&c->loop, UV_RUN_ONCE);
	if (meta != NULL)
		*meta = call->meta;
	return call->status;
}

int rdc_put(rdc_client *c, const char *key, size_t klen, const char *value,
	    size_t vlen, int flags, struct rdc_meta *meta)
{
	struct call call;
	int rc = begin(c, &call, meta);

	if (rc != RDC_OK)
		return rc;
	return run(c, &call, rdc_async_put(c->a, key, klen, value, vlen, flags,
					   on_done, &call), meta);
}

int rdc_get(rdc_client *c, const char *key, size_t klen, struct rdc_kv **kv,
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
	rc = run(c, &call, rdc_async_get(c->a, key, klen, on_done, &call),
		 meta);
	*kv = call.block;
	return rc;
}

int rdc_del(rdc_client *c, size_t nkeys, const char *const *keys,
	    const size_t *klens, uint64_t *removed, struct rdc_meta *meta)
{
	struct call call;
	int rc = begin(c, &call, meta);

	if (removed != NULL)
		*removed = 0;
	if (rc != RDC_OK)
		return rc;
	rc = run(c, &call, rdc_async_del(c->a, nkeys, keys, klens, on_done,
					 &call), meta);
	if (removed != NULL && rc == RDC_OK)
		*removed = (uint64_t)call.integer;
	return rc;
}

int rdc_cas(rdc_client *c, const char *key, size_t klen, const char *expected,
	    size_t elen, const char *value, size_t vlen, struct rdc_meta *meta)
{
	struct call call;
	int rc = begin(c, &call, meta);

	if (rc != RDC_OK)
		return rc;
	return run(c, &call, rdc_async_cas(c->a, key, klen, expected, elen,
					   value, vlen, on_done, &call), meta);
}

int rdc_cas_index(rdc_client *c, const char *key, size_t klen,
		  uint64_t mod_index, const char *value, size_t vlen,
		  struct rdc_meta *meta)
{
	struct call call;
	int rc = begin(c, &call, meta);

	if (rc != RDC_OK)
		return rc;
	return run(c, &call, rdc_async_cas_index(c->a, key, klen, mod_index,
						 value, vlen, on_done, &call),
		   meta);
}

int rdc_incrby(rdc_client *c, const char *key, size_t klen, int64_t delta,
	       int64_t *result, struct rdc_meta *meta)
{
	struct call call;
	int rc = begin(c, &call, meta);

	if (result != NULL)
		*result = 0;
	if (rc != RDC_OK)
		return rc;
	rc = run(c, &call, rdc_async_incrby(c->a, key, klen, delta, on_done,
					    &call), meta);
	if (result != NULL && rc == RDC_OK)
		*result = call.integer;
	return rc;
}

int rdc_list(rdc_client *c, const char *prefix, size_t plen, const char *after,
	     size_t alen, size_t limit, struct rdc_kv **items, size_t *n,
	     struct rdc_meta *meta)
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
					  limit, on_done, &call), meta);
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
