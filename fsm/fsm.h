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

enum fsm_op {
	FSM_OP_NOOP = 0,
	FSM_OP_PUT = 1,       /* args: key value; flags NX/XX */
	FSM_OP_DEL = 2,       /* args: key...; result num = keys removed */
	FSM_OP_CAS = 3,       /* args: key expected new: set if value == expected */
	FSM_OP_CAS_INDEX = 4, /* args: key new; num = expected mod_index (0: absent) */
	FSM_OP_INCRBY = 5,    /* args: key; num = delta; value is decimal int64 */
	FSM_OP_MPUT = 6,      /* args: key value key value ...: all or nothing */
	FSM_OP__COUNT
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
	FSM_BAD_COMMAND = 4  /* undecodable or invalid command; nothing changed */
};

struct fsm_slice {
	const void *p;
	size_t len;
};

/* One command, as the proposer builds it; args point to caller memory. */
struct fsm_cmd {
	uint8_t op;
	uint8_t flags;
	uint32_t nargs;
	int64_t num;
	const struct fsm_slice *args;
};

struct fsm_result {
	uint8_t status;  /* enum fsm_status */
	int64_t num;     /* DEL: removed; INCRBY: new value; CAS*: on failure the
			    key's mod_index (0 when absent); PUT: 1 written */
	uint64_t index;  /* the log index of the batch */
};

/* A batch header: who proposed it in which term. The daemon uses it to find
 * its own pending proposal; the fsm uses term for nothing yet. */
struct fsm_batch_hdr {
	uint64_t term;     /* proposer's term when it proposed */
	uint64_t proposer; /* proposer's raft server id */
	uint64_t seq;      /* proposer's sequence number for this batch */
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
void fsm_set_applied_index(fsm *f, uint64_t index);

#endif
