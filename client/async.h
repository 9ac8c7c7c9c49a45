/* async.h - what the blocking interface needs from the asynchronous core.
 *
 * The blocking calls (sync.c) are the asynchronous ones run on a private
 * loop; their callbacks keep the decoded entries instead of copying them.
 */
#ifndef RDC_ASYNC_H
#define RDC_ASYNC_H

#include "raftd/client.h"

/* Inside a request's callback: take ownership of the malloc'd block behind
 * r->kv, r->items or r->members (NULL when there is none); the library will
 * then not free it. */
void *rdc__async_take_block(rdc_async_req *req);

#endif
