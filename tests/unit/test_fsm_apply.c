/* test_fsm_apply.c - what applying a batch does to the state: every
 * key-value op and status, the index rules, INCRBY's integer rules, MPUT's
 * atomicity, APPEND, scans, and bad or cut batches. (Sessions and locks:
 * test_fsm_session.c, test_fsm_lock.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "fsm/codec.h"
#include "fsm/fsm.h"
#include "test_fsm_util.h"

static const struct fsm_batch_hdr hdr1 = {.term = 1, .proposer = 1, .seq = 1};

static int setup(void **state)
{
	*state = fsm_new();
	return *state == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	fsm_free(*state);
	return 0;
}

/* Apply one command as a batch of its own at log index `index`. */
static struct fsm_result apply1(fsm *f, uint64_t index, uint8_t op,
				uint8_t flags, int64_t num,
				const struct fsm_slice *args, uint32_t nargs)
{
	struct fsm_cmd c = {.op = op, .flags = flags, .nargs = nargs,
			    .num = num, .args = args};
	struct fsm_result res;
	struct buf b;

	buf_init(&b);
	assert_int_equal(fsm_batch_begin(&b, &hdr1), 0);
	assert_int_equal(fsm_batch_add(&b, &c), 0);
	assert_int_equal(fsm_batch_end(&b), 0);
	memset(&res, 0xee, sizeof(res));
	assert_int_equal(fsm_apply(f, index, b.data, b.len, &res, 1), 1);
	assert_int_equal(res.index, index);
	assert_int_equal(fsm_applied_index(f), index);
	buf_free(&b);
	return res;
}

#define CMD(f, index, op, flags, num, ...) \
	apply1((f), (index), (op), (flags), (num), ARGS(__VA_ARGS__), \
	       NARGS(__VA_ARGS__))
#define PUT(f, index, k, v) CMD(f, index, FSM_OP_PUT, 0, 0, S(k), S(v))

static void assert_kv(const fsm *f, const char *key, const char *val,
		      uint64_t create, uint64_t mod)
{
	struct fsm_kv kv;

	assert_int_equal(fsm_get(f, key, strlen(key), &kv), 1);
	assert_int_equal(kv.vlen, strlen(val));
	assert_memory_equal(kv.val, val, kv.vlen);
	assert_int_equal(kv.create_index, create);
	assert_int_equal(kv.mod_index, mod);
}

static void assert_absent(const fsm *f, const char *key)
{
	struct fsm_kv kv;

	assert_int_equal(fsm_get(f, key, strlen(key), &kv), 0);
}

/* ---- PUT and DEL ---------------------------------------------------------- */

static void test_put_indexes(void **state)
{
	fsm *f = *state;
	struct fsm_result r;

	r = PUT(f, 5, "a", "1");
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 1);
	assert_kv(f, "a", "1", 5, 5);
	r = PUT(f, 9, "a", "second");
	assert_int_equal(r.status, FSM_OK);
	assert_kv(f, "a", "second", 5, 9);
	/* Writing the same value is still a change. */
	PUT(f, 10, "a", "second");
	assert_kv(f, "a", "second", 5, 10);
	assert_int_equal(fsm_count(f), 1);
	assert_int_equal(fsm_data_bytes(f), 1 + 6);
}

static void test_put_nx_xx(void **state)
{
	fsm *f = *state;
	struct fsm_result r;

	r = CMD(f, 1, FSM_OP_PUT, FSM_PUT_XX, 0, S("k"), S("x"));
	assert_int_equal(r.status, FSM_COND_FAILED);
	assert_int_equal(r.num, 0);
	assert_absent(f, "k");
	r = CMD(f, 2, FSM_OP_PUT, FSM_PUT_NX, 0, S("k"), S("v"));
	assert_int_equal(r.status, FSM_OK);
	assert_kv(f, "k", "v", 2, 2);
	r = CMD(f, 3, FSM_OP_PUT, FSM_PUT_NX, 0, S("k"), S("other"));
	assert_int_equal(r.status, FSM_COND_FAILED);
	assert_kv(f, "k", "v", 2, 2);
	r = CMD(f, 4, FSM_OP_PUT, FSM_PUT_XX, 0, S("k"), S("w"));
	assert_int_equal(r.status, FSM_OK);
	assert_kv(f, "k", "w", 2, 4);
}

