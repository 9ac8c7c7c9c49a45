/* test_snap.c - the snapshot format: round trips that keep every key, value
 * and index, and decoding that refuses every damaged or foreign input.
 *
 * Most refusals are tested on snapshots written by hand (the helpers in
 * test_snap_util.h follow the layout in snap.h) and sealed with a correct
 * checksum, so that each check is shown to work on its own, not just the
 * checksum. Sessions, locks and the fsm scalars: test_snap_session.c.
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
#include "fsm/fsm.h"
#include "snapshot/crc32c.h"
#include "snapshot/snap.h"
#include "test_snap_util.h"

/* ---- building states ------------------------------------------------------ */

static void put(fsm *f, uint64_t index, const void *k, size_t klen,
		const void *v, size_t vlen)
{
	const struct fsm_batch_hdr hdr = {.term = 1, .proposer = 1, .seq = 1};
	const struct fsm_slice args[2] = {{k, klen}, {v, vlen}};
	const struct fsm_cmd c = {.op = FSM_OP_PUT, .nargs = 2, .args = args};
	struct fsm_result res;
	struct buf b;

	buf_init(&b);
	assert_int_equal(fsm_batch_begin(&b, &hdr), 0);
	assert_int_equal(fsm_batch_add(&b, &c), 0);
	assert_int_equal(fsm_batch_end(&b), 0);
	assert_int_equal(fsm_apply(f, index, b.data, b.len, &res, 1), 1);
	assert_int_equal(res.status, FSM_OK);
	buf_free(&b);
}

static fsm *small_fsm(void)
{
	fsm *f = fsm_new();

	assert_non_null(f);
	put(f, 3, "apple", 5, "red", 3);
	put(f, 4, "", 0, "empty key", 9);
	put(f, 5, "\xff\x00", 2, "", 0);
	put(f, 6, "apple", 5, "green", 5);
	return f;
}

/* ---- comparing states ----------------------------------------------------- */

struct flat {
	struct fsm_kv *kv;
	size_t n, cap;
};

static int flat_cb(void *arg, const struct fsm_kv *kv)
{
	struct flat *fl = arg;

	if (fl->n == fl->cap) {
		fl->cap = fl->cap ? fl->cap * 2 : 16;
		fl->kv = realloc(fl->kv, fl->cap * sizeof(*fl->kv));
		assert_non_null(fl->kv);
	}
	fl->kv[fl->n++] = *kv;
	return 0;
}

static void assert_same_state(const fsm *a, const fsm *b)
{
	struct flat fa = {0}, fb = {0};
	size_t i;

	fsm_scan(a, NULL, 0, NULL, 0, SIZE_MAX, flat_cb, &fa);
	fsm_scan(b, NULL, 0, NULL, 0, SIZE_MAX, flat_cb, &fb);
	assert_int_equal(fa.n, fb.n);
	assert_int_equal(fsm_count(a), fsm_count(b));
	assert_int_equal(fsm_data_bytes(a), fsm_data_bytes(b));
	for (i = 0; i < fa.n; i++) {
		assert_int_equal(fa.kv[i].klen, fb.kv[i].klen);
		assert_int_equal(fa.kv[i].vlen, fb.kv[i].vlen);
		if (fa.kv[i].klen > 0)
			assert_memory_equal(fa.kv[i].key, fb.kv[i].key,
					    fa.kv[i].klen);
		if (fa.kv[i].vlen > 0)
			assert_memory_equal(fa.kv[i].val, fb.kv[i].val,
					    fa.kv[i].vlen);
		assert_int_equal(fa.kv[i].create_index, fb.kv[i].create_index);
		assert_int_equal(fa.kv[i].mod_index, fb.kv[i].mod_index);
	}
	free(fa.kv);
	free(fb.kv);
}

/* ---- round trips ---------------------------------------------------------- */

static void test_roundtrip_small(void **state)
{
	fsm *f = small_fsm(), *g;
	struct snap_info info;
	const char *err = NULL;
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(buf_append(&b, "stale bytes", 11), 0);
	assert_int_equal(snap_encode(f, 9, 6, &b), 0);
	assert_memory_equal(b.data, "\x9bRDSNAP\n", 8);
	assert_int_equal(snap_decode(b.data, b.len, &g, &info, &err), 0);
	assert_non_null(g);
	assert_int_equal(info.version, SNAP_VERSION);
	assert_int_equal(info.term, 9);
	assert_int_equal(info.index, 6);
	assert_int_equal(info.keys, 3);
	assert_int_equal(info.data_bytes, fsm_data_bytes(f));
	assert_int_equal(fsm_applied_index(g), 6);
	assert_same_state(f, g);
	/* info is optional */
	fsm_free(g);
	assert_int_equal(snap_decode(b.data, b.len, &g, NULL, &err), 0);
	assert_same_state(f, g);
	fsm_free(g);
	fsm_free(f);
	buf_free(&b);
}

