/* raftd/client.h - libraftd, the C client library for raftd.
 *
 * raftd is a Raft-replicated key-value service. This library finds the
 * leader among the endpoints it is given, follows redirects, retries what is
 * safe to retry, and reports honestly what is not: a plain write whose
 * request left this process but whose answer never came is reported as
 * RDC_UNCERTAIN, never as success or failure, and is never sent twice.
 * Writes issued through an exactly-once session (below) are the exception:
 * they carry a sequence number, so they are retried until they are answered.
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
 * connection breaks after they were sent, or when one attempt has had no
 * reply for read_attempt_ms (the connection is then abandoned). Plain
 * writes never are.
 *
 * Read consistency (docs/consistency.md). Every read names a mode:
 *  - RDC_LINEARIZABLE: served by the leader after a barrier; reflects every
 *    write acknowledged before the read was sent.
 *  - RDC_SESSION: served by any endpoint once it has applied the highest log
 *    index this handle has seen in any reply (its own writes and reads): the
 *    handle reads its own writes and never sees the state go backwards. A
 *    node that lags answers -TRYAGAIN after a bounded wait; the read then
 *    moves to the next endpoint, and backs off once every endpoint refused.
 *  - RDC_STALE: served by any endpoint at once, from whatever it has
 *    applied. struct rdc_meta says how far behind that was.
 * Session and stale reads go to the endpoints round-robin (each endpoint
 * keeps its own connection) and never follow redirects: they are for
 * spreading reads over the cluster, so they never end up at the leader just
 * because a node named it.
 *
 * Terms. Every successful reply names the Raft term of the node that served
 * it (struct rdc_meta). The library remembers the highest term seen in
 * leader-served replies and refuses to go backwards: a reply from a lower
 * term came from a deposed leader; a linearizable read is then retried
 * elsewhere, a plain write is reported as RDC_UNCERTAIN. Session and stale
 * reads are not checked (a follower that is behind is exactly what they may
 * read from) and do not raise the remembered term (a partitioned node's term
 * can run ahead of the real leader's). Neither are replies to sequenced
 * writes: a retried sequence number is answered with the reply it got the
 * first time, term included, even after leadership has moved on.
 *
 * Exactly-once sessions (docs/protocol.md). A session is registered through
 * the log and identified by a number. Every write issued through one is sent
 * as "RD.SEQ sid seq ack <write>": seq numbers the logical operation (the
 * same on every retry of it) and ack tells the server which replies the
 * client will never ask for again. A sequenced write whose answer was lost
 * (the connection broke, the server said -UNCERTAIN) is therefore resent
 * until its deadline, and the caller gets the result of the first
 * application. A session that has no command applied for its timeout
 * expires on every replica; the library never re-opens one behind the
 * caller's back: the caller gets RDC_SESSION_EXPIRED and decides.
 *
 * Locks and fencing. A session may hold named locks; acquiring one returns
 * a fencing token (the log index of the acquisition, strictly increasing
 * across holders). A write guarded with struct rdc_write_opts' fence is
 * applied only while its token is the newest one issued for that lock, so a
 * holder that was paused past its session's expiry cannot clobber the work
 * of the next holder: its guarded writes fail with RDC_FENCED.
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
			  * lock: another session holds it; unlock: this
			  * session does not hold it. Nothing was changed */
	RDC_UNCERTAIN,   /* a write was sent and its outcome is unknown: it may
			  * or may not have been applied (the connection broke,
			  * the deadline passed, the server said -UNCERTAIN,
			  * the reply came from a deposed leader or could not
			  * be read). Plain writes are never retried by the
			  * library; sequenced writes are, until the deadline. */
	RDC_UNAVAILABLE, /* no node answered before the deadline (or within
			  * max_attempts); the request was never applied */
	RDC_TIMEOUT,     /* a read was sent but its reply did not come before
			  * the deadline; nothing was changed */
	RDC_BADREQUEST,  /* the server rejected the request itself (-ERR,
			  * -TOOLARGE, -BADSEQ): retrying cannot help */
	RDC_PROTOCOL,    /* the server answered a read with something this
			  * library does not understand, or sent an error code
			  * the protocol does not define (a write answered
			  * unreadably is RDC_UNCERTAIN) */
	RDC_NOMEM,       /* out of memory */
	RDC_CANCELED,    /* the handle was closed before the request was sent,
			  * or while a read was in flight; nothing was changed */
	RDC_INVALID,     /* bad argument, bad endpoint list, the handle is
			  * closing, or the session belongs to another handle
			  * or is being closed */
	RDC_SESSION_EXPIRED, /* the session is unknown to the cluster (it
			  * expired, was closed, or never existed): this request
			  * was not applied, and the session's locks are gone.
			  * Every later use of the session gets this status at
			  * once. Open a new session to go on. */
	RDC_FENCED       /* a fenced write's token is older than the newest
			  * token issued for its lock (another holder has taken
			  * the lock since): nothing was changed */
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
	unsigned read_attempt_ms;    /* reads: how long one attempt waits for
				      * its reply before the read is sent to
				      * another node (a node that stopped, or
				      * a leader cut off from the others);
				      * default 2000, longer than a node's
				      * bounded wait for a session read */
};

