/* submit.c - the asynchronous API's calls: check the arguments, encode the
 * command, and hand the request to the core (async.c).
 *
 * Every call either returns an error at once, and then its callback never
 * runs, or returns RDC_OK and the callback runs exactly once, from the
 * loop. Writes take their options here: a fence wraps the command once
 * (RD.FENCE never changes between attempts), a session makes it sequenced
 * (RD.SEQ is added per attempt by the core, since the ack may move).
 */
#include <stdbool.h>
#include <stdlib.h>

#include "client/async.h"
#include "client/request.h"

static int req_start(rdc_async_req *r, int enc_rc)
{
	return rdc__req_start(r, enc_rc, 0);
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

/* May s be used for requests on a? */
static bool session_ok(const rdc_async *a, const rdc_session *s)
{
	return s != NULL && s->a == a && s->user_held && s->id != 0;
}

static bool wopts_ok(const rdc_async *a, const struct rdc_write_opts *w)
{
	if (w == NULL)
		return true;
	if (w->session != NULL && !session_ok(a, w->session))
		return false;
	return w->fence_lock != NULL || w->fence_len == 0;
}

/* Start a data write whose command is encoded in r->body: fence and
 * sequence it as w asks (w was checked with wopts_ok). */
static int write_start(rdc_async_req *r, const struct rdc_write_opts *w,
		       int enc_rc)
{
	if (enc_rc == 0 && w != NULL && w->fence_lock != NULL) {
		struct buf fenced;

		buf_init(&fenced);
		enc_rc = rdc__enc_fence(&fenced, &r->body, w->fence_lock,
					w->fence_len, w->fence_token);
		buf_free(&r->body);
		r->body = fenced;
	}
	if (w != NULL && w->session != NULL) {
		rdc__req_bind(r, w->session);
		r->sequenced = true;
	}
	return req_start(r, enc_rc);
}

int rdc_async_put(rdc_async *a, const char *key, size_t klen,
		  const char *value, size_t vlen, int flags,
		  const struct rdc_write_opts *w, rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&key, klen) || !arg_ok(&value, vlen) ||
	    (flags & ~(RDC_PUT_NX | RDC_PUT_XX)) ||
	    flags == (RDC_PUT_NX | RDC_PUT_XX) || !wopts_ok(a, w))
		return RDC_INVALID;
	r = rdc__req_new(a, RDC__OP_PUT, cb, data, &rc);
	if (r == NULL)
		return rc;
	return write_start(r, w, rdc__enc_put(&r->body, key, klen, value, vlen,
					      flags));
}

/* A read in mode: linearizable ones go to the leader, the others to any
 * endpoint. */
static bool read_mode(rdc_async_req *r, enum rdc_consistency mode)
{
	if (mode != RDC_LINEARIZABLE && mode != RDC_SESSION &&
	    mode != RDC_STALE)
		return false;
	r->mode = mode;
	r->any_node = mode != RDC_LINEARIZABLE;
	return true;
}

int rdc_async_get(rdc_async *a, const char *key, size_t klen,
		  enum rdc_consistency mode, rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&key, klen))
		return RDC_INVALID;
	r = rdc__req_new(a, RDC__OP_GET, cb, data, &rc);
	if (r == NULL)
		return rc;
	if (!read_mode(r, mode)) {
		free(r);
		return RDC_INVALID;
	}
	rc = rdc__enc_get(&r->body, key, klen);
	/* The key is the last argument: "<key>\r\n" ends the body. */
	r->klen = klen;
	r->key_off = rc == 0 ? r->body.len - 2 - klen : 0;
	return req_start(r, rc);
}

int rdc_async_del(rdc_async *a, size_t nkeys, const char *const *keys,
		  const size_t *klens, const struct rdc_write_opts *w,
		  rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	if (nkeys == 0 || keys == NULL || klens == NULL || !wopts_ok(a, w))
		return RDC_INVALID;
	for (size_t i = 0; i < nkeys; i++)
		if (keys[i] == NULL && klens[i] > 0)
			return RDC_INVALID;
	r = rdc__req_new(a, RDC__OP_DEL, cb, data, &rc);
	if (r == NULL)
		return rc;
	return write_start(r, w, rdc__enc_del(&r->body, nkeys, keys, klens));
}

