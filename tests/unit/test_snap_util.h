/* test_snap_util.h - writing snapshots by hand, following the layout in
 * snapshot/snap.h, so that each refusal of the decoder can be shown on its
 * own behind a correct checksum; and the checks every encoded snapshot must
 * pass (any flipped byte or cut is refused).
 *
 * Include after <cmocka.h>. Functions are static inline so that a program
 * using only some of them compiles warning-free.
 */
#ifndef TEST_SNAP_UTIL_H
#define TEST_SNAP_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "fsm/fsm.h"
#include "snapshot/crc32c.h"
#include "snapshot/snap.h"

static inline void w_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4];
	int i;

	for (i = 0; i < 4; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	assert_int_equal(buf_append(b, x, 4), 0);
}

static inline void w_u64(struct buf *b, uint64_t v)
{
	w_u32(b, (uint32_t)v);
	w_u32(b, (uint32_t)(v >> 32));
}

static inline void w_bytes(struct buf *b, const void *p, size_t n)
{
	assert_int_equal(buf_append(b, p, n), 0);
}

/* Start b over with a snapshot header. */
static inline void w_header(struct buf *b, uint32_t version,
			    uint32_t nsections, uint64_t term, uint64_t index)
{
	buf_reset(b);
	w_bytes(b, "\x9bRDSNAP\n", 8);
	w_u32(b, version);
	w_u32(b, nsections);
	w_u64(b, term);
	w_u64(b, index);
}

static inline void w_section(struct buf *b, uint32_t tag, uint64_t len)
{
	w_u32(b, tag);
	w_u32(b, 0);
	w_u64(b, len);
}

static inline void w_entry(struct buf *b, const char *k, const char *v,
			   uint64_t create, uint64_t mod)
{
	w_u32(b, (uint32_t)strlen(k));
	w_u32(b, (uint32_t)strlen(v));
	w_u64(b, create);
	w_u64(b, mod);
	w_bytes(b, k, strlen(k));
	w_bytes(b, v, strlen(v));
}

static inline void w_seal(struct buf *b)
{
	w_u32(b, crc32c(0, b->data, b->len));
}

/* Replace the checksum after changing bytes of a sealed snapshot. */
static inline void w_reseal(struct buf *b)
{
	b->len -= 4;
	w_seal(b);
}

/* One key-value section holding the entries given as key, value pairs;
 * every entry gets create 1, mod 2. */
static inline void w_kv(struct buf *b, uint64_t count, const char *const *kvs,
			size_t npairs)
{
	uint64_t body = 16, data = 0;
	size_t i;

	for (i = 0; i < npairs; i++) {
		body += 24 + strlen(kvs[2 * i]) + strlen(kvs[2 * i + 1]);
		data += strlen(kvs[2 * i]) + strlen(kvs[2 * i + 1]);
	}
	w_section(b, SNAP_TAG_KV, body);
	w_u64(b, count);
	w_u64(b, data);
	for (i = 0; i < npairs; i++)
		w_entry(b, kvs[2 * i], kvs[2 * i + 1], 1, 2);
}

static inline void w_fsm(struct buf *b, uint64_t cluster_time,
			 uint64_t next_session_id)
{
	w_section(b, SNAP_TAG_FSM, 16);
	w_u64(b, cluster_time);
	w_u64(b, next_session_id);
}

/* The version 2 sections after the key-value one, with no sessions and no
 * locks. */
static inline void w_no_sessions_locks(struct buf *b)
{
	w_fsm(b, 0, 1);
	w_section(b, SNAP_TAG_SESSIONS, 16);
	w_u64(b, 0);
	w_u64(b, 0);
	w_section(b, SNAP_TAG_LOCKS, 16);
	w_u64(b, 0);
	w_u64(b, 0);
}

/* The version 3 section after the version 2 ones: no members. */
static inline void w_no_members(struct buf *b)
{
	w_section(b, SNAP_TAG_MEMBERS, 16);
	w_u64(b, 0);
	w_u64(b, 0);
}

/* Decode b; expect failure with a message containing `want`. */
static inline void assert_refused(const struct buf *b, const char *want)
{
	struct snap_info info;
	const char *err = NULL;
	fsm *f = (fsm *)&info; /* must be reset to NULL */

	assert_int_equal(snap_decode(b->data, b->len, &f, &info, &err), -1);
	assert_null(f);
	assert_non_null(err);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", err, want);
	assert_int_equal(info.keys, 0);
	assert_int_equal(info.sessions, 0);
	assert_int_equal(info.locks, 0);
}

/* Every single flipped bit pattern (three masks) at every byte of an
 * encoded snapshot is refused, with a message and no fsm. */
static inline void assert_flips_detected(struct buf *b)
{
	static const unsigned char masks[] = {0x01, 0x80, 0xff};
	const char *err;
	size_t i, m;
	fsm *g;

	for (i = 0; i < b->len; i++) {
		for (m = 0; m < sizeof(masks); m++) {
			b->data[i] ^= (char)masks[m];
			err = NULL;
			if (snap_decode(b->data, b->len, &g, NULL, &err) == 0)
				fail_msg("flip 0x%02x at byte %zu not detected",
					 masks[m], i);
			assert_null(g);
			assert_non_null(err);
			b->data[i] ^= (char)masks[m];
		}
	}
}

/* Every cut of an encoded snapshot is refused, reading nothing past the
 * cut (each is a copy of exactly that many bytes, for the sanitizers). */
static inline void assert_cuts_detected(const struct buf *b)
{
	const char *err;
	size_t len;
	fsm *g;

	for (len = 0; len < b->len; len++) {
		char *cut = malloc(len ? len : 1);

		assert_non_null(cut);
		memcpy(cut, b->data, len);
		assert_int_equal(snap_decode(cut, len, &g, NULL, &err), -1);
		assert_null(g);
		free(cut);
	}
}

#endif