/* Read consistency modes (see the top of this file). */
enum rdc_consistency {
	RDC_LINEARIZABLE = 0, /* the default */
	RDC_SESSION,
	RDC_STALE
};

#define RDC_ADDR_MAX 64

/* Where a reply came from and what backs it. All fields are 0 ("" for
 * served_by) when no node answered (any status other than RDC_OK,
 * RDC_NOTFOUND and RDC_CONDITION). */
struct rdc_meta {
	uint64_t term;   /* the Raft term of the node that served it */
	uint64_t index;  /* writes: the log index of the entry that applied
			  * it; reads: the applied index the read was served
			  * at */
	/* Session and stale reads only (0 otherwise): */
	uint64_t lag;             /* entries the serving node knew to be
				   * committed but had not applied */
	uint64_t last_contact_ms; /* how long ago the serving node last heard
				   * from the leader (0 on the leader) */
	char served_by[RDC_ADDR_MAX]; /* "host:port" of the node that
				       * answered */
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
 * the numbers of a member it could not reach are not known and read 0.
 *
 * Lag behind the leader, as MongoDB's rs.status() shows it (lag_known is 0,
 * and both read 0, when no leader or not this member answered, or the
 * member has applied no command yet): lag_entries is the leader's last log
 * index minus the member's applied index; lag_ms is how much older the
 * member's state is than the leader's, in cluster time (the leader's clock
 * stamped into each command: 0 on an idle cluster; right after a write
 * that ends a quiet spell, a member that has not applied it yet shows the
 * length of the spell). contact_ms is how long ago the member last heard
 * from a leader (0 on the leader). */
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
	uint64_t contact_ms;
	int lag_known;
	uint64_t lag_entries;
	uint64_t lag_ms;
};

/* One server of the cluster's configuration, as rdc_member_list reports
 * it. The strings are NUL-terminated; client_addr is "" when the answering
 * node does not know it; role is "voter", "standby" or "spare". */
struct rdc_server {
	uint64_t id;
	const char *raft_addr;
	const char *client_addr;
	const char *role;
};

/* Flags for put. */
#define RDC_PUT_NX 1 /* only if the key does not exist */
#define RDC_PUT_XX 2 /* only if the key exists */

/* An exactly-once session; see rdc_session_open / rdc_async_session_open.
 * A session belongs to the handle it was opened or attached on and may only
 * be used with that handle's calls. */
typedef struct rdc_session rdc_session;

/* How a write is issued. NULL (or a zeroed struct) is a plain write. The
 * fields combine: a write may be both sequenced and fenced. */
struct rdc_write_opts {
	rdc_session *session;   /* sequence the write in this session */
	const char *fence_lock; /* guard the write with this lock's token; */
	size_t fence_len;       /* NULL: no fence (fence_len bytes of name) */
	uint64_t fence_token;
};

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

/* Close the connections and free c, and every session still open on it
 * (locally: the sessions themselves live on in the cluster until they
 * expire; close them first with rdc_session_close to release their locks at
 * once). Safe with NULL. */
void rdc_close(rdc_client *c);

/* The status of the last call on c (or of rdc_open), and a one-line message
 * explaining it, including the server's own words when it sent some. The
 * string belongs to c and stays valid until the next call on c. */
int rdc_errcode(const rdc_client *c);
const char *rdc_errmsg(const rdc_client *c);

/* The highest log index seen in any trusted reply on c (writes, reads of
 * every mode, session commands), which is what session reads send.
 * rdc_observe_index raises it (never lowers it): use it to carry
 * read-your-writes across handles or processes, e.g. with an index another
 * client printed. */
uint64_t rdc_last_index(const rdc_client *c);
void rdc_observe_index(rdc_client *c, uint64_t index);

