/* raftd/client.h - libraftd, the C client library for raftd.
 *
 * raftd is a Raft-replicated key-value service. This library finds the
 * leader among the endpoints it is given, follows redirects, retries what is
 * safe to retry, and reports honestly what is not: a write whose request left
 * this process but whose answer never came is reported as RDC_UNCERTAIN, never
 * as success or failure, and is never sent twice.
 *
 * Two interfaces share one implementation:
 *
 *  - the blocking one (rdc_client, rdc_put, rdc_get, ...): each call returns
 *    when the operation is finished or its deadline has passed. An rdc_client
 *    runs its own private libuv loop; it is not thread-safe (use one per
 *    thread, or serialise calls yourself).
 *
 *  - the asynchronous one (rdc_async, rdc_async_put, ...): bound to a libuv
 *    loop the caller runs; each call queues a request and returns at once;
 *    the callback runs later, from the loop, exactly once. Requests are
 *    pipelined on one connection and answered in order.
 *
 * Like any libuv program, a process using this library should ignore SIGPIPE
 * (signal(SIGPIPE, SIG_IGN)): writing to a connection the server has just
 * closed otherwise kills it instead of failing the request.
 *
 * Keys and values are byte strings with explicit lengths; they may contain
 * NUL bytes. Everything the library returns to the caller for keeping is
 * allocated with malloc and released with the matching free function named
 * beside the call.
 *
 * Retries. A request is sent to the remembered leader, or else to the
 * endpoints in turn. "-MOVED 0 host:port" sends it to that address at once
 * (even when the address is not in the endpoint list). "-TRYAGAIN", "-BUSY",
 * and a connection that fails before the request's bytes were handed to the
 * socket make the library wait (exponential backoff with jitter, capped)
 * and try again, until the deadline. Reads are also retried when the
 * connection breaks after they were sent. Writes never are.
 *
 * Terms. Every successful reply names the Raft term of the leader that
 * served it (struct rdc_meta). The library remembers the highest term seen
 * on a handle and refuses to go backwards: a reply from a lower term came from
 * a deposed leader; a read is then retried elsewhere, a write is reported as
 * RDC_UNCERTAIN.
 */
#ifndef RAFTD_CLIENT_H
#define RAFTD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. Every call returns one; RDC_OK is 0. */
enum rdc_status {
	RDC_OK = 0,
	RDC_NOTFOUND,    /* get: the key does not exist */
	RDC_CONDITION,   /* put NX/XX, cas, cas_index: the condition was not met;
			  * nothing was changed */
	RDC_UNCERTAIN,   /* a write was sent and its outcome is unknown: it may
			  * or may not have been applied (the connection broke,
			  * the deadline passed, the server said -UNCERTAIN,
			  * the reply came from a deposed leader or could not
			  * be read). Never retried by the library. */
	RDC_UNAVAILABLE, /* no leader answered before the deadline (or within
			  * max_attempts); the request was never applied */
	RDC_TIMEOUT,     /* a read was sent but its reply did not come before
			  * the deadline; nothing was changed */
	RDC_BADREQUEST,  /* the server rejected the request itself (-ERR,
			  * -TOOLARGE): retrying cannot help */
	RDC_PROTOCOL,    /* the server answered a read with something this
			  * library does not understand, or sent an error code
			  * the protocol does not define (a write answered
			  * unreadably is RDC_UNCERTAIN) */
	RDC_NOMEM,       /* out of memory */
	RDC_CANCELED,    /* the handle was closed before the request was sent,
			  * or while a read was in flight; nothing was changed */
	RDC_INVALID      /* bad argument, bad endpoint list, or the handle is
			  * closing */
};

/* A static, human-readable name for a status code ("outcome unknown" ...).
 * Never NULL; unknown codes give "unknown status". */
const char *rdc_strerror(int status);

/* Options; a zero field means "the default", so a zeroed struct (or NULL
 * wherever a const struct rdc_options * is taken) gives all defaults. */
struct rdc_options {
	unsigned deadline_ms;        /* per operation, including retries;
				      * default 5000 */
	unsigned connect_timeout_ms; /* per connection attempt; default 1000 */
	unsigned max_attempts;       /* sends/connection attempts per operation;
				      * default 0 = as many as the deadline
				      * allows */
	unsigned backoff_base_ms;    /* first retry waits about this; default 20 */
	unsigned backoff_cap_ms;     /* no wait is longer; default 1000 */
};

/* The Raft term of the leader that served a reply, and the log index behind
 * it: for a write, the index of the entry that applied it; for a read, the
 * applied index the read was served at. Both are 0 when no leader answered
 * (any status other than RDC_OK, RDC_NOTFOUND and RDC_CONDITION). */
struct rdc_meta {
	uint64_t term;
	uint64_t index;
};

/* One key and its value. create_index is the log index of the write that
 * created the key, mod_index that of the last write that changed it. The
 * byte strings are not NUL-terminated in asynchronous replies; in memory
 * returned by the blocking calls both are followed by a NUL byte (not counted
 * in klen/vlen), so text values can be printed directly. */