int rdc_async_cas(rdc_async *a, const char *key, size_t klen,
		  const char *expected, size_t elen, const char *value,
		  size_t vlen, const struct rdc_write_opts *w, rdc_async_cb cb,
		  void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&key, klen) || !arg_ok(&expected, elen) ||
	    !arg_ok(&value, vlen) || !wopts_ok(a, w))
		return RDC_INVALID;
	r = rdc__req_new(a, RDC__OP_CAS, cb, data, &rc);
	if (r == NULL)
		return rc;
	return write_start(r, w, rdc__enc_cas(&r->body, key, klen, expected,
					      elen, value, vlen));
}

int rdc_async_cas_index(rdc_async *a, const char *key, size_t klen,
			uint64_t mod_index, const char *value, size_t vlen,
			const struct rdc_write_opts *w, rdc_async_cb cb,
			void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&key, klen) || !arg_ok(&value, vlen) || !wopts_ok(a, w))
		return RDC_INVALID;
	r = rdc__req_new(a, RDC__OP_CASIDX, cb, data, &rc);
	if (r == NULL)
		return rc;
	return write_start(r, w, rdc__enc_cas_index(&r->body, key, klen,
						    mod_index, value, vlen));
}

int rdc_async_incrby(rdc_async *a, const char *key, size_t klen,
		     int64_t delta, const struct rdc_write_opts *w,
		     rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&key, klen) || !wopts_ok(a, w))
		return RDC_INVALID;
	r = rdc__req_new(a, RDC__OP_INCRBY, cb, data, &rc);
	if (r == NULL)
		return rc;
	return write_start(r, w, rdc__enc_incrby(&r->body, key, klen, delta));
}

int rdc_async_append(rdc_async *a, const char *key, size_t klen,
		     const char *value, size_t vlen,
		     const struct rdc_write_opts *w, rdc_async_cb cb,
		     void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&key, klen) || !arg_ok(&value, vlen) || !wopts_ok(a, w))
		return RDC_INVALID;
	r = rdc__req_new(a, RDC__OP_APPEND, cb, data, &rc);
	if (r == NULL)
		return rc;
	return write_start(r, w, rdc__enc_append(&r->body, key, klen, value,
						 vlen));
}

int rdc_async_list(rdc_async *a, const char *prefix, size_t plen,
		   const char *after, size_t alen, size_t limit,
		   enum rdc_consistency mode, rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&prefix, plen) || !arg_ok(&after, alen))
		return RDC_INVALID;
	r = rdc__req_new(a, RDC__OP_LIST, cb, data, &rc);
	if (r == NULL)
		return rc;
	if (!read_mode(r, mode)) {
		free(r);
		return RDC_INVALID;
	}
	return req_start(r, rdc__enc_list(&r->body, prefix, plen, after, alen,
					  limit));
}

int rdc_async_status(rdc_async *a, rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	r = rdc__req_new(a, RDC__OP_STATUS, cb, data, &rc);
	if (r == NULL)
		return rc;
	return req_start(r, rdc__enc_status(&r->body));
}

/* ---- session submissions ----------------------------------------------- */

int rdc__async_session_open(rdc_async *a, void *owner, unsigned timeout_ms,
			    rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	rdc_session *s;
	int rc;

	r = rdc__req_new(a, RDC__OP_SOPEN, cb, data, &rc);
	if (r == NULL)
		return rc;
	s = rdc__session_new(a, owner, timeout_ms);
	if (s == NULL) {
		free(r);
		return RDC_NOMEM;
	}
	/* The request holds the only reference until the open succeeds. */
	r->session = s;
	r->retry_safe = true;
	return req_start(r, rdc__enc_session(&r->body, RDC__OP_SOPEN,
					     s->timeout_ms));
}