static void test_del_and_recreate(void **state)
{
	fsm *f = *state;
	struct fsm_result r;

	PUT(f, 1, "a", "1");
	PUT(f, 2, "b", "2");
	PUT(f, 3, "c", "3");
	r = CMD(f, 4, FSM_OP_DEL, 0, 0, S("a"), S("zz"), S("c"), S("a"));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 2); /* the repeated "a" is gone by then */
	assert_absent(f, "a");
	assert_absent(f, "c");
	assert_kv(f, "b", "2", 2, 2);
	r = CMD(f, 5, FSM_OP_DEL, 0, 0, S("nothing"));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 0);
	/* A key created again is a new key: a new create_index. */
	PUT(f, 6, "a", "again");
	assert_kv(f, "a", "again", 6, 6);
	assert_int_equal(fsm_count(f), 2);
	assert_int_equal(fsm_data_bytes(f), 2 + 6);
}

static void test_binary_and_empty(void **state)
{
	fsm *f = *state;
	struct fsm_kv kv;

	CMD(f, 1, FSM_OP_PUT, 0, 0, {"", 0}, {"", 0});
	CMD(f, 2, FSM_OP_PUT, 0, 0, {"\0\xff\0", 3}, {"\0v\0", 3});
	assert_int_equal(fsm_get(f, "", 0, &kv), 1);
	assert_int_equal(kv.vlen, 0);
	assert_int_equal(fsm_get(f, "\0\xff\0", 3, &kv), 1);
	assert_int_equal(kv.vlen, 3);
	assert_memory_equal(kv.val, "\0v\0", 3);
	assert_int_equal(fsm_get(f, "\0\xff", 2, &kv), 0);
	assert_int_equal(fsm_count(f), 2);
}

/* ---- CAS and CAS_INDEX ---------------------------------------------------- */

static void test_cas(void **state)
{
	fsm *f = *state;
	struct fsm_result r;

	r = CMD(f, 1, FSM_OP_CAS, 0, 0, S("k"), S(""), S("v"));
	assert_int_equal(r.status, FSM_COND_FAILED);
	assert_int_equal(r.num, 0); /* absent */
	assert_absent(f, "k");
	PUT(f, 2, "k", "old");
	r = CMD(f, 3, FSM_OP_CAS, 0, 0, S("k"), S("ol"), S("new"));
	assert_int_equal(r.status, FSM_COND_FAILED);
	assert_int_equal(r.num, 2); /* the key's mod_index */
	r = CMD(f, 4, FSM_OP_CAS, 0, 0, S("k"), S("oldx"), S("new"));
	assert_int_equal(r.status, FSM_COND_FAILED);
	assert_kv(f, "k", "old", 2, 2);
	r = CMD(f, 5, FSM_OP_CAS, 0, 0, S("k"), S("old"), S("new"));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 1);
	assert_kv(f, "k", "new", 2, 5);
	/* An empty value compares equal to an empty expected value. */
	PUT(f, 6, "e", "");
	r = CMD(f, 7, FSM_OP_CAS, 0, 0, S("e"), S(""), S("filled"));
	assert_int_equal(r.status, FSM_OK);
	assert_kv(f, "e", "filled", 6, 7);
}

static void test_cas_index(void **state)
{
	fsm *f = *state;
	struct fsm_result r;

	r = CMD(f, 1, FSM_OP_CAS_INDEX, 0, 3, S("k"), S("v"));
	assert_int_equal(r.status, FSM_COND_FAILED);
	assert_int_equal(r.num, 0);
	assert_absent(f, "k");
	/* 0: must be absent, then it creates. */
	r = CMD(f, 2, FSM_OP_CAS_INDEX, 0, 0, S("k"), S("v"));
	assert_int_equal(r.status, FSM_OK);
	assert_kv(f, "k", "v", 2, 2);
	r = CMD(f, 3, FSM_OP_CAS_INDEX, 0, 0, S("k"), S("w"));
	assert_int_equal(r.status, FSM_COND_FAILED);
	assert_int_equal(r.num, 2);
	r = CMD(f, 4, FSM_OP_CAS_INDEX, 0, 1, S("k"), S("w"));
	assert_int_equal(r.status, FSM_COND_FAILED);
	assert_int_equal(r.num, 2);
	assert_kv(f, "k", "v", 2, 2);
	r = CMD(f, 5, FSM_OP_CAS_INDEX, 0, 2, S("k"), S("w"));
	assert_int_equal(r.status, FSM_OK);
	assert_kv(f, "k", "w", 2, 5);
	/* The old index no longer matches. */
	r = CMD(f, 6, FSM_OP_CAS_INDEX, 0, 2, S("k"), S("x"));
	assert_int_equal(r.status, FSM_COND_FAILED);
	assert_int_equal(r.num, 5);
}

