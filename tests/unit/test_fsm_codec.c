/* test_fsm_codec.c - the batch format: what the proposer may write, and what
 * a replica makes of any bytes at all.
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

#define S(str) {(str), sizeof(str) - 1}

static const struct fsm_batch_hdr hdr1 = {
	.term = 7, .proposer = 0x1122334455667788ull, .seq = 42, .count = 0};

static int add(struct buf *b, uint8_t op, uint8_t flags, int64_t num,
	       const struct fsm_slice *args, uint32_t nargs)
{
	struct fsm_cmd c = {op, flags, nargs, num, args};

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
		assert_int_equal(add(&b, FSM_OP_INCRBY, 0, 0, val_as_key, 1), -2);
	}
	assert_int_equal(add(&b, FSM_OP_DEL, 0, 0, many, FSM_MAX_ARGS), 0);
	assert_int_equal(add(&b, FSM_OP_DEL, 0, 0, many, FSM_MAX_ARGS + 1), -2);
	assert_int_equal(add(&b, FSM_OP_MPUT, 0, 0, many, FSM_MAX_ARGS + 2), -2);
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
	grown.data[4] = 2; /* version */
	grown.data[6] = CODEC_HDR_LEN + sizeof(extra);
	assert_int_equal(codec_open(&r, grown.data, grown.len, &h), 0);
	assert_int_equal(h.count, 3);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