struct rdc_kv {
	const char *key;
	size_t klen;
	const char *value;
	size_t vlen;
	uint64_t create_index;
	uint64_t mod_index;
};

/* One cluster member as RD.STATUS reports it. Strings are NUL-terminated
 * ("" when the server did not send the field). role is "voter", "standby" or
 * "spare"; state is "leader", "follower", "candidate", "unavailable" or
 * "unknown" (other values may appear in newer servers: print them as they
 * are). reachable is 1 when the answering node could reach this member;
 * the numbers of a member it could not reach are not known and read 0. */
struct rdc_member {
	uint64_t id;
	const char *raft_addr;
	const char *client_addr;
	int reachable;
	const char *role;
	const char *state;
	uint64_t term;
	uint64_t commit_index;
	uint64_t applied_index;
	uint64_t last_index;
	uint64_t leader_id; /* 0 when the member knows no leader */
};

/* Flags for put. */
#define RDC_PUT_NX 1 /* only if the key does not exist */
#define RDC_PUT_XX 2 /* only if the key exists */

/* ------------------------------------------------------------------------
 * Blocking interface
 * --------------------------------------------------------------------- */

typedef struct rdc_client rdc_client;

/* Open a client for the cluster at endpoints, "host:port,host:port,...",
 * where host is an IPv4 literal or "localhost". Nothing is connected yet:
 * the first call finds the leader. opts may be NULL.
 *
 * Returns NULL only when memory runs out. Otherwise the handle may be in a
 * failed state: rdc_errcode() is then RDC_INVALID (bad endpoint list or
 * options) or RDC_NOMEM (no event loop could be created), rdc_errmsg() says
 * why, and every call on it returns that status. Either way the caller
 * releases it with rdc_close(). */
rdc_client *rdc_open(const char *endpoints, const struct rdc_options *opts);

/* Close the connections and free c. Safe with NULL. */
void rdc_close(rdc_client *c);

/* The status of the last call on c (or of rdc_open), and a one-line message
 * explaining it, including the server's own words when it sent some. The
 * string belongs to c and stays valid until the next call on c. */
int rdc_errcode(const rdc_client *c);
const char *rdc_errmsg(const rdc_client *c);

/* In all calls below, meta may be NULL; when not, it is always written
 * (zeros when no leader answered). Keys and values need not be
 * NUL-terminated. */

/* Set key to value. flags is 0, RDC_PUT_NX or RDC_PUT_XX.
 * RDC_OK, or RDC_CONDITION when NX/XX was not met. */
int rdc_put(rdc_client *c, const char *key, size_t klen, const char *value,
	    size_t vlen, int flags, struct rdc_meta *meta);

/* Read key. On RDC_OK, *kv points to one malloc'd block holding the entry
 * (key and value NUL-terminated); free it with rdc_free(). On any other
 * status *kv is NULL; RDC_NOTFOUND when the key does not exist. */
int rdc_get(rdc_client *c, const char *key, size_t klen, struct rdc_kv **kv,
	    struct rdc_meta *meta);

/* Delete nkeys keys (nkeys >= 1) in one atomic write. *removed (may be NULL)
 * receives how many existed. Deleting absent keys is RDC_OK. */
int rdc_del(rdc_client *c, size_t nkeys, const char *const *keys,
	    const size_t *klens, uint64_t *removed, struct rdc_meta *meta);

/* Set key to value only if its current value is expected.
 * RDC_OK, or RDC_CONDITION when the value differed (or the key is absent). */
int rdc_cas(rdc_client *c, const char *key, size_t klen, const char *expected,
	    size_t elen, const char *value, size_t vlen, struct rdc_meta *meta);

/* Set key to value only if its mod_index is mod_index; mod_index 0 means
 * "only if the key does not exist". RDC_OK or RDC_CONDITION. */
int rdc_cas_index(rdc_client *c, const char *key, size_t klen,
		  uint64_t mod_index, const char *value, size_t vlen,
		  struct rdc_meta *meta);

/* Add delta to the integer stored at key (absent counts as 0); *result
 * (may be NULL) receives the new value. RDC_BADREQUEST when the value is not
 * an integer or the sum would overflow. */
int rdc_incrby(rdc_client *c, const char *key, size_t klen, int64_t delta,
	       int64_t *result, struct rdc_meta *meta);

/* List keys starting with prefix (plen may be 0), in byte order, strictly
 * after after (NULL or alen 0: from the start), at most limit of them
 * (0: the server's default page, 1000; the server caps it at 10000). To get
 * the next page, call again with after = the last key returned. On RDC_OK,
 * *items is one malloc'd block of *n entries (NULL when *n is 0); free it
 * with rdc_list_free(). */
int rdc_list(rdc_client *c, const char *prefix, size_t plen, const char *after,
	     size_t alen, size_t limit, struct rdc_kv **items, size_t *n,
	     struct rdc_meta *meta);
