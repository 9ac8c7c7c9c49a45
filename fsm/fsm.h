/* fsm.h - raftd's replicated state machine: an ordered key-value map.
 *
 * This is a plain library: no event loop, no raft and no sockets. Commands
 * come in as encoded batches (the payload of one raft log entry), results
 * come out as plain structs. Every replica applying the same batches at the
 * same indexes ends in the same state: nothing here reads a clock, a random
 * source or anything else outside its arguments.
 *
 * Each key carries the log index that created it (create_index) and the one
 * that last changed it (mod_index). Keys and values are arbitrary bytes.
 *
 * A batch that cannot be decoded is never an error for the caller (raft turns
 * an apply error into a permanently unavailable node): each command that
 * cannot be understood gets the result FSM_BAD_COMMAND and changes nothing.
 */
#ifndef RD_FSM_H
#define RD_FSM_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

typedef struct fsm fsm;

/* Hard limits that the decoder enforces on every replica. The protocol layer
 * enforces its own (configurable, smaller or equal) limits before encoding. */
#define FSM_MAX_KEY (64u * 1024)
#define FSM_MAX_VALUE (16u * 1024 * 1024)
#define FSM_MAX_ARGS 65536u
#define FSM_MAX_ADDR 255u /* a member's raft or client address */

enum fsm_op {
	FSM_OP_NOOP = 0,
	FSM_OP_PUT = 1,       /* args: key value; flags NX/XX */
	FSM_OP_DEL = 2,       /* args: key...; result num = keys removed */
	FSM_OP_CAS = 3,       /* args: key expected new: set if value == expected */
	FSM_OP_CAS_INDEX = 4, /* args: key new; num = expected mod_index (0: absent) */
	FSM_OP_INCRBY = 5,    /* args: key; num = delta; value is decimal int64 */
	FSM_OP_MPUT = 6,      /* args: key value key value ...: all or nothing */
	FSM_OP_APPEND = 7,    /* args: key value; appends bytes (absent = empty);
				 result num = new length; a result longer
				 than FSM_MAX_VALUE is FSM_BAD_COMMAND */
	FSM_OP_SESSION_OPEN = 8,      /* no args; num = timeout ms (1000..3600000,
					 else FSM_BAD_COMMAND); result num =
					 the new session id (1, 2, 3, ...) */
	FSM_OP_SESSION_KEEPALIVE = 9, /* no args; num = session id; result 1 */
	FSM_OP_SESSION_CLOSE = 10,    /* no args; num = session id; its locks are
					 released; result 1 */
	FSM_OP_LOCK = 11,     /* args: lock name; num = session id; result num =
				 the fencing token (the holder's), or on
				 FSM_COND_FAILED the holding session's id */
	FSM_OP_UNLOCK = 12,   /* args: lock name; num = session id; result 1,
				 or FSM_COND_FAILED (num 0) when that session
				 does not hold it */
	FSM_OP_MEMBER_SET = 13, /* args: raft address, client address; num =
				   raft server id (>= 1); each address 1 ..
				   FSM_MAX_ADDR bytes; inserts or replaces;
				   result 1 */
	FSM_OP_MEMBER_DEL = 14, /* no args; num = raft server id (>= 1);
				   result 1 when it was known, else 0 */
	FSM_OP__COUNT
};

/* Command flags beyond an op's own (FSM_PUT_NX/XX use the low bits). */
enum fsm_cmd_flags {
	FSM_F_SESSION = 0x40, /* cmd.session/seq/ack are set: exactly-once */
	FSM_F_FENCE = 0x80    /* cmd.fence_lock/fence_token are set: guarded */
};

enum fsm_put_flags {
	FSM_PUT_NX = 1, /* only if absent */
	FSM_PUT_XX = 2  /* only if present */
};

enum fsm_status {
	FSM_OK = 0,
	FSM_COND_FAILED = 1, /* NX/XX/CAS condition not met; nothing changed */
	FSM_NOT_INTEGER = 2, /* INCRBY on a value that is not a decimal int64 */
	FSM_OVERFLOW = 3,    /* INCRBY would overflow int64 */
	FSM_BAD_COMMAND = 4, /* undecodable or invalid command; nothing changed */
	FSM_SESSION_EXPIRED = 5, /* unknown or expired session; nothing changed */
	FSM_BAD_SEQ = 6,     /* seq below the session's ack, too far ahead, or
				too many unacknowledged replies held */
	FSM_FENCED = 7       /* fence token older than the lock's newest (or
				never issued); nothing changed */
};