/* ---- INCRBY --------------------------------------------------------------- */

static void test_incrby_basics(void **state)
{
	fsm *f = *state;
	struct fsm_result r;

	r = CMD(f, 1, FSM_OP_INCRBY, 0, 5, S("n"));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 5);
	assert_kv(f, "n", "5", 1, 1);
	r = CMD(f, 2, FSM_OP_INCRBY, 0, -12, S("n"));
	assert_int_equal(r.num, -7);
	assert_kv(f, "n", "-7", 1, 2);
	r = CMD(f, 3, FSM_OP_INCRBY, 0, 7, S("n"));
	assert_int_equal(r.num, 0);
	assert_kv(f, "n", "0", 1, 3);
	r = CMD(f, 4, FSM_OP_INCRBY, 0, 0, S("n"));
	assert_int_equal(r.status, FSM_OK);
	assert_kv(f, "n", "0", 1, 4);
}

static void test_incrby_parsing(void **state)
{
	static const struct {
		const char *text;
		int ok;
		int64_t value;
	} cases[] = {
		{"0", 1, 0},
		{"7", 1, 7},
		{"-1", 1, -1},
		{"1234567890", 1, 1234567890},
		{"9223372036854775807", 1, INT64_MAX},
		{"-9223372036854775808", 1, INT64_MIN},
		{"", 0, 0},
		{"-", 0, 0},
		{"+1", 0, 0},
		{" 1", 0, 0},
		{"1 ", 0, 0},
		{"01", 0, 0},
		{"00", 0, 0},
		{"-0", 0, 0},
		{"-01", 0, 0},
		{"1a", 0, 0},
		{"0x10", 0, 0},
		{"1.0", 0, 0},
		{"1e3", 0, 0},
		{"9223372036854775808", 0, 0},
		{"-9223372036854775809", 0, 0},
		{"18446744073709551616", 0, 0},
		{"99999999999999999999", 0, 0},
		{"100000000000000000000", 0, 0},
	};
	fsm *f = *state;
	uint64_t index = 1;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fsm_slice args[2] = {S("n"),
					    {cases[i].text,
					     strlen(cases[i].text)}};
		struct fsm_result r;

		apply1(f, index++, FSM_OP_PUT, 0, 0, args, 2);
		r = CMD(f, index++, FSM_OP_INCRBY, 0, 0, S("n"));
		if (cases[i].ok) {
			assert_int_equal(r.status, FSM_OK);
			assert_int_equal(r.num, cases[i].value);
		} else {
			/* nothing changed: the value and its mod_index */
			assert_int_equal(r.status, FSM_NOT_INTEGER);
			assert_kv(f, "n", cases[i].text, 1, index - 2);
		}
	}
	/* A NUL inside the digits is not a digit. */
	CMD(f, index++, FSM_OP_PUT, 0, 0, S("z"), {"1\0", 2});
	assert_int_equal(CMD(f, index++, FSM_OP_INCRBY, 0, 1, S("z")).status,
			 FSM_NOT_INTEGER);
}