void rdc_list_free(struct rdc_kv *items);

/* The cluster's members as one node sees them (the leader when one is
 * known). Status replies are diagnostic: they are not checked against the
 * highest term seen, so a partitioned node's view can still be read. On
 * RDC_OK *members is one malloc'd block of *n entries; free it with
 * rdc_status_free(). */
int rdc_status(rdc_client *c, struct rdc_member **members, size_t *n,
	       struct rdc_meta *meta);
void rdc_status_free(struct rdc_member *members);

/* Free memory returned by rdc_get. Safe with NULL. */
void rdc_free(void *p);

/* ------------------------------------------------------------------------
 * Asynchronous interface (libuv)
 * --------------------------------------------------------------------- */

typedef struct rdc_async rdc_async;

/* One request in flight. The library allocates it when a call succeeds and
 * frees it when the callback returns: the pointer is valid only inside the
 * callback, and the caller never frees it. */
typedef struct rdc_async_req rdc_async_req;

/* The outcome of a request, valid only during the callback (copy what you
 * keep: strings and arrays point into the library's buffers). */
struct rdc_reply {
	struct rdc_meta meta;    /* see struct rdc_meta */
	const char *errmsg;      /* one line explaining a status other than
				  * RDC_OK; "" on RDC_OK. Never NULL. */
	int64_t integer;         /* put/cas/cas_index: 1 on RDC_OK, 0 on
				  * RDC_CONDITION; del: keys removed;
				  * incrby: the new value */
	const struct rdc_kv *kv; /* get: the entry; NULL when absent */
	const struct rdc_kv *items;        /* list */
	size_t nitems;
	const struct rdc_member *members;  /* status */
	size_t nmembers;
};

/* Called exactly once per request that was queued, from the loop, with the
 * final status (see enum rdc_status) and r never NULL. The callback may
 * submit new requests and may call rdc_async_close(). */
typedef void (*rdc_async_cb)(rdc_async_req *req, int status,
			     const struct rdc_reply *r);

/* Called once, from the loop, when a closed handle has released every
 * resource; the handle is freed after it returns. */
typedef void (*rdc_async_close_cb)(void *data);

/* Create a handle bound to loop (which must outlive it). Endpoints and
 * options as for rdc_open. Returns NULL only when memory runs out or loop is
 * NULL; a handle
 * with invalid endpoints or options is returned in a failed state
 * (rdc_async_errcode() is RDC_INVALID; submissions return RDC_INVALID).
 * Every handle returned must be closed with rdc_async_close(). While it has
 * a connection open the handle keeps the loop alive. */
rdc_async *rdc_async_open(uv_loop_t *loop, const char *endpoints,
			  const struct rdc_options *opts);
int rdc_async_errcode(const rdc_async *a);
const char *rdc_async_errmsg(const rdc_async *a);

/* Close the handle. Requests still unfinished get their callbacks before
 * this function returns: writes already sent with RDC_UNCERTAIN, everything
 * else with RDC_CANCELED. close_cb (may be NULL) runs later, from the loop,
 * once all connections and timers are closed; then the handle is freed. A
 * second call is ignored. */
void rdc_async_close(rdc_async *a, rdc_async_close_cb close_cb, void *data);

/* The data pointer given when the request was submitted. */
void *rdc_async_req_data(const rdc_async_req *req);

/* Submissions. Each copies its arguments (the caller may free them at once)
 * and returns RDC_OK when the request was queued, and then cb will be called
 * exactly once; or an error (RDC_INVALID, RDC_NOMEM), and then cb is never
 * called. Statuses and results are those of the blocking calls of the same
 * name, delivered through struct rdc_reply. */
int rdc_async_put(rdc_async *a, const char *key, size_t klen,
		  const char *value, size_t vlen, int flags, rdc_async_cb cb,
		  void *data);
int rdc_async_get(rdc_async *a, const char *key, size_t klen, rdc_async_cb cb,
		  void *data);
int rdc_async_del(rdc_async *a, size_t nkeys, const char *const *keys,
		  const size_t *klens, rdc_async_cb cb, void *data);
int rdc_async_cas(rdc_async *a, const char *key, size_t klen,
		  const char *expected, size_t elen, const char *value,
		  size_t vlen, rdc_async_cb cb, void *data);
int rdc_async_cas_index(rdc_async *a, const char *key, size_t klen,
			uint64_t mod_index, const char *value, size_t vlen,
			rdc_async_cb cb, void *data);
int rdc_async_incrby(rdc_async *a, const char *key, size_t klen,
		     int64_t delta, rdc_async_cb cb, void *data);
int rdc_async_list(rdc_async *a, const char *prefix, size_t plen,
		   const char *after, size_t alen, size_t limit,
		   rdc_async_cb cb, void *data);
int rdc_async_status(rdc_async *a, rdc_async_cb cb, void *data);

#ifdef __cplusplus
}
#endif

#endif