/* In all calls below, meta may be NULL; when not, it is always written
 * (zeros when no node answered). Keys and values need not be
 * NUL-terminated. w (may be NULL) says how a write is issued; its session,
 * if any, must have been opened on c.
 *
 * Before each call, the client sends a keepalive for every session open on
 * it that has been idle for more than a third of its timeout (pipelined
 * with the call, and waited for), so a session stays alive as long as its
 * client keeps making calls. Between calls nothing runs: a client idle for
 * longer than a session's timeout loses the session. */

/* Set key to value. flags is 0, RDC_PUT_NX or RDC_PUT_XX.
 * RDC_OK, or RDC_CONDITION when NX/XX was not met. */
int rdc_put(rdc_client *c, const char *key, size_t klen, const char *value,
	    size_t vlen, int flags, const struct rdc_write_opts *w,
	    struct rdc_meta *meta);

/* Read key in the given mode. On RDC_OK, *kv points to one malloc'd block
 * holding the entry (key and value NUL-terminated); free it with rdc_free().
 * On any other status *kv is NULL; RDC_NOTFOUND when the key does not
 * exist. */
int rdc_get(rdc_client *c, const char *key, size_t klen,
	    enum rdc_consistency mode, struct rdc_kv **kv,
	    struct rdc_meta *meta);

/* Delete nkeys keys (nkeys >= 1) in one atomic write. *removed (may be NULL)
 * receives how many existed. Deleting absent keys is RDC_OK. */
int rdc_del(rdc_client *c, size_t nkeys, const char *const *keys,
	    const size_t *klens, const struct rdc_write_opts *w,
	    uint64_t *removed, struct rdc_meta *meta);

/* Set key to value only if its current value is expected.
 * RDC_OK, or RDC_CONDITION when the value differed (or the key is absent). */
int rdc_cas(rdc_client *c, const char *key, size_t klen, const char *expected,
	    size_t elen, const char *value, size_t vlen,
	    const struct rdc_write_opts *w, struct rdc_meta *meta);

/* Set key to value only if its mod_index is mod_index; mod_index 0 means
 * "only if the key does not exist". RDC_OK or RDC_CONDITION. */
int rdc_cas_index(rdc_client *c, const char *key, size_t klen,
		  uint64_t mod_index, const char *value, size_t vlen,
		  const struct rdc_write_opts *w, struct rdc_meta *meta);

/* Add delta to the integer stored at key (absent counts as 0); *result
 * (may be NULL) receives the new value. RDC_BADREQUEST when the value is not
 * an integer or the sum would overflow. */
int rdc_incrby(rdc_client *c, const char *key, size_t klen, int64_t delta,
	       const struct rdc_write_opts *w, int64_t *result,
	       struct rdc_meta *meta);

/* Append value to the bytes stored at key (absent counts as empty);
 * *length (may be NULL) receives the new length of the value. */
int rdc_append(rdc_client *c, const char *key, size_t klen, const char *value,
	       size_t vlen, const struct rdc_write_opts *w, uint64_t *length,
	       struct rdc_meta *meta);

/* List keys starting with prefix (plen may be 0), in byte order, strictly
 * after after (NULL or alen 0: from the start), at most limit of them
 * (0: the server's default page, 1000; the server caps it at 10000), read
 * in the given mode. To get the next page, call again with after = the last
 * key returned. On RDC_OK, *items is one malloc'd block of *n entries (NULL
 * when *n is 0); free it with rdc_list_free(). */
int rdc_list(rdc_client *c, const char *prefix, size_t plen, const char *after,
	     size_t alen, size_t limit, enum rdc_consistency mode,
	     struct rdc_kv **items, size_t *n, struct rdc_meta *meta);
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

/* ---- membership (blocking) ----
 *
 * Changes go to the leader (redirects are followed); libraft makes one at
 * a time, so a change refused with -TRYAGAIN (another change in progress,
 * or a new leader that has not committed an entry yet) is retried with
 * backoff until the deadline. A change is a write: once sent, a lost answer
 * is RDC_UNCERTAIN and it is not sent again (the caller can look with
 * rdc_member_list and decide). On RDC_OK meta->index is the log index of
 * the configuration entry (for a removal, of the member-table entry that
 * completes it) and meta->term the leader's term. A change the server
 * refuses (no such member, already that role, a bad address) is
 * RDC_BADREQUEST with the server's words in rdc_errmsg(). */