static void test_incrby_overflow(void **state)
{
	fsm *f = *state;
	struct fsm_result r;

	PUT(f, 1, "max", "9223372036854775807");
	r = CMD(f, 2, FSM_OP_INCRBY, 0, 1, S("max"));
	assert_int_equal(r.status, FSM_OVERFLOW);
	assert_kv(f, "max", "9223372036854775807", 1, 1);
	r = CMD(f, 3, FSM_OP_INCRBY, 0, INT64_MIN, S("max"));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, -1);
	PUT(f, 4, "min", "-9223372036854775808");
	r = CMD(f, 5, FSM_OP_INCRBY, 0, -1, S("min"));
	assert_int_equal(r.status, FSM_OVERFLOW);
	assert_kv(f, "min", "-9223372036854775808", 4, 4);
	r = CMD(f, 6, FSM_OP_INCRBY, 0, INT64_MAX, S("min"));
	assert_int_equal(r.num, -1);
	/* An absent key counts as 0, so any delta fits. */
	r = CMD(f, 7, FSM_OP_INCRBY, 0, INT64_MIN, S("fresh"));
	assert_int_equal(r.status, FSM_OK);
	assert_kv(f, "fresh", "-9223372036854775808", 7, 7);
}

/* ---- MPUT ----------------------------------------------------------------- */

static void test_mput(void **state)
{
	fsm *f = *state;
	struct fsm_result r;

	PUT(f, 1, "b", "old");
	r = CMD(f, 2, FSM_OP_MPUT, 0, 0, S("a"), S("1"), S("b"), S("2"),
		S("a"), S("3"));
	assert_int_equal(r.status, FSM_OK);
	assert_kv(f, "a", "3", 2, 2); /* the last pair for a key wins */
	assert_kv(f, "b", "2", 1, 2);
	assert_int_equal(fsm_count(f), 2);
}

/* A replica that cannot read the third argument must not write the first
 * pair: the whole MPUT is one command, refused whole. */
static void test_mput_all_or_nothing(void **state)
{
	fsm *f = *state;
	const struct fsm_slice args[] = {S("k1"), S("v1"), S("k2"), S("v2")};
	struct fsm_cmd c = {.op = FSM_OP_MPUT, .nargs = 4, .args = args};
	struct fsm_result res[2];
	struct buf b;
	size_t arg3;

	buf_init(&b);
	assert_int_equal(fsm_batch_begin(&b, &hdr1), 0);
	assert_int_equal(fsm_batch_add(&b, &c), 0);
	assert_int_equal(fsm_batch_add(&b, &c), 0);
	assert_int_equal(fsm_batch_end(&b), 0);
	/* In the first command, make k2's length overrun the frame. */
	arg3 = CODEC_HDR_LEN + CODEC_CMD_HDR_LEN + (4 + 2) * 2;
	b.data[arg3] = 50;
	assert_int_equal(fsm_apply(f, 3, b.data, b.len, res, 2), 2);
	assert_int_equal(res[0].status, FSM_BAD_COMMAND);
	assert_int_equal(res[1].status, FSM_OK);
	assert_kv(f, "k1", "v1", 3, 3); /* from the second command */
	/* Alone, the broken command changes nothing at all. */
	fsm_free(f);
	f = *state = fsm_new();
	assert_non_null(f);
	b.data[8] = 1; /* count */
	assert_int_equal(fsm_apply(f, 4, b.data, b.len, res, 2), 1);
	assert_int_equal(res[0].status, FSM_BAD_COMMAND);
	assert_int_equal(fsm_count(f), 0);
	buf_free(&b);
}

/* ---- APPEND --------------------------------------------------------------- */

static void test_append(void **state)
{
	fsm *f = *state;
	struct fsm_result r;

	/* absent counts as empty: the first APPEND creates the key */
	r = CMD(f, 3, FSM_OP_APPEND, 0, 0, S("log"), S("abc"));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 3);
	assert_kv(f, "log", "abc", 3, 3);
	r = CMD(f, 4, FSM_OP_APPEND, 0, 0, S("log"), S("de"));
	assert_int_equal(r.num, 5);
	assert_kv(f, "log", "abcde", 3, 4);
	/* appending nothing is still a write, and answers the length */
	r = CMD(f, 5, FSM_OP_APPEND, 0, 0, S("log"), S(""));
	assert_int_equal(r.num, 5);
	assert_kv(f, "log", "abcde", 3, 5);
	r = CMD(f, 6, FSM_OP_APPEND, 0, 0, S("empty"), S(""));
	assert_int_equal(r.num, 0);
	assert_kv(f, "empty", "", 6, 6);
	/* bytes, not text; then INCRBY sees the result */
	CMD(f, 7, FSM_OP_APPEND, 0, 0, S("n"), {"1\0", 2});
	r = CMD(f, 8, FSM_OP_INCRBY, 0, 1, S("n"));
	assert_int_equal(r.status, FSM_NOT_INTEGER);
	PUT(f, 9, "m", "4");
	CMD(f, 10, FSM_OP_APPEND, 0, 0, S("m"), S("2"));
	assert_int_equal(CMD(f, 11, FSM_OP_INCRBY, 0, 1, S("m")).num, 43);
	assert_int_equal(fsm_data_bytes(f), 3 + 5 + 5 + 1 + 2 + 1 + 2);
}