/* The hand-written layout and the encoder agree byte for byte. */
static void test_layout_matches_spec(void **state)
{
	static const char *const kvs[] = {"a", "1", "b", "22"};
	fsm *f = fsm_new();
	struct buf enc, hand;

	(void)state;
	assert_non_null(f);
	put(f, 1, "a", 1, "x", 1);
	put(f, 1, "b", 1, "22", 2);
	put(f, 2, "a", 1, "1", 1);
	put(f, 2, "b", 1, "22", 2);
	buf_init(&enc);
	buf_init(&hand);
	assert_int_equal(snap_encode(f, 5, 2, &enc), 0);
	w_header(&hand, SNAP_VERSION, 5, 5, 2);
	w_kv(&hand, 2, kvs, 2);
	w_no_sessions_locks(&hand);
	w_no_members(&hand);
	w_seal(&hand);
	assert_int_equal(enc.len, hand.len);
	assert_memory_equal(enc.data, hand.data, enc.len);
	fsm_free(f);
	buf_free(&enc);
	buf_free(&hand);
}

static void test_roundtrip_empty(void **state)
{
	fsm *f = fsm_new(), *g;
	struct snap_info info;
	const char *err;
	struct buf b;

	(void)state;
	assert_non_null(f);
	buf_init(&b);
	assert_int_equal(snap_encode(f, 0, 0, &b), 0);
	assert_int_equal(snap_decode(b.data, b.len, &g, &info, &err), 0);
	assert_int_equal(fsm_count(g), 0);
	assert_int_equal(info.keys, 0);
	fsm_free(g);
	fsm_free(f);
	buf_free(&b);
}

static void test_roundtrip_many(void **state)
{
	fsm *f = fsm_new(), *g;
	struct snap_info info;
	const char *err;
	unsigned char key[40], val[300];
	uint64_t seed = 12345;
	struct buf b;
	unsigned i;

	(void)state;
	assert_non_null(f);
	for (i = 0; i < 20000; i++) {
		size_t klen = 1 + i % 39, vlen = (i * 7) % sizeof(val), k;

		for (k = 0; k < klen; k++) {
			seed = seed * 6364136223846793005ull +
			       1442695040888963407ull;
			key[k] = (unsigned char)(seed >> 56);
		}
		memset(val, (int)i, vlen);
		put(f, i + 1, key, klen, val, vlen);
	}
	buf_init(&b);
	assert_int_equal(snap_encode(f, 3, 20000, &b), 0);
	assert_int_equal(snap_decode(b.data, b.len, &g, &info, &err), 0);
	assert_int_equal(info.keys, fsm_count(f));
	assert_same_state(f, g);
	fsm_free(g);
	fsm_free(f);
	buf_free(&b);
}

/* ---- damage --------------------------------------------------------------- */

static void test_every_byte_flip_detected(void **state)
{
	fsm *f = small_fsm();
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(snap_encode(f, 2, 6, &b), 0);
	assert_flips_detected(&b);
	fsm_free(f);
	buf_free(&b);
}

static void test_every_truncation_detected(void **state)
{
	fsm *f = small_fsm();
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(snap_encode(f, 2, 6, &b), 0);
	assert_cuts_detected(&b);
	fsm_free(f);
	buf_free(&b);
}

static void test_foreign_input(void **state)
{
	/* what libraft writes when it compresses: LZ4's frame magic */
	static const char lz4_frame[40] = "\x04\x22\x4d\x18";
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_refused(&b, "magic");
	assert_int_equal(buf_append(&b, lz4_frame, sizeof(lz4_frame)), 0);
	assert_refused(&b, "magic");
	buf_reset(&b);
	assert_int_equal(buf_append(&b, "\x9bRDSNAP\n", 8), 0);
	assert_refused(&b, "truncated");
	buf_free(&b);
}

