/* sync.h - running one asynchronous submission as a blocking call, for the
 * blocking calls that live beside their asynchronous ones outside sync.c
 * (member.c). The call gets what every blocking call gets: the keepalives
 * of the client's idle sessions pipelined ahead of it, the same deadline,
 * and the status and message kept for rdc_errcode / rdc_errmsg.
 */
#ifndef RDC_SYNC_H
#define RDC_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "raftd/client.h"

/* Submit one request on a with callback cb/data; args is what the caller
 * of rdc__sync_call passed. Returns what the rdc_async_* call returned. */
typedef int (*rdc__submit_fn)(rdc_async *a, const void *args,
			      rdc_async_cb cb, void *data);

/* What the reply carried besides its status and meta. block is the
 * malloc'd block behind r->kv, r->items, r->members or r->servers (NULL
 * when there was none); the caller of rdc__sync_call owns it and frees it
 * with free(). n counts its entries. */
struct rdc__sync_out {
	int64_t integer;
	void *block;
	size_t n;
};

/* Run submit on c's private loop until its callback has run. *out is
 * always written (zeros when nothing was submitted); meta (may be NULL) as
 * for every blocking call. Returns the request's status. */
int rdc__sync_call(rdc_client *c, rdc__submit_fn submit, const void *args,
		   struct rdc__sync_out *out, struct rdc_meta *meta);

#endif