/* A value may not grow past FSM_MAX_VALUE: refused whole. */
static void test_append_limit(void **state)
{
	fsm *f = *state;
	char *big = calloc(1, FSM_MAX_VALUE);
	struct fsm_result r;

	assert_non_null(big);
	r = CMD(f, 1, FSM_OP_APPEND, 0, 0, S("k"), {big, FSM_MAX_VALUE - 2});
	assert_int_equal(r.num, FSM_MAX_VALUE - 2);
	r = CMD(f, 2, FSM_OP_APPEND, 0, 0, S("k"), S("xyz"));
	assert_int_equal(r.status, FSM_BAD_COMMAND);
	assert_int_equal(r.num, 0);
	r = CMD(f, 3, FSM_OP_APPEND, 0, 0, S("k"), S("xy"));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, FSM_MAX_VALUE);
	{
		struct fsm_kv kv;

		assert_int_equal(fsm_get(f, "k", 1, &kv), 1);
		assert_int_equal(kv.vlen, FSM_MAX_VALUE);
		assert_int_equal(kv.mod_index, 3);
		assert_memory_equal((const char *)kv.val + FSM_MAX_VALUE - 2,
				    "xy", 2);
	}
	free(big);
}

/* ---- batches -------------------------------------------------------------- */

static void test_batch_in_order_same_index(void **state)
{
	fsm *f = *state;
	const struct fsm_slice put[] = {S("n"), S("40")};
	const struct fsm_slice key[] = {S("n")};
	struct fsm_cmd cmds[] = {
		{.op = FSM_OP_PUT, .nargs = 2, .args = put},
		{.op = FSM_OP_INCRBY, .nargs = 1, .num = 2, .args = key},
		{.op = FSM_OP_NOOP, .nargs = 0},
		{.op = FSM_OP_CAS_INDEX, .nargs = 2, .num = 11, .args = put},
		{.op = FSM_OP_DEL, .nargs = 1, .args = key},
	};
	struct fsm_result res[5];
	struct buf b;
	size_t i;

	buf_init(&b);
	assert_int_equal(fsm_batch_begin(&b, &hdr1), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(fsm_batch_add(&b, &cmds[i]), 0);
	assert_int_equal(fsm_batch_end(&b), 0);
	assert_int_equal(fsm_apply(f, 11, b.data, b.len, res, 5), 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(res[i].index, 11);
	assert_int_equal(res[0].status, FSM_OK);
	assert_int_equal(res[1].num, 42); /* sees the PUT before it */
	assert_int_equal(res[2].status, FSM_OK);
	assert_int_equal(res[3].status, FSM_OK); /* mod_index is 11 already */
	assert_int_equal(res[4].num, 1);
	assert_int_equal(fsm_count(f), 0);

	/* Fewer result slots than commands, or none: the same state. */
	fsm *g = fsm_new();

	assert_non_null(g);
	assert_int_equal(fsm_apply(g, 11, b.data, b.len, res, 2), 5);
	assert_int_equal(res[1].num, 42);
	assert_int_equal(fsm_apply(g, 12, b.data, b.len, NULL, 5), 5);
	assert_int_equal(fsm_count(g), 0);
	fsm_free(g);
	buf_free(&b);
}

static void test_unknown_op_applies_the_rest(void **state)
{
	fsm *f = *state;
	struct fsm_cmd c1 = {.op = FSM_OP_PUT, .nargs = 2,
			      .args = ARGS(S("a"), S("1"))};
	struct fsm_cmd c2 = {.op = FSM_OP_PUT, .nargs = 2,
			      .args = ARGS(S("b"), S("2"))};
	struct fsm_cmd c3 = {.op = FSM_OP_PUT, .nargs = 2,
			      .args = ARGS(S("c"), S("3"))};
	struct fsm_result res[3];
	struct buf b;
	size_t second;

	buf_init(&b);
	assert_int_equal(fsm_batch_begin(&b, &hdr1), 0);
	assert_int_equal(fsm_batch_add(&b, &c1), 0);
	second = b.len;
	assert_int_equal(fsm_batch_add(&b, &c2), 0);
	assert_int_equal(fsm_batch_add(&b, &c3), 0);
	assert_int_equal(fsm_batch_end(&b), 0);
	b.data[second] = (char)FSM_OP__COUNT; /* a future op */
	assert_int_equal(fsm_apply(f, 1, b.data, b.len, res, 3), 3);
	assert_int_equal(res[0].status, FSM_OK);
	assert_int_equal(res[1].status, FSM_BAD_COMMAND);
	assert_int_equal(res[2].status, FSM_OK);
	assert_kv(f, "a", "1", 1, 1);
	assert_absent(f, "b");
	assert_kv(f, "c", "3", 1, 1);
	buf_free(&b);
}

/* Cut a four-command batch at every length: the commands that fit whole
 * apply, the rest report FSM_BAD_COMMAND and change nothing. */
static void test_truncated_batches(void **state)
{
	const struct fsm_cmd cmds[4] = {
		{.op = FSM_OP_PUT, .nargs = 2, .args = ARGS(S("a"), S("1"))},
		{.op = FSM_OP_MPUT, .nargs = 4,
		 .args = ARGS(S("b"), S("2"), S("c"), S("3"))},
		{.op = FSM_OP_INCRBY, .nargs = 1, .num = 9,
		 .args = ARGS(S("a"))},
		{.op = FSM_OP_DEL, .nargs = 1, .args = ARGS(S("b"))},
	};
	size_t ends[4], len, i;
	struct buf b, want, got;

	(void)state;
	buf_init(&b);
	buf_init(&want);
	buf_init(&got);
	assert_int_equal(fsm_batch_begin(&b, &hdr1), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(fsm_batch_add(&b, &cmds[i]), 0);
		ends[i] = b.len;
	}
	assert_int_equal(fsm_batch_end(&b), 0);
	for (len = 0; len <= b.len; len++) {
		fsm *cut = fsm_new(), *ref = fsm_new();
		char *copy = malloc(len ? len : 1);
		struct fsm_result res[4];
		size_t whole = 0, n;
		struct buf prefix;

		assert_non_null(cut);
		assert_non_null(ref);
		assert_non_null(copy);
		memcpy(copy, b.data, len);
		while (whole < 4 && ends[whole] <= len)
			whole++;
		n = fsm_apply(cut, 1, copy, len, res, 4);
		if (len < CODEC_HDR_LEN) {
			assert_int_equal(n, 0);
		} else {
			assert_int_equal(n, 4);
			for (i = 0; i < 4; i++)
				assert_int_equal(res[i].status == FSM_BAD_COMMAND,
						 i >= whole);
		}
		/* The reference applies just the whole commands. */
		buf_init(&prefix);
		assert_int_equal(fsm_batch_begin(&prefix, &hdr1), 0);
		for (i = 0; i < whole && len >= CODEC_HDR_LEN; i++)
			assert_int_equal(fsm_batch_add(&prefix, &cmds[i]), 0);
		fsm_apply(ref, 1, prefix.data, prefix.len, NULL, 0);
		dump_state(cut, &got);
		dump_state(ref, &want);
		assert_string_equal(got.data, want.data);
		buf_free(&prefix);
		free(copy);
		fsm_free(cut);
		fsm_free(ref);
	}
	buf_free(&b);
	buf_free(&want);
	buf_free(&got);
}

static void test_not_a_batch_and_huge_count(void **state)
{
	fsm *f = *state;
	struct fsm_result res[3];
	struct buf b;

	assert_int_equal(fsm_apply(f, 3, "junk", 4, res, 3), 0);
	assert_int_equal(fsm_applied_index(f), 3);
	assert_int_equal(fsm_apply(f, 4, NULL, 0, res, 3), 0);
	assert_int_equal(fsm_applied_index(f), 4);
	/* A header claiming 4 billion commands with none present: each gets
	 * FSM_BAD_COMMAND, and only the slots the caller has are written. */
	buf_init(&b);
	assert_int_equal(fsm_batch_begin(&b, &hdr1), 0);
	memset(b.data + 8, 0xff, 4);
	assert_int_equal(fsm_apply(f, 5, b.data, b.len, res, 3), UINT32_MAX);
	assert_int_equal(res[0].status, FSM_BAD_COMMAND);
	assert_int_equal(res[2].status, FSM_BAD_COMMAND);
	assert_int_equal(res[2].index, 5);
	assert_int_equal(fsm_count(f), 0);
	buf_free(&b);
}

static void test_note_index(void **state)
{
	fsm *f = *state;

	assert_int_equal(fsm_applied_index(f), 0);
	fsm_note_index(f, 17);
	assert_int_equal(fsm_applied_index(f), 17);
	PUT(f, 18, "k", "v");
	assert_int_equal(fsm_applied_index(f), 18);
	fsm_set_applied_index(f, 30);
	assert_int_equal(fsm_applied_index(f), 30);
}

/* ---- scans ---------------------------------------------------------------- */

struct collect {
	char keys[64][8];
	size_t n, stop_after;
};

static int collect_cb(void *arg, const struct fsm_kv *kv)
{
	struct collect *c = arg;

	assert_true(kv->klen < sizeof(c->keys[0]));
	memcpy(c->keys[c->n], kv->key, kv->klen);
	c->keys[c->n][kv->klen] = 0;
	c->n++;
	return c->stop_after != 0 && c->n == c->stop_after;
}

/* The keys a scan visits, joined by commas (0xFF shown as '~'). */
static const char *scan(const fsm *f, const char *prefix, size_t plen,
			const char *after, size_t alen, size_t limit)
{
	static char out[512];
	struct collect c = {.n = 0};
	size_t i, n, k;
	char *o = out;

	n = fsm_scan(f, prefix, plen, after, alen, limit, collect_cb, &c);
	assert_int_equal(n, c.n);
	for (i = 0; i < c.n; i++) {
		if (i > 0)
			*o++ = ',';
		for (k = 0; c.keys[i][k]; k++)
			*o++ = c.keys[i][k] == '\xff' ? '~' : c.keys[i][k];
	}
	*o = 0;
	return out;
}

static void put_keys(fsm *f)
{
	static const char *keys[] = {"a",  "ab",   "abc", "abd", "ac",
				     "b",  "\xff", "\xff\xff", "\xff\xff\x01",
				     "\xffz"};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct fsm_slice args[2] = {{keys[i], strlen(keys[i])},
					    S("v")};

		apply1(f, i + 1, FSM_OP_PUT, 0, 0, args, 2);
	}
}

static void test_scan_prefix_after_limit(void **state)
{
	fsm *f = *state;

	put_keys(f);
	assert_string_equal(scan(f, "", 0, NULL, 0, 100),
			    "a,ab,abc,abd,ac,b,~,~z,~~,~~\x01");
	assert_string_equal(scan(f, NULL, 0, NULL, 0, 3), "a,ab,abc");
	assert_string_equal(scan(f, "ab", 2, NULL, 0, 100), "ab,abc,abd");
	assert_string_equal(scan(f, "ab", 2, "ab", 2, 100), "abc,abd");
	assert_string_equal(scan(f, "ab", 2, "abc", 3, 100), "abd");
	assert_string_equal(scan(f, "ab", 2, "abd", 3, 100), "");
	assert_string_equal(scan(f, "ab", 2, "abcz", 4, 1), "abd");
	/* after before the prefix: start at the prefix */
	assert_string_equal(scan(f, "ab", 2, "a", 1, 100), "ab,abc,abd");
	assert_string_equal(scan(f, "b", 1, "a", 1, 100), "b");
	assert_string_equal(scan(f, "\xff", 1, "ac", 2, 1), "~");
	/* after past the prefix range: nothing */
	assert_string_equal(scan(f, "ab", 2, "b", 1, 100), "");
	assert_string_equal(scan(f, "a", 1, NULL, 0, 2), "a,ab");
	assert_string_equal(scan(f, "a", 1, "ab", 2, 2), "abc,abd");
	assert_string_equal(scan(f, "a", 1, NULL, 0, 0), "");
	assert_string_equal(scan(f, "zz", 2, NULL, 0, 100), "");
	assert_string_equal(scan(f, "abcd", 4, NULL, 0, 100), "");
	/* an empty after: every key but the empty one */
	assert_string_equal(scan(f, "", 0, "", 0, 1), "a");
}

static void test_scan_ff_prefixes(void **state)
{
	fsm *f = *state;

	put_keys(f);
	assert_string_equal(scan(f, "\xff", 1, NULL, 0, 100), "~,~z,~~,~~\x01");
	assert_string_equal(scan(f, "\xff\xff", 2, NULL, 0, 100), "~~,~~\x01");
	assert_string_equal(scan(f, "\xff\xff", 2, "\xff\xff", 2, 100),
			    "~~\x01");
	assert_string_equal(scan(f, "\xff\xff\xff", 3, NULL, 0, 100), "");
	assert_string_equal(scan(f, "\xff", 1, "\xff\xff\xff", 3, 100), "");
	assert_string_equal(scan(f, "\xff", 1, "\xff\x80", 2, 100),
			    "~~,~~\x01");
	assert_string_equal(scan(f, "\xff", 1, "\xff", 1, 2), "~z,~~");
}

static void test_scan_callback_stops(void **state)
{
	fsm *f = *state;
	struct collect c = {.n = 0, .stop_after = 2};

	put_keys(f);
	assert_int_equal(fsm_scan(f, "a", 1, NULL, 0, 100, collect_cb, &c), 2);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.keys[1], "ab");
}

