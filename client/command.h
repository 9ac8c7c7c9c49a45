/* command.h - raftd's RD.* commands: request encoding, reply decoding.
 *
 * Everything the client knows about the shape of the protocol
 * (docs/protocol.md) is here, apart from the transport: how each operation is
 * spelled, which ones are writes, how errors are classified, how an envelope
 * "*3 <result> :term :index" is split, and how each result is turned into
 * the public structures. Nothing here touches the network, so it is tested
 * on bytes alone.
 */
#ifndef RDC_COMMAND_H
#define RDC_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/resp.h"
#include "raftd/client.h"
#include "client/endpoint.h"

enum rdc__op {
	RDC__OP_PUT,
	RDC__OP_GET,
	RDC__OP_DEL,
	RDC__OP_CAS,
	RDC__OP_CASIDX,
	RDC__OP_INCRBY,
	RDC__OP_LIST,
	RDC__OP_STATUS,
	RDC__OP_APPEND,
	RDC__OP_SOPEN,      /* RD.SESSION OPEN */
	RDC__OP_SKEEPALIVE, /* RD.SESSION KEEPALIVE */
	RDC__OP_SCLOSE,     /* RD.SESSION CLOSE */
	RDC__OP_LOCK,
	RDC__OP_UNLOCK,
	RDC__OP_MEMBER,     /* RD.MEMBER ADD|PROMOTE|DEMOTE|REMOVE (member.c) */
	RDC__OP_MLIST,      /* RD.MEMBER LIST */
	RDC__OP_TRANSFER    /* RD.TRANSFER */
};

/* Writes change state: their outcome becomes uncertain once sent. */
bool rdc__op_is_write(enum rdc__op op);
/* Data writes, which may be sequenced (RD.SEQ) and fenced (RD.FENCE). The
 * session commands name their session themselves and are not. */
bool rdc__op_is_data_write(enum rdc__op op);
/* The command name, e.g. "RD.PUT", for messages. */
const char *rdc__op_name(enum rdc__op op);

/* Encoders: append one whole RESP command to b. Each returns 0, or -1 when
 * memory runs out (b may then hold a partial command: reset it). */
int rdc__enc_put(struct buf *b, const char *key, size_t klen,
		 const char *value, size_t vlen, int flags);
int rdc__enc_get(struct buf *b, const char *key, size_t klen);
int rdc__enc_del(struct buf *b, size_t nkeys, const char *const *keys,
		 const size_t *klens);
int rdc__enc_cas(struct buf *b, const char *key, size_t klen,
		 const char *expected, size_t elen, const char *value,
		 size_t vlen);
int rdc__enc_cas_index(struct buf *b, const char *key, size_t klen,
		       uint64_t mod_index, const char *value, size_t vlen);
int rdc__enc_incrby(struct buf *b, const char *key, size_t klen,
		    int64_t delta);
int rdc__enc_list(struct buf *b, const char *prefix, size_t plen,
		  const char *after, size_t alen, size_t limit);
int rdc__enc_status(struct buf *b);
int rdc__enc_append(struct buf *b, const char *key, size_t klen,
		    const char *value, size_t vlen);
/* RD.SESSION OPEN timeout_ms / KEEPALIVE sid / CLOSE sid. */
int rdc__enc_session(struct buf *b, enum rdc__op op, uint64_t arg);
/* RD.LOCK name sid / RD.UNLOCK name sid. */
int rdc__enc_lock(struct buf *b, enum rdc__op op, const char *name,
		  size_t nlen, uint64_t sid);

/* Wrappers: each appends to out the command body (one whole encoded
 * command, as the encoders above produce) with arguments added around it.
 * They return 0, or -1 when memory runs out or body is not an encoded
 * command. */

/* "RD.FENCE lock token <body>". */
int rdc__enc_fence(struct buf *out, const struct buf *body, const char *lock,
		   size_t llen, uint64_t token);
/* "RD.SEQ sid seq ack <body>". */
int rdc__enc_seq(struct buf *out, const struct buf *body, uint64_t sid,
		 uint64_t seq, uint64_t ack);
/* "<body> LINEARIZABLE", "<body> STALE" or "<body> SESSION min_index": the
 * mode is always spelled out, so a key or prefix that happens to read
 * "STALE" is never taken for one, and a connection left in READONLY mode
 * changes nothing. */
int rdc__enc_mode(struct buf *out, const struct buf *body,
		  enum rdc_consistency mode, uint64_t min_index);

/* What an error reply asks the client to do. */
enum rdc__err_kind {
	RDC__ERR_MOVED,     /* go to the leader named in the reply */
	RDC__ERR_TRYAGAIN,  /* no leader here: try elsewhere after a pause */
	RDC__ERR_BUSY,      /* leader overloaded: same node after a pause */
	RDC__ERR_UNCERTAIN, /* a write's outcome is unknown */
	RDC__ERR_BAD,       /* -ERR / -TOOLARGE: the request is wrong */
	RDC__ERR_BADSEQ,    /* a sequence number the server will not take */
	RDC__ERR_EXPIRED,   /* -SESSIONEXPIRED: unknown or expired session */
	RDC__ERR_FENCED,    /* a fenced write's token is stale */
	RDC__ERR_OTHER      /* not in the protocol */
};
enum rdc__err_kind rdc__err_classify(const struct resp_value *err);

/* The leader address of "-MOVED 0 host:port". Returns 0, or -1 when the
 * reply does not have that shape. */
int rdc__moved_addr(const struct resp_value *err, struct rdc__addr *out);

/* Split an envelope: "*3 <result> :term :index", or for session and stale
 * reads "*5 <result> :term :applied_index :lag :last_contact_ms". Returns
 * the number of elements (3 or 5) with *result pointing at the first and
 * meta's numbers filled (served_by untouched), or -1 for any other shape. */
int rdc__envelope(const struct resp_value *v, const struct resp_value **result,
		  struct rdc_meta *meta);

/* A decoded result. reply is the public view handed to callbacks; block is
 * the one malloc'd allocation behind reply.kv, reply.items or
 * reply.members (strings in it are NUL-terminated copies). */
struct rdc__result {
	struct rdc_reply reply;
	void *block;
};

void rdc__result_init(struct rdc__result *res);
/* Free the block, unless it was taken with rdc__result_take_block. */
void rdc__result_free(struct rdc__result *res);
/* Hand the block to the caller (who frees it with free()). */
void *rdc__result_take_block(struct rdc__result *res);

/* Decode the envelope's result for op into res (whose meta the caller sets).
 * key is the request's key, for get (the reply does not repeat it). Returns
 * RDC_OK, RDC_NOTFOUND, RDC_CONDITION, RDC_NOMEM, or RDC_PROTOCOL with a
 * message in err. */
int rdc__decode(enum rdc__op op, const struct resp_value *result,
		const char *key, size_t klen, struct rdc__result *res,
		char *err, size_t errlen);

/* Copy n bytes of s and a NUL to *p, advance *p past them; returns where
 * the copy is. For decoders that build one block of entries and strings. */
const char *rdc__copy_str(char **p, const char *s, size_t n);

/* Copy n entries into one malloc'd block with NUL-terminated strings (the
 * layout rdc_list_free expects). NULL when memory runs out or n is 0. */
struct rdc_kv *rdc__kv_copy(const struct rdc_kv *items, size_t n);

#endif
