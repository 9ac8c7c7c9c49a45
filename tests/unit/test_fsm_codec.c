/* test_fsm_codec.c - the batch format: what the proposer may write, and what
 * a replica makes of any bytes at all, version 1 batches included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "fsm/codec.h"
#include "fsm/fsm.h"
#include "test_fsm_util.h"

static const struct fsm_batch_hdr hdr1 = {
	.term = 7, .proposer = 0x1122334455667788ull, .seq = 42,
	.time_ms = 0x0102030405060708ull, .count = 0};

static int add(struct buf *b, uint8_t op, uint8_t flags, int64_t num,
	       const struct fsm_slice *args, uint32_t nargs)
{
	struct fsm_cmd c = {.op = op, .flags = flags, .nargs = nargs,
			    .num = num, .args = args};

	return fsm_batch_add(b, &c);
}

/* A batch of three commands used by several tests. */
static void three_commands(struct buf *b)
{
	const struct fsm_slice put[] = {S("k1"), S("v1")};
	const struct fsm_slice del[] = {S("a"), S("bb"), S("ccc")};
	const struct fsm_slice inc[] = {S("n")};

	assert_int_equal(fsm_batch_begin(b, &hdr1), 0);
	assert_int_equal(add(b, FSM_OP_PUT, FSM_PUT_NX, 0, put, 2), 0);
	assert_int_equal(add(b, FSM_OP_DEL, 0, 0, del, 3), 0);
	assert_int_equal(add(b, FSM_OP_INCRBY, 0, -5, inc, 1), 0);
	assert_int_equal(fsm_batch_end(b), 0);
}

static void test_roundtrip_and_padding(void **state)
{
	struct buf b;
	struct fsm_batch_hdr h;
	struct codec_reader r;
	struct codec_cmd c;
	struct codec_args a;
	struct fsm_slice s;

	(void)state;
	buf_init(&b);
	three_commands(&b);
	assert_int_equal(b.len % 8, 0);
	assert_int_equal(fsm_batch_peek(b.data, b.len, &h), 0);
	assert_int_equal(h.term, 7);
	assert_int_equal(h.proposer, 0x1122334455667788ull);
	assert_int_equal(h.seq, 42);
	assert_int_equal(h.time_ms, 0x0102030405060708ull);
	assert_int_equal(h.count, 3);

	assert_int_equal(codec_open(&r, b.data, b.len, &h), 0);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(c.op, FSM_OP_PUT);
	assert_int_equal(c.flags, FSM_PUT_NX);
	assert_int_equal(c.nargs, 2);
	codec_args_begin(&a, &c);
	codec_arg(&a, &s);
	assert_int_equal(s.len, 2);
	assert_memory_equal(s.p, "k1", 2);
	codec_arg(&a, &s);
	assert_memory_equal(s.p, "v1", 2);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(c.op, FSM_OP_DEL);
	assert_int_equal(c.nargs, 3);
	codec_args_begin(&a, &c);
	codec_arg(&a, &s);
	codec_arg(&a, &s);
	codec_arg(&a, &s);
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.p, "ccc", 3);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(c.op, FSM_OP_INCRBY);
	assert_int_equal(c.num, -5);
	assert_int_equal(codec_next(&r, &c), CODEC_END);
	buf_free(&b);
}

static void test_padding_every_length(void **state)
{
	struct buf b;
	char val[16] = {0};
	size_t n;

	(void)state;
	buf_init(&b);
	for (n = 0; n < sizeof(val); n++) {
		const struct fsm_slice args[] = {S("k"), {val, n}};

		assert_int_equal(fsm_batch_begin(&b, &hdr1), 0);
		assert_int_equal(add(&b, FSM_OP_PUT, 0, 0, args, 2), 0);
		assert_int_equal(fsm_batch_end(&b), 0);
		assert_int_equal(b.len % 8, 0);
		/* Ending twice adds nothing. */
		size_t len = b.len;

		assert_int_equal(fsm_batch_end(&b), 0);
		assert_int_equal(b.len, len);
	}
	/* An empty batch is a valid batch of zero commands. */
	struct fsm_batch_hdr h;

	assert_int_equal(fsm_batch_begin(&b, &hdr1), 0);
	assert_int_equal(fsm_batch_end(&b), 0);
	assert_int_equal(b.len, CODEC_HDR_LEN);
	assert_int_equal(fsm_batch_peek(b.data, b.len, &h), 0);
	assert_int_equal(h.count, 0);
	buf_free(&b);
}