/* Add server id (> 0) as a standby: raft_addr is where the other members
 * reach it, client_addr where clients do (both "host:port"). It must be
 * running, started with --join and an empty data directory; it then
 * receives the log (or a snapshot) and serves session and stale reads, but
 * does not vote. */
int rdc_member_add(rdc_client *c, uint64_t id, const char *raft_addr,
		   const char *client_addr, struct rdc_meta *meta);
/* Make standby (or spare) id a voter; libraft first lets it catch up. */
int rdc_member_promote(rdc_client *c, uint64_t id, struct rdc_meta *meta);
/* Make voter id a standby (it keeps replicating, stops voting). */
int rdc_member_demote(rdc_client *c, uint64_t id, struct rdc_meta *meta);
/* Remove id from the cluster. Removing the leader makes it hand leadership
 * to another voter first; the library then sends the removal to the new
 * leader. Stop the removed process afterwards. */
int rdc_member_remove(rdc_client *c, uint64_t id, struct rdc_meta *meta);

/* The servers of the cluster's configuration as one node sees it (the
 * remembered leader, or the first endpoint that answers). On RDC_OK
 * *servers is one malloc'd block of *n entries (NULL when *n is 0), which
 * the caller frees with rdc_member_list_free(). */
int rdc_member_list(rdc_client *c, struct rdc_server **servers, size_t *n,
		    struct rdc_meta *meta);
void rdc_member_list_free(struct rdc_server *servers);

/* Hand leadership to voter id, or with id 0 to the most up-to-date voter.
 * On RDC_OK *new_leader (may be NULL) is the id of the node that leads now
 * (which may differ from id if another node won the election). When
 * leadership did not move, the server says -TRYAGAIN and the transfer is
 * retried until the deadline; the status is then RDC_UNAVAILABLE (nothing
 * moved) and rdc_errmsg() has the server's words. A transfer whose answer
 * was lost is sent again (asking twice does no harm); if no answer comes
 * before the deadline, leadership may or may not have moved: RDC_UNCERTAIN
 * (rdc_status tells). */
int rdc_transfer(rdc_client *c, uint64_t id, uint64_t *new_leader,
		 struct rdc_meta *meta);

/* ---- sessions, locks (blocking) ---- */

/* Open a session whose timeout is timeout_ms (0: 30000; the server accepts
 * 1000..3600000). On RDC_OK *s is the session; release it with
 * rdc_session_close (or rdc_session_free). Open is retried like a sequenced
 * write: a lost reply may leave an unused session behind, which expires. */
int rdc_session_open(rdc_client *c, unsigned timeout_ms, rdc_session **s,
		     struct rdc_meta *meta);

/* Use, on c, a session opened elsewhere (another handle or process): id
 * and timeout_ms as it was opened with, next_seq the sequence number the
 * next write through it will carry (>= 1; sequence numbers used before by
 * anyone must not be reused for different operations). Sends nothing.
 * Returns the session, or NULL (bad argument, or out of memory). */
rdc_session *rdc_session_attach(rdc_client *c, uint64_t id,
				unsigned timeout_ms, uint64_t next_seq);

/* Tell the cluster the session is still in use. RDC_OK, or
 * RDC_SESSION_EXPIRED when it is gone. */
int rdc_session_keepalive(rdc_session *s, struct rdc_meta *meta);

/* Close the session in the cluster (releasing its locks) and free s, whatever
 * the outcome: RDC_OK (also when a retry found it already gone after an
 * attempt whose reply was lost), RDC_SESSION_EXPIRED when it had expired
 * before, or another status when the cluster could not be reached (the
 * session then expires by itself). */
int rdc_session_close(rdc_session *s, struct rdc_meta *meta);

/* Acquire the lock name for session s. On RDC_OK *token (may be NULL) is the
 * fencing token (the same one again if s already holds it). RDC_CONDITION
 * (*token 0) when another session holds it and wait_ms has passed: wait_ms 0
 * tries once; otherwise the library retries with backoff until the lock is
 * free or wait_ms has passed. */
int rdc_lock(rdc_session *s, const char *name, size_t nlen, unsigned wait_ms,
	     uint64_t *token, struct rdc_meta *meta);

/* Release the lock name held by s. RDC_OK, or RDC_CONDITION when s does not
 * hold it. When an attempt's reply was lost and the retry finds the lock not
 * held, the result is RDC_OK: either way s no longer holds it. */
int rdc_unlock(rdc_session *s, const char *name, size_t nlen,
	       struct rdc_meta *meta);

/* ---- sessions (both interfaces) ---- */

