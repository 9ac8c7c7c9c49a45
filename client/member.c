/* member.c - the membership calls of both interfaces: rdc_member_add,
 * promote, demote, remove, list, and rdc_transfer, with their rdc_async_*
 * forms.
 *
 * They are ordinary requests of the core (async.c), so they go to the
 * leader, follow -MOVED (which is also how removing the leader works: it
 * hands leadership over and redirects the removal to the new leader), back
 * off on -TRYAGAIN (libraft takes one change at a time), and are checked
 * against the highest term seen. A change is a plain write: sent once, and
 * RDC_UNCERTAIN when its answer is lost. A transfer may safely be asked
 * again, so it is marked retry-safe: resent after a lost answer, and
 * RDC_UNCERTAIN only when no answer at all came before the deadline. LIST
 * is a read.
 *
 * The blocking calls run the asynchronous ones through rdc__sync_call.
 */
#include <stdlib.h>

#include "client/member_cmd.h"
#include "client/request.h"
#include "client/sync.h"

/* A configuration change of server id. */
static int change(rdc_async *a, enum rdc__member_verb verb, uint64_t id,
		  const char *raft_addr, const char *client_addr,
		  rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	if (id == 0 || (verb == RDC__MEMBER_ADD &&
			(raft_addr == NULL || client_addr == NULL ||
			 raft_addr[0] == '\0' || client_addr[0] == '\0')))
		return RDC_INVALID;
	r = rdc__req_new(a, RDC__OP_MEMBER, cb, data, &rc);
	if (r == NULL)
		return rc;
	return rdc__req_start(r, rdc__enc_member(&r->body, verb, id, raft_addr,
						 client_addr), 0);
}

int rdc_async_member_add(rdc_async *a, uint64_t id, const char *raft_addr,
			 const char *client_addr, rdc_async_cb cb, void *data)
{
	return change(a, RDC__MEMBER_ADD, id, raft_addr, client_addr, cb,
		      data);
}

int rdc_async_member_promote(rdc_async *a, uint64_t id, rdc_async_cb cb,
			     void *data)
{
	return change(a, RDC__MEMBER_PROMOTE, id, NULL, NULL, cb, data);
}

int rdc_async_member_demote(rdc_async *a, uint64_t id, rdc_async_cb cb,
			    void *data)
{
	return change(a, RDC__MEMBER_DEMOTE, id, NULL, NULL, cb, data);
}

int rdc_async_member_remove(rdc_async *a, uint64_t id, rdc_async_cb cb,
			    void *data)
{
	return change(a, RDC__MEMBER_REMOVE, id, NULL, NULL, cb, data);
}

int rdc_async_member_list(rdc_async *a, rdc_async_cb cb, void *data)
{
	rdc_async_req *r;
	int rc;

	r = rdc__req_new(a, RDC__OP_MLIST, cb, data, &rc);
	if (r == NULL)
		return rc;
	return rdc__req_start(r, rdc__enc_member_list(&r->body), 0);
}

int rdc_async_transfer(rdc_async *a, uint64_t id, rdc_async_cb cb,
		       void *data)
{
	rdc_async_req *r;
	int rc;

	r = rdc__req_new(a, RDC__OP_TRANSFER, cb, data, &rc);
	if (r == NULL)
		return rc;
	r->retry_safe = true;
	return rdc__req_start(r, rdc__enc_transfer(&r->body, id), 0);
}

/* ---- blocking ---------------------------------------------------------- */

/* The arguments of one blocking call, handed through rdc__sync_call. */
struct member_args {
	enum rdc__member_verb verb;
	uint64_t id;
	const char *raft_addr;
	const char *client_addr;
};

static int submit_change(rdc_async *a, const void *args, rdc_async_cb cb,
			 void *data)
{
	const struct member_args *m = args;

	return change(a, m->verb, m->id, m->raft_addr, m->client_addr, cb,
		      data);
}

static int submit_list(rdc_async *a, const void *args, rdc_async_cb cb,
		       void *data)
{
	(void)args;
	return rdc_async_member_list(a, cb, data);
}

/* For a blocking call whose own arguments are wrong: fails like any
 * refused submission, so the client's status and message say so. */
static int submit_invalid(rdc_async *a, const void *args, rdc_async_cb cb,
			  void *data)
{
	(void)a;
	(void)args;
	(void)cb;
	(void)data;
	return RDC_INVALID;
}

static int submit_transfer(rdc_async *a, const void *args, rdc_async_cb cb,
			   void *data)
{
	const struct member_args *m = args;

	return rdc_async_transfer(a, m->id, cb, data);
}

static int blocking_change(rdc_client *c, const struct member_args *m,
			   struct rdc_meta *meta)
{
	struct rdc__sync_out out;

	return rdc__sync_call(c, submit_change, m, &out, meta);
}

int rdc_member_add(rdc_client *c, uint64_t id, const char *raft_addr,
		   const char *client_addr, struct rdc_meta *meta)
{
	struct member_args m = {RDC__MEMBER_ADD, id, raft_addr, client_addr};

	return blocking_change(c, &m, meta);
}

int rdc_member_promote(rdc_client *c, uint64_t id, struct rdc_meta *meta)
{
	struct member_args m = {.verb = RDC__MEMBER_PROMOTE, .id = id};

	return blocking_change(c, &m, meta);
}

int rdc_member_demote(rdc_client *c, uint64_t id, struct rdc_meta *meta)
{
	struct member_args m = {.verb = RDC__MEMBER_DEMOTE, .id = id};

	return blocking_change(c, &m, meta);
}

int rdc_member_remove(rdc_client *c, uint64_t id, struct rdc_meta *meta)
{
	struct member_args m = {.verb = RDC__MEMBER_REMOVE, .id = id};

	return blocking_change(c, &m, meta);
}

int rdc_member_list(rdc_client *c, struct rdc_server **servers, size_t *n,
		    struct rdc_meta *meta)
{
	struct rdc__sync_out out;
	int rc;

	if (servers == NULL || n == NULL)
		return rdc__sync_call(c, submit_invalid, NULL, &out, meta);
	rc = rdc__sync_call(c, submit_list, NULL, &out, meta);
	*servers = out.block;
	*n = out.n;
	return rc;
}

void rdc_member_list_free(struct rdc_server *servers)
{
	free(servers);
}

int rdc_transfer(rdc_client *c, uint64_t id, uint64_t *new_leader,
		 struct rdc_meta *meta)
{
	struct member_args m = {.id = id};
	struct rdc__sync_out out;
	int rc = rdc__sync_call(c, submit_transfer, &m, &out, meta);

	if (new_leader != NULL)
		*new_leader = rc == RDC_OK ? (uint64_t)out.integer : 0;
	return rc;
}