static void test_arity_rules(void **state)
{
	const struct fsm_slice a[4] = {S("k"), S("v"), S("w"), S("x")};
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(fsm_batch_begin(&b, &hdr1), 0);
	assert_int_equal(add(&b, FSM_OP_NOOP, 0, 0, a, 0), 0);
	assert_int_equal(add(&b, FSM_OP_NOOP, 0, 0, a, 1), -2);
	assert_int_equal(add(&b, FSM_OP_PUT, 0, 0, a, 2), 0);
	assert_int_equal(add(&b, FSM_OP_PUT, FSM_PUT_XX, 0, a, 2), 0);
	assert_int_equal(add(&b, FSM_OP_PUT, 0, 0, a, 1), -2);
	assert_int_equal(add(&b, FSM_OP_PUT, 0, 0, a, 3), -2);
	assert_int_equal(add(&b, FSM_OP_PUT, FSM_PUT_NX | FSM_PUT_XX, 0, a, 2),
			 -2);
	assert_int_equal(add(&b, FSM_OP_PUT, 4, 0, a, 2), -2);
	assert_int_equal(add(&b, FSM_OP_DEL, 0, 0, a, 1), 0);
	assert_int_equal(add(&b, FSM_OP_DEL, 0, 0, a, 4), 0);
	assert_int_equal(add(&b, FSM_OP_DEL, 0, 0, a, 0), -2);
	assert_int_equal(add(&b, FSM_OP_DEL, FSM_PUT_NX, 0, a, 1), -2);
	assert_int_equal(add(&b, FSM_OP_CAS, 0, 0, a, 3), 0);
	assert_int_equal(add(&b, FSM_OP_CAS, 0, 0, a, 2), -2);
	assert_int_equal(add(&b, FSM_OP_CAS_INDEX, 0, 5, a, 2), 0);
	assert_int_equal(add(&b, FSM_OP_CAS_INDEX, 0, 5, a, 3), -2);
	assert_int_equal(add(&b, FSM_OP_INCRBY, 0, 1, a, 1), 0);
	assert_int_equal(add(&b, FSM_OP_INCRBY, 0, 1, a, 2), -2);
	assert_int_equal(add(&b, FSM_OP_MPUT, 0, 0, a, 2), 0);
	assert_int_equal(add(&b, FSM_OP_MPUT, 0, 0, a, 4), 0);
	assert_int_equal(add(&b, FSM_OP_MPUT, 0, 0, a, 3), -2);
	assert_int_equal(add(&b, FSM_OP_MPUT, 0, 0, a, 0), -2);
	assert_int_equal(add(&b, FSM_OP__COUNT, 0, 0, a, 1), -2);
	assert_int_equal(add(&b, 255, 0, 0, a, 1), -2);
	/* Refused commands left nothing behind: 10 accepted. */
	struct fsm_batch_hdr h;

	assert_int_equal(fsm_batch_peek(b.data, b.len, &h), 0);
	assert_int_equal(h.count, 10);
	buf_free(&b);
}