static void test_versions(void **state)
{
	static const char *const kvs[] = {"a", "1"};
	struct snap_info info;
	const char *err;
	struct buf b;
	fsm *g;

	(void)state;
	buf_init(&b);
	w_header(&b, SNAP_VERSION + 1, 4, 4, 8);
	w_kv(&b, 1, kvs, 1);
	w_no_sessions_locks(&b);
	w_seal(&b);
	assert_int_equal(snap_decode(b.data, b.len, &g, &info, &err), -1);
	assert_non_null(strstr(err, "newer"));
	/* what the header says is reported for the log line */
	assert_int_equal(info.version, SNAP_VERSION + 1);
	assert_int_equal(info.term, 4);
	assert_int_equal(info.index, 8);

	w_header(&b, 0, 4, 4, 8);
	w_kv(&b, 1, kvs, 1);
	w_no_sessions_locks(&b);
	w_seal(&b);
	assert_refused(&b, "version 0");

	/* The same snapshot as the current version is fine: the refusals
	 * above were for the version alone. */
	w_header(&b, SNAP_VERSION, 5, 4, 8);
	w_kv(&b, 1, kvs, 1);
	w_no_sessions_locks(&b);
	w_no_members(&b);
	w_seal(&b);
	assert_int_equal(snap_decode(b.data, b.len, &g, &info, &err), 0);
	assert_int_equal(fsm_count(g), 1);
	assert_int_equal(info.version, SNAP_VERSION);
	fsm_free(g);
	buf_free(&b);
}

static void test_sections(void **state)
{
	static const char *const kvs[] = {"a", "1"};
	struct buf b;

	(void)state;
	buf_init(&b);
	/* A section from a later version. */
	w_header(&b, 2, 5, 1, 2);
	w_kv(&b, 1, kvs, 1);
	w_no_sessions_locks(&b);
	w_section(&b, 99, 4);
	w_u32(&b, 0);
	w_seal(&b);
	assert_refused(&b, "section this raftd does not know");

	/* Version 1 had the key-value section only. */
	w_header(&b, 1, 2, 1, 2);
	w_kv(&b, 1, kvs, 1);
	w_fsm(&b, 0, 1);
	w_seal(&b);
	assert_refused(&b, "not of its version");

	/* Version 2 has all four, in order. */
	w_header(&b, 2, 1, 1, 2);
	w_kv(&b, 1, kvs, 1);
	w_seal(&b);
	assert_refused(&b, "lacks sections");

	w_header(&b, 2, 4, 1, 2);
	w_fsm(&b, 0, 1);
	w_kv(&b, 1, kvs, 1);
	w_section(&b, SNAP_TAG_SESSIONS, 16);
	w_u64(&b, 0);
	w_u64(&b, 0);
	w_section(&b, SNAP_TAG_LOCKS, 16);
	w_u64(&b, 0);
	w_u64(&b, 0);
	w_seal(&b);
	assert_refused(&b, "out of order");

	w_header(&b, 2, 5, 1, 2);
	w_kv(&b, 1, kvs, 1);
	w_no_sessions_locks(&b);
	w_fsm(&b, 0, 1);
	w_seal(&b);
	assert_refused(&b, "repeated");

	w_header(&b, 1, 0, 1, 2);
	w_seal(&b);
	assert_refused(&b, "no key-value section");

	w_header(&b, 1, 2, 1, 2);
	w_kv(&b, 1, kvs, 1);
	w_kv(&b, 1, kvs, 1);
	w_seal(&b);
	assert_refused(&b, "two key-value sections");

	/* The header promises a section that is not there. */
	w_header(&b, 1, 2, 1, 2);
	w_kv(&b, 1, kvs, 1);
	w_seal(&b);
	assert_refused(&b, "section header is truncated");

	/* Bytes after the last section. */
	w_header(&b, 1, 1, 1, 2);
	w_kv(&b, 1, kvs, 1);
	w_u32(&b, 0);
	w_seal(&b);
	assert_refused(&b, "trailing bytes after");

	/* A section longer than the snapshot. */
	w_header(&b, 1, 1, 1, 2);
	w_section(&b, SNAP_TAG_KV, 1000);
	w_u64(&b, 0);
	w_u64(&b, 0);
	w_seal(&b);
	assert_refused(&b, "section is truncated");

	/* The reserved word of a section header. */
	w_header(&b, 1, 1, 1, 2);
	w_kv(&b, 1, kvs, 1);
	w_seal(&b);
	b.data[32 + 4] = 1;
	w_reseal(&b);
	assert_refused(&b, "section header is corrupt");

	/* A scalars section longer than its fields. */
	w_header(&b, 2, 4, 1, 2);
	w_kv(&b, 1, kvs, 1);
	w_section(&b, SNAP_TAG_FSM, 24);
	w_u64(&b, 0);
	w_u64(&b, 1);
	w_u64(&b, 0);
	w_section(&b, SNAP_TAG_SESSIONS, 16);
	w_u64(&b, 0);
	w_u64(&b, 0);
	w_section(&b, SNAP_TAG_LOCKS, 16);
	w_u64(&b, 0);
	w_u64(&b, 0);
	w_seal(&b);
	assert_refused(&b, "section has trailing bytes");
	buf_free(&b);
}

