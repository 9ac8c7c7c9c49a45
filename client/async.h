/* async.h - what the rest of the library needs from the asynchronous core.
 *
 * The blocking calls (sync.c) are the asynchronous ones run on a private
 * loop; their callbacks keep the decoded entries instead of copying them.
 * Sessions (session.c) live on a handle: they borrow its loop, count their
 * timer among its handles, and send their keepalives through it.
 */
#ifndef RDC_ASYNC_H
#define RDC_ASYNC_H

#include <stdbool.h>

#include "raftd/client.h"
#include "client/list.h"

/* Inside a request's callback: take ownership of the malloc'd block behind
 * r->kv, r->items or r->members (NULL when there is none); the library will
 * then not free it. */
void *rdc__async_take_block(rdc_async_req *req);

uv_loop_t *rdc__async_loop(rdc_async *a);
/* The sessions the caller holds on a (struct rdc_session, by link). */
struct rdc__list *rdc__async_sessions(rdc_async *a);
/* A libuv handle belonging to a was opened / has finished closing (the
 * handle's close completes only when every one has). */
void rdc__async_handle_opened(rdc_async *a);
void rdc__async_handle_closed(rdc_async *a);

/* The session submissions, for either interface: the public ones check that
 * the session belongs to the interface they are called from, these do not.
 * owner is the blocking client opening the session, or NULL. */
int rdc__async_session_open(rdc_async *a, void *owner, unsigned timeout_ms,
			    rdc_async_cb cb, void *data);
rdc_session *rdc__async_session_attach(rdc_async *a, void *owner, uint64_t id,
				       unsigned timeout_ms, uint64_t next_seq);
int rdc__async_keepalive(rdc_session *s, rdc_async_cb cb, void *data);
int rdc__async_session_close(rdc_session *s, rdc_async_cb cb, void *data);
int rdc__async_lock(rdc_session *s, const char *name, size_t nlen,
		    unsigned wait_ms, rdc_async_cb cb, void *data);
int rdc__async_unlock(rdc_session *s, const char *name, size_t nlen,
		      rdc_async_cb cb, void *data);

#endif