static void test_hard_limits(void **state)
{
	char *big = calloc(1, FSM_MAX_VALUE + 1);
	struct fsm_slice *many = calloc(FSM_MAX_ARGS + 2, sizeof(*many));
	struct buf b;
	size_t len;

	(void)state;
	assert_non_null(big);
	assert_non_null(many);
	buf_init(&b);
	/* A command before fsm_batch_begin has nowhere to go. */
	assert_int_equal(add(&b, FSM_OP_DEL, 0, 0, many, 1), -2);
	assert_int_equal(fsm_batch_begin(&b, &hdr1), 0);
	len = b.len;
	{
		const struct fsm_slice ok[] = {{big, FSM_MAX_KEY},
					       {big, FSM_MAX_VALUE}};
		const struct fsm_slice long_key[] = {{big, FSM_MAX_KEY + 1},
						     S("v")};
		const struct fsm_slice long_val[] = {
			S("k"), {big, FSM_MAX_VALUE + 1}};
		const struct fsm_slice cas_long[] = {
			S("k"), {big, FSM_MAX_VALUE + 1}, S("v")};
		const struct fsm_slice mput_long_key[] = {
			S("k"), S("v"), {big, FSM_MAX_KEY + 1}, S("v")};

		assert_int_equal(add(&b, FSM_OP_PUT, 0, 0, long_key, 2), -2);
		assert_int_equal(add(&b, FSM_OP_PUT, 0, 0, long_val, 2), -2);
		assert_int_equal(add(&b, FSM_OP_CAS, 0, 0, cas_long, 3), -2);
		assert_int_equal(add(&b, FSM_OP_MPUT, 0, 0, mput_long_key, 4),
				 -2);
		assert_int_equal(b.len, len);
		assert_int_equal(add(&b, FSM_OP_PUT, 0, 0, ok, 2), 0);
	}
	/* A value-sized argument is fine for a value, not for a key. */
	{
		const struct fsm_slice val_as_key[] = {{big, FSM_MAX_KEY + 1}};

		assert_int_equal(add(&b, FSM_OP_DEL, 0, 0, val_as_key, 1), -2);
		assert_int_equal(add(&b, FSM_OP_INCRBY, 0, 0, val_as_key, 1),
				 -2);
	}
	assert_int_equal(add(&b, FSM_OP_DEL, 0, 0, many, FSM_MAX_ARGS), 0);
	assert_int_equal(add(&b, FSM_OP_DEL, 0, 0, many, FSM_MAX_ARGS + 1), -2);
	assert_int_equal(add(&b, FSM_OP_MPUT, 0, 0, many, FSM_MAX_ARGS + 2),
			 -2);
	buf_free(&b);
	free(many);
	free(big);
}

static void test_peek_rejects(void **state)
{
	struct buf b;
	struct fsm_batch_hdr h;
	char *copy;
	size_t n;

	(void)state;
	buf_init(&b);
	three_commands(&b);
	copy = malloc(b.len);
	assert_non_null(copy);
	for (n = 0; n < CODEC_HDR_LEN; n++)
		assert_int_equal(fsm_batch_peek(b.data, n, &h), -1);
	memcpy(copy, b.data, b.len);
	copy[0] ^= 1; /* magic */
	assert_int_equal(fsm_batch_peek(copy, b.len, &h), -1);
	memcpy(copy, b.data, b.len);
	copy[4] = 0; /* version 0 */
	assert_int_equal(fsm_batch_peek(copy, b.len, &h), -1);
	memcpy(copy, b.data, b.len);
	copy[6] = 39; /* header shorter than the fields */
	assert_int_equal(fsm_batch_peek(copy, b.len, &h), -1);
	memcpy(copy, b.data, b.len);
	copy[6] = CODEC_HDR_LEN_V1; /* a version 2 header without time_ms */
	assert_int_equal(fsm_batch_peek(copy, b.len, &h), -1);
	copy[4] = 1; /* which version 1 was */
	assert_int_equal(fsm_batch_peek(copy, b.len, &h), 0);
	assert_int_equal(h.time_ms, 0);
	memcpy(copy, b.data, b.len);
	copy[6] = (char)0xff; /* header longer than the batch */
	copy[7] = (char)0xff;
	assert_int_equal(fsm_batch_peek(copy, b.len, &h), -1);
	assert_int_equal(fsm_batch_peek("\x04\x22\x4d\x18 lz4 is not a batch, "
					"neither is this text",
					45, &h),
			 -1);
	free(copy);
	buf_free(&b);
}

/* Offset of command i in an unpadded-at-the-front batch. */
static size_t cmd_offset(const struct buf *b, unsigned i)
{
	size_t off = CODEC_HDR_LEN;
	const unsigned char *p = (const unsigned char *)b->data;

	while (i-- > 0)
		off += (size_t)p[off + 4] | (size_t)p[off + 5] << 8 |
		       (size_t)p[off + 6] << 16 | (size_t)p[off + 7] << 24;
	return off;
}

static void test_unknown_op_is_skipped(void **state)
{
	struct buf b;
	struct fsm_batch_hdr h;
	struct codec_reader r;
	struct codec_cmd c;

	(void)state;
	buf_init(&b);
	three_commands(&b);
	b.data[cmd_offset(&b, 1)] = 77; /* an op from a future version */
	assert_int_equal(codec_open(&r, b.data, b.len, &h), 0);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(codec_next(&r, &c), CODEC_BAD);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(c.op, FSM_OP_INCRBY);
	assert_int_equal(codec_next(&r, &c), CODEC_END);
	buf_free(&b);
}