uint64_t rdc_session_id(const rdc_session *s);
/* The timeout the session was opened (or attached) with, in ms. */
unsigned rdc_session_timeout_ms(const rdc_session *s);
/* The sequence number the next write through s will carry. */
uint64_t rdc_session_next_seq(const rdc_session *s);
/* 1 once the cluster has said the session is gone, else 0. */
int rdc_session_expired(const rdc_session *s);

/* Forget s locally without telling the cluster (it lives on until it is
 * closed elsewhere or expires). Requests in flight through s finish
 * normally. Safe with NULL. */
void rdc_session_free(rdc_session *s);

/* ---- backup (docs/backup.md) ----
 *
 * A backup is the whole state of the cluster (keys, sessions, locks,
 * members) as of a linearizable point: it holds every write acknowledged
 * before the save began. It is one file (LZ4-compressed, checksummed) that
 * `raftd --restore FILE` turns into a new cluster. */
struct rdc_snapshot_info {
	unsigned format_version;
	uint64_t term;       /* the term the state was taken in */
	uint64_t index;      /* the log index the state reflects */
	uint64_t created_ms; /* when it was taken (Unix time, ms) */
	uint64_t node_id;    /* the leader that took it */
	uint64_t file_bytes; /* the backup file */
	uint64_t raw_bytes;  /* the snapshot inside, uncompressed */
	uint64_t keys;
	uint64_t data_bytes; /* key and value bytes */
	uint64_t sessions;
	uint64_t locks;
	uint64_t members;
};

/* Take a backup from the leader of the cluster at endpoints (as for
 * rdc_open; opts may be NULL: deadline_ms, default 30000, bounds finding
 * the leader and each chunk; the leader's encoding of the state may take
 * up to 10 minutes more) and write it to path: first to path.tmp, which is
 * checked completely, fsync'd and renamed, so path is only ever replaced by
 * a complete, valid backup. Runs on the calling thread; opens its own
 * connection. Returns RDC_OK with *info (may be NULL) filled in; otherwise
 * a status (RDC_UNAVAILABLE: no leader answered in time or the connection
 * broke; RDC_INVALID: bad endpoints or the file cannot be written;
 * RDC_BADREQUEST: the server refused; RDC_PROTOCOL: an unexpected reply or
 * damaged data) with a one-line reason in errmsg[0..errlen). */
int rdc_snapshot_save(const char *endpoints, const struct rdc_options *opts,
		      const char *path, struct rdc_snapshot_info *info,
		      char *errmsg, size_t errlen);

/* Check the backup file at path completely (checksum, compressed frame and
 * every field of the state inside) and describe it in *info. RDC_OK, or
 * RDC_INVALID with the reason (truncated, damaged, not a backup, ...) in
 * errmsg. */
int rdc_snapshot_inspect(const char *path, struct rdc_snapshot_info *info,
			 char *errmsg, size_t errlen);

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
				  * incrby: the new value; append: the new
				  * length; lock: the token (0 on
				  * RDC_CONDITION); unlock: 1 or 0;
				  * session open: the session id;
				  * transfer: the new leader's id */
	const struct rdc_kv *kv; /* get: the entry; NULL when absent */
	const struct rdc_kv *items;        /* list */
	size_t nitems;
	const struct rdc_member *members;  /* status */
	size_t nmembers;
	const struct rdc_server *servers;  /* member list */
	size_t nservers;
	rdc_session *session;    /* session open, on RDC_OK: the new session,
				  * owned by the caller from now on (release
				  * it with rdc_async_session_close or
				  * rdc_session_free) */
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
 * a connection or a session open the handle keeps the loop alive. */
rdc_async *rdc_async_open(uv_loop_t *loop, const char *endpoints,
			  const struct rdc_options *opts);
int rdc_async_errcode(const rdc_async *a);
const char *rdc_async_errmsg(const rdc_async *a);

/* As rdc_last_index / rdc_observe_index. */
uint64_t rdc_async_last_index(const rdc_async *a);
void rdc_async_observe_index(rdc_async *a, uint64_t index);

/* Close the handle. Requests still unfinished get their callbacks before
 * this function returns: writes already sent with RDC_UNCERTAIN, everything
 * else with RDC_CANCELED. Sessions still open on the handle are freed
 * (locally, as rdc_session_free does: the pointers become invalid). close_cb
 * (may be NULL) runs later, from the loop, once all connections and timers
 * are closed; then the handle is freed. A second call is ignored. */
