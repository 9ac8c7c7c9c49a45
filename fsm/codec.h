/* codec.h - reading encoded command batches (the writing side is the public
 * fsm_batch_* API in fsm.h).
 *
 * The wire format, all integers little-endian:
 *
 *   header (CODEC_HDR_LEN = 48 bytes; 40 in version 1)
 *     0  magic    9B 52 44 42 ("\x9bRDB")
 *     4  version  u8 (CODEC_VERSION)
 *     5  -        u8, zero
 *     6  hdr_len  u16: bytes before the first command (>= 40 in version 1,
 *                 >= 48 from version 2; later versions may add header
 *                 fields, which older readers skip)
 *     8  count    u32: commands in the batch
 *    12  -        u32, zero
 *    16  term     u64
 *    24  proposer u64
 *    32  seq      u64
 *    40  time_ms  u64: cluster time (from version 2; a version 1 batch
 *                 reads as time_ms 0, which never moves cluster time)
 *   then count commands, each
 *     0  op       u8
 *     1  flags    u8: the op's own in the low 6 bits, FSM_F_SESSION and
 *                 FSM_F_FENCE in the top two (version 2 on)
 *     2  -        u16, zero
 *     4  len      u32: bytes of this command, this header included, so a
 *                 reader skips a command whose op it does not know
 *     8  nargs    u32
 *    12  num      i64
 *    20  with FSM_F_SESSION: session u64, seq u64, ack u64
 *        with FSM_F_FENCE: token u64, name length u32, the lock name
 *        (at most FSM_MAX_KEY bytes)
 *        then nargs times: u32 length, then that many bytes
 *   then zero bytes up to a multiple of 8.
 *
 * A reader checks every length against the bytes that remain before reading.
 * A command with a sound frame but an unknown op, a bad arity, flags its op
 * does not take, session or fence fields that do not fit, an argument over
 * the hard limits or arguments that do not fill its len exactly is skipped
 * as bad; a frame that does not fit (short header, len too small or past the
 * end) makes the rest of the batch unreadable.
 *
 * The session and fence flags go only on the data writes (PUT, DEL, CAS,
 * CAS_INDEX, INCRBY, MPUT, APPEND): the session and lock ops name their
 * session in num and are not sequenced, and NOOP writes nothing to guard.
 */
#ifndef RD_FSM_CODEC_H
#define RD_FSM_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm/fsm.h"

#define CODEC_VERSION 2
#define CODEC_HDR_LEN 48
#define CODEC_HDR_LEN_V1 40
#define CODEC_CMD_HDR_LEN 20
#define CODEC_SESSION_LEN 24 /* session, seq, ack */
#define CODEC_FENCE_LEN 12   /* token, name length; then the name */

/* The flags that are not an op's own. */
#define CODEC_CMD_FLAGS (FSM_F_SESSION | FSM_F_FENCE)

/* A decoded command; its arguments stay in the batch's memory. */
struct codec_cmd {
	uint8_t op;
	uint8_t flags;
	uint32_t nargs;
	int64_t num;
	const unsigned char *args; /* nargs (u32 length, bytes) pairs */
	size_t args_len;
	uint64_t session, seq, ack;  /* with FSM_F_SESSION, else 0 */
	struct fsm_slice fence_lock; /* with FSM_F_FENCE, else empty */
	uint64_t fence_token;
};

struct codec_reader {
	const unsigned char *p;
	size_t len, off;
	uint32_t count, done;
	uint8_t version;
};

enum codec_next {
	CODEC_CMD,     /* *cmd holds a valid command */
	CODEC_BAD,     /* this command is invalid and was skipped */
	CODEC_CORRUPT, /* the rest of the batch cannot be read */
	CODEC_END      /* all count commands were read */
};

/* Read the header of the batch p[0..len); -1 when it is not a batch. */
int codec_open(struct codec_reader *r, const void *p, size_t len,
	       struct fsm_batch_hdr *hdr);
int codec_next(struct codec_reader *r, struct codec_cmd *cmd);

/* Walk a valid command's arguments: arg i of the command each call. */
struct codec_args {
	const unsigned char *p;
};

static inline void codec_args_begin(struct codec_args *a,
				    const struct codec_cmd *c)
{
	a->p = c->args;
}

void codec_arg(struct codec_args *a, struct fsm_slice *out);

/* The rules both sides enforce: is (op, flags, nargs) a valid shape (flags
 * including FSM_F_SESSION/FSM_F_FENCE), and the largest length argument i of
 * op may have. */
bool codec_shape_ok(uint8_t op, uint8_t flags, uint64_t nargs);
size_t codec_arg_max(uint8_t op, uint32_t i);

#endif