static void test_bad_args_skipped_bad_frame_stops(void **state)
{
	struct buf b, orig;
	struct fsm_batch_hdr h;
	struct codec_reader r;
	struct codec_cmd c;
	size_t off;

	(void)state;
	buf_init(&b);
	buf_init(&orig);
	three_commands(&orig);

	/* The DEL's first argument claims more bytes than the frame holds:
	 * that command is bad, the frame still leads to the next one. */
	assert_int_equal(buf_append(&b, orig.data, orig.len), 0);
	off = cmd_offset(&b, 1);
	b.data[off + CODEC_CMD_HDR_LEN] = 100;
	assert_int_equal(codec_open(&r, b.data, b.len, &h), 0);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(codec_next(&r, &c), CODEC_BAD);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);

	/* nargs that disagrees with the arguments present */
	buf_reset(&b);
	assert_int_equal(buf_append(&b, orig.data, orig.len), 0);
	b.data[off + 8] = 2;
	assert_int_equal(codec_open(&r, b.data, b.len, &h), 0);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(codec_next(&r, &c), CODEC_BAD);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);

	/* A frame length under the command header: the rest is unreadable. */
	buf_reset(&b);
	assert_int_equal(buf_append(&b, orig.data, orig.len), 0);
	b.data[off + 4] = 19;
	assert_int_equal(codec_open(&r, b.data, b.len, &h), 0);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(codec_next(&r, &c), CODEC_CORRUPT);

	/* A frame length past the end of the batch. */
	buf_reset(&b);
	assert_int_equal(buf_append(&b, orig.data, orig.len), 0);
	b.data[off + 7] = 0x7f;
	assert_int_equal(codec_open(&r, b.data, b.len, &h), 0);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(codec_next(&r, &c), CODEC_CORRUPT);

	/* A count larger than the commands present. */
	buf_reset(&b);
	assert_int_equal(buf_append(&b, orig.data, orig.len), 0);
	b.data[8] = 4;
	assert_int_equal(codec_open(&r, b.data, b.len, &h), 0);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(codec_next(&r, &c), CODEC_CORRUPT);
	buf_free(&b);
	buf_free(&orig);
}

/* A later version may grow the header; this reader skips what it does not
 * know and still reads the commands. */
static void test_longer_header_is_skipped(void **state)
{
	struct buf b, grown;
	struct fsm_batch_hdr h;
	struct codec_reader r;
	struct codec_cmd c;
	static const char extra[8] = "NEWFIELD";

	(void)state;
	buf_init(&b);
	buf_init(&grown);
	three_commands(&b);
	assert_int_equal(buf_append(&grown, b.data, CODEC_HDR_LEN), 0);
	assert_int_equal(buf_append(&grown, extra, sizeof(extra)), 0);
	assert_int_equal(buf_append(&grown, b.data + CODEC_HDR_LEN,
				    b.len - CODEC_HDR_LEN),
			 0);
	grown.data[4] = CODEC_VERSION + 1;
	grown.data[6] = CODEC_HDR_LEN + sizeof(extra);
	assert_int_equal(codec_open(&r, grown.data, grown.len, &h), 0);
	assert_int_equal(h.count, 3);
	assert_int_equal(h.time_ms, hdr1.time_ms);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(codec_next(&r, &c), CODEC_END);
	buf_free(&b);
	buf_free(&grown);
}

/* Cut a valid batch at every length: the commands that fit whole read as
 * before, the one cut short makes the rest unreadable, nothing reads past
 * the cut (the sanitizers watch the copy's bounds). */
static void test_every_truncation(void **state)
{
	struct buf b;
	size_t ends[3], len, i;

	(void)state;
	buf_init(&b);
	three_commands(&b);
	for (i = 0; i < 3; i++)
		ends[i] = cmd_offset(&b, (unsigned)i + 1);
	for (len = 0; len <= b.len; len++) {
		char *cut = malloc(len ? len : 1);
		struct fsm_batch_hdr h;
		struct codec_reader r;
		struct codec_cmd c;

		assert_non_null(cut);
		memcpy(cut, b.data, len);
		if (len < CODEC_HDR_LEN) {
			assert_int_equal(codec_open(&r, cut, len, &h), -1);
			free(cut);
			continue;
		}
		assert_int_equal(codec_open(&r, cut, len, &h), 0);
		for (i = 0; i < 3; i++) {
			int k = codec_next(&r, &c);

			if (ends[i] <= len) {
				assert_int_equal(k, CODEC_CMD);
			} else {
				assert_int_equal(k, CODEC_CORRUPT);
				break;
			}
		}
		if (i == 3)
			assert_int_equal(codec_next(&r, &c), CODEC_END);
		free(cut);
	}
	buf_free(&b);
}