rdc_session *rdc__async_session_attach(rdc_async *a, void *owner, uint64_t id,
				       unsigned timeout_ms, uint64_t next_seq)
{
	rdc_session *s;

	if (a == NULL || a->closing || a->errcode != RDC_OK || id == 0 ||
	    next_seq == 0)
		return NULL;
	s = rdc__session_new(a, owner, timeout_ms);
	if (s == NULL)
		return NULL;
	s->id = id;
	s->next_seq = next_seq;
	uv_update_time(a->loop);
	s->last_active = uv_now(a->loop);
	rdc__session_adopt(s, owner == NULL);
	rdc__session_unref(s); /* the user's reference stays */
	return s;
}

/* A session command (keepalive, close, lock, unlock) for s. */
static rdc_async_req *session_req(rdc_session *s, enum rdc__op op,
				  rdc_async_cb cb, void *data, int *rc)
{
	rdc_async_req *r;

	*rc = RDC_INVALID;
	if (s == NULL || !session_ok(s->a, s))
		return NULL;
	r = rdc__req_new(s->a, op, cb, data, rc);
	if (r != NULL)
		rdc__req_bind(r, s);
	return r;
}

int rdc__async_keepalive(rdc_session *s, rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	r = session_req(s, RDC__OP_SKEEPALIVE, cb, data, &rc);
	if (r == NULL)
		return rc;
	return req_start(r, rdc__enc_session(&r->body, RDC__OP_SKEEPALIVE,
					     s->id));
}

int rdc__async_session_close(rdc_session *s, rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	r = session_req(s, RDC__OP_SCLOSE, cb, data, &rc);
	if (r == NULL)
		return rc;
	rc = req_start(r, rdc__enc_session(&r->body, RDC__OP_SCLOSE, s->id));
	if (rc == RDC_OK)
		rdc_session_free(s); /* the caller is done with it */
	return rc;
}

int rdc__async_lock(rdc_session *s, const char *name, size_t nlen,
		    unsigned wait_ms, rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&name, nlen))
		return RDC_INVALID;
	r = session_req(s, RDC__OP_LOCK, cb, data, &rc);
	if (r == NULL)
		return rc;
	return rdc__req_start(r, rdc__enc_lock(&r->body, RDC__OP_LOCK, name,
					      nlen, s->id), wait_ms);
}

int rdc__async_unlock(rdc_session *s, const char *name, size_t nlen,
		      rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	if (!arg_ok(&name, nlen))
		return RDC_INVALID;
	r = session_req(s, RDC__OP_UNLOCK, cb, data, &rc);
	if (r == NULL)
		return rc;
	return req_start(r, rdc__enc_lock(&r->body, RDC__OP_UNLOCK, name, nlen,
					  s->id));
}

/* The public asynchronous session calls refuse sessions of a blocking
 * client: their loop runs only inside that client's calls. */

int rdc_async_session_open(rdc_async *a, unsigned timeout_ms,
			   rdc_async_cb cb, void *data)
{
	return rdc__async_session_open(a, NULL, timeout_ms, cb, data);
}

rdc_session *rdc_async_session_attach(rdc_async *a, uint64_t id,
				      unsigned timeout_ms, uint64_t next_seq)
{
	return rdc__async_session_attach(a, NULL, id, timeout_ms, next_seq);
}

int rdc_async_session_keepalive(rdc_session *s, rdc_async_cb cb, void *data)
{
	if (s == NULL || s->owner != NULL)
		return RDC_INVALID;
	return rdc__async_keepalive(s, cb, data);
}

int rdc_async_session_close(rdc_session *s, rdc_async_cb cb, void *data)
{
	if (s == NULL || s->owner != NULL)
		return RDC_INVALID;
	return rdc__async_session_close(s, cb, data);
}

int rdc_async_lock(rdc_session *s, const char *name, size_t nlen,
		   unsigned wait_ms, rdc_async_cb cb, void *data)
{
	if (s == NULL || s->owner != NULL)
		return RDC_INVALID;
	return rdc__async_lock(s, name, nlen, wait_ms, cb, data);
}

int rdc_async_unlock(rdc_session *s, const char *name, size_t nlen,
		     rdc_async_cb cb, void *data)
{
	if (s == NULL || s->owner != NULL)
		return RDC_INVALID;
	return rdc__async_unlock(s, name, nlen, cb, data);
}