struct fsm_slice {
	const void *p;
	size_t len;
};

/* One command, as the proposer builds it; args point to caller memory.
 *
 * Exactly-once (FSM_F_SESSION): a write carrying (session, seq) is applied
 * at most once per (session, seq). The fsm keeps each session's results for
 * the seqs at or above its `ack` (the client has received every reply below
 * ack, and the fsm forgets those); a repeated seq gets the stored result,
 * with the index of its first application and `dup` set. A seq below the
 * session's ack, more than FSM_SEQ_WINDOW above the highest seen, or beyond
 * FSM_SESSION_MAX_PENDING stored results is FSM_BAD_SEQ. Every command of a
 * session, and KEEPALIVE, refresh its expiry. The session ops themselves are
 * not sequenced (OPEN returns a new id each time; KEEPALIVE, CLOSE, LOCK and
 * UNLOCK are idempotent for their session).
 *   Details: seqs count from 1 (a new session's ack is 1, so seq 0 is
 * FSM_BAD_SEQ); the ack that counts is the larger of the session's and the
 * command's, and a command whose own seq is below it is refused. Whatever
 * a new seq's outcome (FSM_COND_FAILED, FSM_FENCED, ...) is stored and
 * repeated to its retries. FSM_SESSION_EXPIRED and FSM_BAD_SEQ change
 * nothing at all, not the ack and not the expiry. A session op naming a
 * session that does not exist (never opened, closed, expired) gets
 * FSM_SESSION_EXPIRED, so a repeated CLOSE answers that; LOCK and UNLOCK
 * refresh their session's expiry whatever they answer.
 *
 * Flags: FSM_F_SESSION and FSM_F_FENCE go only on the key-value writes
 * (PUT, DEL, CAS, CAS_INDEX, INCRBY, MPUT, APPEND); fsm_batch_add refuses
 * them elsewhere (-2). A fence lock name, like a LOCK/UNLOCK name, is any
 * bytes up to FSM_MAX_KEY.
 *
 * Fencing (FSM_F_FENCE): the write is applied only if fence_token equals the
 * newest token ever issued for fence_lock (which stays known after the lock
 * is released); otherwise FSM_FENCED. With both flags, the session is
 * checked first: a duplicate is answered from its stored result even if its
 * token has been superseded since. A token is the log index of the
 * acquisition; should one batch take, release and take the same lock again,
 * the second token is the newest + 1, so tokens always strictly increase.
 * Every lock name ever locked stays in the state (with its newest token).
 *
 * Sessions expire in cluster time: each batch header carries time_ms, the
 * leader's clock at proposal. The fsm's cluster time is the largest time_ms
 * applied so far; at the start of each batch every session whose last
 * activity is older than its timeout is expired (its locks released): with
 * last activity at cluster time t and timeout T, the first batch whose
 * time_ms exceeds t + T. The same batches give the same expiries on every
 * replica. */
#define FSM_SEQ_WINDOW (1u << 20)
#define FSM_SESSION_MAX_PENDING 4096u
#define FSM_SESSION_MIN_TIMEOUT 1000
#define FSM_SESSION_MAX_TIMEOUT 3600000
struct fsm_cmd {
	uint8_t op;
	uint8_t flags;
	uint32_t nargs;
	int64_t num;
	const struct fsm_slice *args;
	uint64_t session, seq, ack;       /* with FSM_F_SESSION */
	struct fsm_slice fence_lock;      /* with FSM_F_FENCE */
	uint64_t fence_token;
};

struct fsm_result {
	uint8_t status;  /* enum fsm_status */
	uint8_t dup;     /* 1: a retried seq answered from the stored result */
	int64_t num;     /* DEL: removed; INCRBY: new value; APPEND: new length;
			    CAS*: on failure the key's mod_index (0 when
			    absent); PUT and other successes: 1; see ops */
	uint64_t index;  /* the log index at which the command was applied */
};

/* A batch header: who proposed it in which term. The daemon uses it to find
 * its own pending proposal; the fsm uses term for nothing yet. */
struct fsm_batch_hdr {
	uint64_t term;     /* proposer's term when it proposed */
	uint64_t proposer; /* proposer's raft server id */
	uint64_t seq;      /* proposer's sequence number for this batch */
	uint64_t time_ms;  /* cluster time: the leader's clock at proposal, made
			      monotonic by the proposer (see above) */
	uint32_t count;    /* number of commands */
};

/* ---- encoding (proposer side) ------------------------------------------- */