/* ---- sessions, fences, the new ops ----------------------------------------- */

static void test_new_op_shapes(void **state)
{
	const struct fsm_slice a[3] = {S("k"), S("v"), S("w")};
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(fsm_batch_begin(&b, &hdr1), 0);
	assert_int_equal(add(&b, FSM_OP_APPEND, 0, 0, a, 2), 0);
	assert_int_equal(add(&b, FSM_OP_APPEND, 0, 0, a, 1), -2);
	assert_int_equal(add(&b, FSM_OP_APPEND, 0, 0, a, 3), -2);
	assert_int_equal(add(&b, FSM_OP_APPEND, FSM_PUT_NX, 0, a, 2), -2);
	assert_int_equal(add(&b, FSM_OP_SESSION_OPEN, 0, 5000, a, 0), 0);
	assert_int_equal(add(&b, FSM_OP_SESSION_OPEN, 0, 5000, a, 1), -2);
	assert_int_equal(add(&b, FSM_OP_SESSION_KEEPALIVE, 0, 1, a, 0), 0);
	assert_int_equal(add(&b, FSM_OP_SESSION_KEEPALIVE, 0, 1, a, 1), -2);
	assert_int_equal(add(&b, FSM_OP_SESSION_CLOSE, 0, 1, a, 0), 0);
	assert_int_equal(add(&b, FSM_OP_SESSION_CLOSE, 0, 1, a, 2), -2);
	assert_int_equal(add(&b, FSM_OP_LOCK, 0, 1, a, 1), 0);
	assert_int_equal(add(&b, FSM_OP_LOCK, 0, 1, a, 0), -2);
	assert_int_equal(add(&b, FSM_OP_LOCK, 0, 1, a, 2), -2);
	assert_int_equal(add(&b, FSM_OP_UNLOCK, 0, 1, a, 1), 0);
	assert_int_equal(add(&b, FSM_OP_UNLOCK, FSM_PUT_XX, 1, a, 1), -2);
	buf_free(&b);
}

/* The session and fence flags go on key-value writes only. */
static void test_flag_rules(void **state)
{
	static const uint8_t writes[] = {FSM_OP_PUT,	FSM_OP_DEL,
					 FSM_OP_CAS,	FSM_OP_CAS_INDEX,
					 FSM_OP_INCRBY, FSM_OP_MPUT,
					 FSM_OP_APPEND};
	static const uint8_t others[] = {FSM_OP_NOOP, FSM_OP_SESSION_OPEN,
					 FSM_OP_SESSION_KEEPALIVE,
					 FSM_OP_SESSION_CLOSE, FSM_OP_LOCK,
					 FSM_OP_UNLOCK};
	static const uint8_t flags[] = {FSM_F_SESSION, FSM_F_FENCE,
					FSM_F_SESSION | FSM_F_FENCE};
	size_t i, k;

	(void)state;
	for (k = 0; k < sizeof(flags); k++) {
		for (i = 0; i < sizeof(writes); i++) {
			uint32_t n = writes[i] == FSM_OP_CAS ? 3
				     : writes[i] == FSM_OP_DEL ||
						     writes[i] == FSM_OP_INCRBY
					     ? 1
					     : 2;

			assert_true(codec_shape_ok(writes[i], flags[k], n));
		}
		for (i = 0; i < sizeof(others); i++) {
			uint32_t n = others[i] >= FSM_OP_LOCK ? 1 : 0;

			assert_true(codec_shape_ok(others[i], 0, n));
			assert_false(codec_shape_ok(others[i], flags[k], n));
		}
	}
	assert_true(codec_shape_ok(FSM_OP_PUT, FSM_PUT_NX | FSM_F_SESSION, 2));
	assert_false(codec_shape_ok(FSM_OP_PUT,
				    FSM_PUT_NX | FSM_PUT_XX | FSM_F_FENCE, 2));
	/* an own flag PUT does not have */
	assert_false(codec_shape_ok(FSM_OP_PUT, 0x20, 2));
	assert_false(codec_shape_ok(FSM_OP_DEL, 0x01 | FSM_F_SESSION, 1));
	/* lock names are bounded like keys */
	assert_int_equal(codec_arg_max(FSM_OP_LOCK, 0), FSM_MAX_KEY);
	assert_int_equal(codec_arg_max(FSM_OP_UNLOCK, 0), FSM_MAX_KEY);
	assert_int_equal(codec_arg_max(FSM_OP_APPEND, 0), FSM_MAX_KEY);
	assert_int_equal(codec_arg_max(FSM_OP_APPEND, 1), FSM_MAX_VALUE);
}