/* Scans over enough keys to cross many leaves. */
static void test_scan_many(void **state)
{
	fsm *f = *state;
	struct fsm_kv kv;
	struct collect c;
	char key[16];
	unsigned i;

	for (i = 0; i < 5000; i++) {
		struct fsm_slice args[2] = {{key, 0}, S("v")};

		args[0].len = (size_t)snprintf(key, sizeof(key), "%c%04u",
					       "pq"[i % 2], i);
		apply1(f, i + 1, FSM_OP_PUT, 0, 0, args, 2);
	}
	assert_int_equal(fsm_scan(f, "p", 1, NULL, 0, SIZE_MAX, collect_cb,
				  &(struct collect){.stop_after = 60}),
			 60);
	c = (struct collect){.n = 0};
	assert_int_equal(fsm_scan(f, "q", 1, "q4990", 5, 64, collect_cb, &c), 5);
	assert_string_equal(c.keys[0], "q4991");
	assert_string_equal(c.keys[4], "q4999");
	assert_int_equal(fsm_get(f, "p2000", 5, &kv), 1);
	assert_int_equal(kv.create_index, 2001);
}

/* ---- loading -------------------------------------------------------------- */

static void test_load_kv_order(void **state)
{
	fsm *f = *state;
	struct fsm_kv kv = {"b", 1, "v", 1, 3, 4};

	assert_int_equal(fsm_load_kv(f, &kv), 0);
	kv.key = "a";
	assert_int_equal(fsm_load_kv(f, &kv), -1);
	kv.key = "b";
	assert_int_equal(fsm_load_kv(f, &kv), -1);
	kv.key = "c";
	assert_int_equal(fsm_load_kv(f, &kv), 0);
	assert_int_equal(fsm_count(f), 2);
	assert_kv(f, "b", "v", 3, 4);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_put_indexes),
		T(test_put_nx_xx),
		T(test_del_and_recreate),
		T(test_binary_and_empty),
		T(test_cas),
		T(test_cas_index),
		T(test_incrby_basics),
		T(test_incrby_parsing),
		T(test_incrby_overflow),
		T(test_mput),
		T(test_mput_all_or_nothing),
		T(test_append),
		T(test_append_limit),
		T(test_batch_in_order_same_index),
		T(test_unknown_op_applies_the_rest),
		T(test_truncated_batches),
		T(test_not_a_batch_and_huge_count),
		T(test_note_index),
		T(test_scan_prefix_after_limit),
		T(test_scan_ff_prefixes),
		T(test_scan_callback_stops),
		T(test_scan_many),
		T(test_load_kv_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