void rdc_async_close(rdc_async *a, rdc_async_close_cb close_cb, void *data);

/* The data pointer given when the request was submitted. */
void *rdc_async_req_data(const rdc_async_req *req);

/* Submissions. Each copies its arguments (the caller may free them at once)
 * and returns RDC_OK when the request was queued, and then cb will be called
 * exactly once; or an error (RDC_INVALID, RDC_NOMEM), and then cb is never
 * called. Statuses and results are those of the blocking calls of the same
 * name, delivered through struct rdc_reply. */
int rdc_async_put(rdc_async *a, const char *key, size_t klen,
		  const char *value, size_t vlen, int flags,
		  const struct rdc_write_opts *w, rdc_async_cb cb, void *data);
int rdc_async_get(rdc_async *a, const char *key, size_t klen,
		  enum rdc_consistency mode, rdc_async_cb cb, void *data);
int rdc_async_del(rdc_async *a, size_t nkeys, const char *const *keys,
		  const size_t *klens, const struct rdc_write_opts *w,
		  rdc_async_cb cb, void *data);
int rdc_async_cas(rdc_async *a, const char *key, size_t klen,
		  const char *expected, size_t elen, const char *value,
		  size_t vlen, const struct rdc_write_opts *w, rdc_async_cb cb,
		  void *data);
int rdc_async_cas_index(rdc_async *a, const char *key, size_t klen,
			uint64_t mod_index, const char *value, size_t vlen,
			const struct rdc_write_opts *w, rdc_async_cb cb,
			void *data);
int rdc_async_incrby(rdc_async *a, const char *key, size_t klen,
		     int64_t delta, const struct rdc_write_opts *w,
		     rdc_async_cb cb, void *data);
int rdc_async_append(rdc_async *a, const char *key, size_t klen,
		     const char *value, size_t vlen,
		     const struct rdc_write_opts *w, rdc_async_cb cb,
		     void *data);
int rdc_async_list(rdc_async *a, const char *prefix, size_t plen,
		   const char *after, size_t alen, size_t limit,
		   enum rdc_consistency mode, rdc_async_cb cb, void *data);
int rdc_async_status(rdc_async *a, rdc_async_cb cb, void *data);
/* Membership: as the blocking calls of the same name. */
int rdc_async_member_add(rdc_async *a, uint64_t id, const char *raft_addr,
			 const char *client_addr, rdc_async_cb cb, void *data);
int rdc_async_member_promote(rdc_async *a, uint64_t id, rdc_async_cb cb,
			     void *data);
int rdc_async_member_demote(rdc_async *a, uint64_t id, rdc_async_cb cb,
			    void *data);
int rdc_async_member_remove(rdc_async *a, uint64_t id, rdc_async_cb cb,
			    void *data);
int rdc_async_member_list(rdc_async *a, rdc_async_cb cb, void *data);
int rdc_async_transfer(rdc_async *a, uint64_t id, rdc_async_cb cb,
		       void *data);

/* Sessions. An asynchronous session keeps itself alive: a timer sends a
 * keepalive whenever the session has been idle for a third of its timeout.
 * When the cluster says it is gone, the timer stops, the on_expired callback
 * (if set) runs once, and every later use gets RDC_SESSION_EXPIRED. */
int rdc_async_session_open(rdc_async *a, unsigned timeout_ms,
			   rdc_async_cb cb, void *data);
rdc_session *rdc_async_session_attach(rdc_async *a, uint64_t id,
				      unsigned timeout_ms, uint64_t next_seq);
typedef void (*rdc_session_expired_cb)(rdc_session *s, void *data);
void rdc_async_session_on_expired(rdc_session *s, rdc_session_expired_cb cb,
				  void *data);
int rdc_async_session_keepalive(rdc_session *s, rdc_async_cb cb, void *data);
/* Close the session in the cluster. On RDC_OK s may no longer be used by the
 * caller (it is freed once the close and every request through it are
 * finished); cb gets the outcome as rdc_session_close describes it. */
int rdc_async_session_close(rdc_session *s, rdc_async_cb cb, void *data);
/* wait_ms as for rdc_lock; r->integer is the token. */
int rdc_async_lock(rdc_session *s, const char *name, size_t nlen,
		   unsigned wait_ms, rdc_async_cb cb, void *data);
int rdc_async_unlock(rdc_session *s, const char *name, size_t nlen,
		     rdc_async_cb cb, void *data);

#ifdef __cplusplus
}
#endif

#endif