/* Both prefixes written and read back, with the arguments after them. */
static void test_session_fence_roundtrip(void **state)
{
	struct fsm_cmd c = seqd(fenced(KV(FSM_OP_PUT, 0, S("key"), S("val")),
				       "jobs", 0x8877665544332211ull),
				0xa1a2a3a4a5a6a7a8ull, 99, 97);
	struct fsm_cmd only_fence = fenced(KV(FSM_OP_DEL, 0, S("d")), "", 5);
	struct fsm_batch_hdr h;
	struct codec_reader r;
	struct codec_cmd cc;
	struct codec_args a;
	struct fsm_slice s;
	struct buf b;

	(void)state;
	buf_init(&b);
	c.flags |= FSM_PUT_NX;
	assert_int_equal(fsm_batch_begin(&b, &hdr1), 0);
	assert_int_equal(fsm_batch_add(&b, &c), 0);
	assert_int_equal(fsm_batch_add(&b, &only_fence), 0);
	assert_int_equal(fsm_batch_end(&b), 0);
	assert_int_equal(codec_open(&r, b.data, b.len, &h), 0);
	assert_int_equal(codec_next(&r, &cc), CODEC_CMD);
	assert_int_equal(cc.flags, FSM_PUT_NX | FSM_F_SESSION | FSM_F_FENCE);
	assert_int_equal(cc.session, 0xa1a2a3a4a5a6a7a8ull);
	assert_int_equal(cc.seq, 99);
	assert_int_equal(cc.ack, 97);
	assert_int_equal(cc.fence_token, 0x8877665544332211ull);
	assert_int_equal(cc.fence_lock.len, 4);
	assert_memory_equal(cc.fence_lock.p, "jobs", 4);
	codec_args_begin(&a, &cc);
	codec_arg(&a, &s);
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.p, "key", 3);
	codec_arg(&a, &s);
	assert_memory_equal(s.p, "val", 3);
	assert_int_equal(codec_next(&r, &cc), CODEC_CMD);
	assert_int_equal(cc.flags, FSM_F_FENCE);
	assert_int_equal(cc.session, 0);
	assert_int_equal(cc.fence_lock.len, 0);
	assert_int_equal(cc.fence_token, 5);
	codec_args_begin(&a, &cc);
	codec_arg(&a, &s);
	assert_memory_equal(s.p, "d", 1);
	assert_int_equal(codec_next(&r, &cc), CODEC_END);
	buf_free(&b);
}

static void test_fence_name_limit(void **state)
{
	char *big = calloc(1, FSM_MAX_KEY + 1);
	struct fsm_cmd c = KV(FSM_OP_PUT, 0, S("k"), S("v"));
	struct buf b;

	(void)state;
	assert_non_null(big);
	buf_init(&b);
	assert_int_equal(fsm_batch_begin(&b, &hdr1), 0);
	c.flags = FSM_F_FENCE;
	c.fence_lock.p = big;
	c.fence_lock.len = FSM_MAX_KEY + 1;
	assert_int_equal(fsm_batch_add(&b, &c), -2);
	assert_int_equal(b.len, CODEC_HDR_LEN);
	c.fence_lock.len = FSM_MAX_KEY;
	assert_int_equal(fsm_batch_add(&b, &c), 0);
	buf_free(&b);
	free(big);
}

/* Damage inside the session and fence fields: the command is bad, the
 * frame still leads to the next. */