static void test_entries(void **state)
{
	static const char *const unordered[] = {"b", "1", "a", "2"};
	static const char *const dup[] = {"a", "1", "a", "2"};
	static const char *const prefix_after[] = {"ab", "1", "a", "2"};
	static const char *const two[] = {"a", "1", "b", "2"};
	struct buf b;

	(void)state;
	buf_init(&b);
	w_header(&b, 1, 1, 1, 2);
	w_kv(&b, 2, unordered, 2);
	w_seal(&b);
	assert_refused(&b, "order");

	w_header(&b, 1, 1, 1, 2);
	w_kv(&b, 2, dup, 2);
	w_seal(&b);
	assert_refused(&b, "order");

	w_header(&b, 1, 1, 1, 2);
	w_kv(&b, 2, prefix_after, 2);
	w_seal(&b);
	assert_refused(&b, "order");

	/* count larger than the entries present */
	w_header(&b, 1, 1, 1, 2);
	w_kv(&b, 3, two, 2);
	w_seal(&b);
	assert_refused(&b, "entry is truncated");

	/* count smaller: the last entry is left over */
	w_header(&b, 1, 1, 1, 2);
	w_kv(&b, 1, two, 2);
	w_seal(&b);
	assert_refused(&b, "trailing bytes");

	/* data_bytes that does not add up */
	w_header(&b, 1, 1, 1, 2);
	w_kv(&b, 2, two, 2);
	w_seal(&b);
	b.data[32 + 16 + 8] ^= 1;
	w_reseal(&b);
	assert_refused(&b, "data size");

	/* modified before created */
	w_header(&b, 1, 1, 1, 9);
	w_section(&b, SNAP_TAG_KV, 16 + 24 + 2);
	w_u64(&b, 1);
	w_u64(&b, 2);
	w_entry(&b, "a", "1", 5, 4);
	w_seal(&b);
	assert_refused(&b, "modified before");

	/* a key over FSM_MAX_KEY, with its bytes claimed but absent */
	w_header(&b, 1, 1, 1, 2);
	w_section(&b, SNAP_TAG_KV, 16 + 24);
	w_u64(&b, 1);
	w_u64(&b, FSM_MAX_KEY + 1);
	w_u32(&b, FSM_MAX_KEY + 1);
	w_u32(&b, 0);
	w_u64(&b, 1);
	w_u64(&b, 1);
	w_seal(&b);
	assert_refused(&b, "size limits");

	/* lengths that run past the section */
	w_header(&b, 1, 1, 1, 2);
	w_section(&b, SNAP_TAG_KV, 16 + 24 + 2);
	w_u64(&b, 1);
	w_u64(&b, 2);
	w_u32(&b, 1);
	w_u32(&b, 2);
	w_u64(&b, 1);
	w_u64(&b, 1);
	assert_int_equal(buf_append(&b, "a1", 2), 0);
	w_seal(&b);
	assert_refused(&b, "entry is truncated");

	/* a key-value section too short for its own header */
	w_header(&b, 1, 1, 1, 2);
	w_section(&b, SNAP_TAG_KV, 8);
	w_u64(&b, 0);
	w_seal(&b);
	assert_refused(&b, "section is truncated");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_small),
		cmocka_unit_test(test_layout_matches_spec),
		cmocka_unit_test(test_roundtrip_empty),
		cmocka_unit_test(test_roundtrip_many),
		cmocka_unit_test(test_every_byte_flip_detected),
		cmocka_unit_test(test_every_truncation_detected),
		cmocka_unit_test(test_foreign_input),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