/* Start a batch in b (b is reset first). */
int fsm_batch_begin(struct buf *b, const struct fsm_batch_hdr *hdr);
/* Append one command; returns 0, -1 on allocation failure, or -2 when the
 * command breaks a hard limit (too many args, key or value too large) or its
 * op/arity is invalid. */
int fsm_batch_add(struct buf *b, const struct fsm_cmd *cmd);
/* Finish: fill in the count and pad the length to a multiple of 8 bytes
 * (libraft 0.15 corrupts unpadded entries on restart). */
int fsm_batch_end(struct buf *b);
/* Read just the header of an encoded batch; -1 when it is not one. */
int fsm_batch_peek(const void *p, size_t len, struct fsm_batch_hdr *hdr);

/* ---- the state machine ---------------------------------------------------- */

fsm *fsm_new(void);
void fsm_free(fsm *f);

/* UNSAFE, for proving that fault tests catch it (raftd
 * --unsafe-no-session-dedup): when on, a sequenced write whose seq already
 * has a stored result is applied again instead of being answered from that
 * result (its first result stays stored), so exactly-once is lost. Off by
 * default. One setting for the whole process, made at start-up before
 * anything is applied; every replica must use the same one or they diverge. */
void fsm_set_unsafe_no_session_dedup(int on);

/* Apply the batch at log index `index`. When results is not NULL it receives
 * one result per command, up to cap; returns the number of commands the
 * batch holds (results beyond cap are computed but not stored). Never fails.
 * (Out of memory while applying aborts the process: a replica that skipped
 * a write would silently diverge from the others.) */
size_t fsm_apply(fsm *f, uint64_t index, const void *p, size_t len,
		 struct fsm_result *results, size_t cap);

/* Record that `index` was applied without a batch (barriers, configuration
 * entries), so fsm_applied_index stays the raft applied index. */
void fsm_note_index(fsm *f, uint64_t index);
uint64_t fsm_applied_index(const fsm *f);
/* The largest time_ms applied so far (0 before any): a new leader stamps
 * max(its clock, this) so cluster time never goes backwards. */
uint64_t fsm_cluster_time(const fsm *f);
uint64_t fsm_session_count(const fsm *f);

struct fsm_kv {
	const void *key;
	size_t klen;
	const void *val;
	size_t vlen;
	uint64_t create_index;
	uint64_t mod_index;
};

/* Look up key. Returns 1 and fills *out (pointers valid until the next
 * mutation of f), or 0 when absent. */
int fsm_get(const fsm *f, const void *key, size_t klen, struct fsm_kv *out);
uint64_t fsm_count(const fsm *f);
/* Bytes of keys and values held (not counting overhead). */
uint64_t fsm_data_bytes(const fsm *f);

/* Visit, in byte order, the keys that start with prefix and sort strictly
 * after `after` (after may be NULL), at most limit of them. The cost is
 * O(log n + visited). The callback returns 0 to go on, non-zero to stop.
 * Returns the number visited. f must not be changed during the walk. */
typedef int (*fsm_visit_cb)(void *arg, const struct fsm_kv *kv);
size_t fsm_scan(const fsm *f, const void *prefix, size_t plen,
		const void *after, size_t alen, size_t limit,
		fsm_visit_cb cb, void *arg);

/* Insert a key exactly as given (used when loading a snapshot into an empty
 * fsm). Keys must come in strictly increasing order; returns -1 when they do
 * not or memory runs out. */
int fsm_load_kv(fsm *f, const struct fsm_kv *kv);

/* ---- the member table (FSM_OP_MEMBER_SET / MEMBER_DEL) ---------------------
 * Each known raft server's addresses, so every replica can tell clients
 * where any member (one added after bootstrap included) listens. */
struct fsm_member {
	uint64_t id;
	const char *raft_addr;   /* NUL-terminated; valid until f changes */
	size_t raft_len;
	const char *client_addr; /* NUL-terminated; valid until f changes */
	size_t client_len;
};

/* 1 and *out filled when id is in the table, else 0. */
int fsm_member_get(const fsm *f, uint64_t id, struct fsm_member *out);
uint64_t fsm_member_count(const fsm *f);
/* Visit members by increasing id; the callback returns non-zero to stop.
 * f must not change during the walk. */
typedef int (*fsm_member_cb)(void *arg, const struct fsm_member *m);
void fsm_members_visit(const fsm *f, fsm_member_cb cb, void *arg);
/* Is len a valid address length (1 .. FSM_MAX_ADDR)? */
int fsm_member_addr_ok(size_t len);
void fsm_set_applied_index(fsm *f, uint64_t index);

#endif