static void test_bad_prefix_fields(void **state)
{
	struct fsm_cmd c1 = fenced(KV(FSM_OP_PUT, 0, S("k"), S("v")), "lk", 1);
	struct fsm_cmd c2 = KV(FSM_OP_INCRBY, 1, S("n"));
	struct fsm_batch_hdr h;
	struct codec_reader r;
	struct codec_cmd c;
	struct buf orig, b;
	/* the fence's name length field, and the bytes of the frame after it:
	 * "lk", then "k" and "v" with their lengths */
	size_t at = CODEC_HDR_LEN + CODEC_CMD_HDR_LEN + 8;
	const uint32_t bad_len[] = {2 + 5 + 5 + 1, FSM_MAX_KEY + 1};
	size_t i;

	(void)state;
	buf_init(&orig);
	buf_init(&b);
	assert_int_equal(fsm_batch_begin(&orig, &hdr1), 0);
	assert_int_equal(fsm_batch_add(&orig, &c1), 0);
	assert_int_equal(fsm_batch_add(&orig, &c2), 0);
	assert_int_equal(fsm_batch_end(&orig), 0);
	for (i = 0; i < 2; i++) {
		buf_reset(&b);
		assert_int_equal(buf_append(&b, orig.data, orig.len), 0);
		b.data[at] = (char)(bad_len[i] & 0xff);
		b.data[at + 1] = (char)(bad_len[i] >> 8 & 0xff);
		b.data[at + 2] = (char)(bad_len[i] >> 16 & 0xff);
		assert_int_equal(codec_open(&r, b.data, b.len, &h), 0);
		assert_int_equal(codec_next(&r, &c), CODEC_BAD);
		assert_int_equal(codec_next(&r, &c), CODEC_CMD);
		assert_int_equal(c.op, FSM_OP_INCRBY);
	}
	/* a session flag on a frame too short for the session fields */
	buf_reset(&b);
	assert_int_equal(buf_append(&b, orig.data, orig.len), 0);
	b.data[CODEC_HDR_LEN + 1] = FSM_F_SESSION;
	assert_int_equal(codec_open(&r, b.data, b.len, &h), 0);
	assert_int_equal(codec_next(&r, &c), CODEC_BAD);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	buf_free(&orig);
	buf_free(&b);
}

/* A batch as version 1 wrote it still reads, with time_ms 0; the session
 * and fence flags did not exist then. */
static void test_v1_batch(void **state)
{
	struct fsm_batch_hdr h;
	struct codec_reader r;
	struct codec_cmd c;
	struct buf b, v1;

	(void)state;
	buf_init(&b);
	buf_init(&v1);
	three_commands(&b);
	to_v1(&b, &v1);
	assert_int_equal(v1.len % 8, 0);
	assert_int_equal(fsm_batch_peek(v1.data, v1.len, &h), 0);
	assert_int_equal(h.time_ms, 0);
	assert_int_equal(h.seq, 42);
	assert_int_equal(codec_open(&r, v1.data, v1.len, &h), 0);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(c.op, FSM_OP_PUT);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(c.nargs, 3);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	assert_int_equal(c.num, -5);
	assert_int_equal(codec_next(&r, &c), CODEC_END);
	/* version 1 writers cannot be extended with version 2 commands */
	assert_int_equal(add(&v1, FSM_OP_NOOP, 0, 0, NULL, 0), -2);
	/* A command with a session prefix, sound in version 2, is bad in a
	 * version 1 batch: the prefix did not exist. */
	{
		struct fsm_cmd sc = seqd(KV(FSM_OP_INCRBY, 1, S("n")), 1, 1, 1);

		assert_int_equal(fsm_batch_begin(&b, &hdr1), 0);
		assert_int_equal(fsm_batch_add(&b, &sc), 0);
		assert_int_equal(fsm_batch_end(&b), 0);
	}
	assert_int_equal(codec_open(&r, b.data, b.len, &h), 0);
	assert_int_equal(codec_next(&r, &c), CODEC_CMD);
	to_v1(&b, &v1);
	assert_int_equal(codec_open(&r, v1.data, v1.len, &h), 0);
	assert_int_equal(codec_next(&r, &c), CODEC_BAD);
	assert_int_equal(codec_next(&r, &c), CODEC_END);
	buf_free(&b);
	buf_free(&v1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_padding),
		cmocka_unit_test(test_padding_every_length),
		cmocka_unit_test(test_arity_rules),
		cmocka_unit_test(test_hard_limits),
		cmocka_unit_test(test_peek_rejects),
		cmocka_unit_test(test_unknown_op_is_skipped),
		cmocka_unit_test(test_bad_args_skipped_bad_frame_stops),
		cmocka_unit_test(test_longer_header_is_skipped),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_new_op_shapes),
		cmocka_unit_test(test_flag_rules),
		cmocka_unit_test(test_session_fence_roundtrip),
		cmocka_unit_test(test_fence_name_limit),
		cmocka_unit_test(test_bad_prefix_fields),
		cmocka_unit_test(test_v1_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
