/* test_fsm_util.h - helpers the fsm and snapshot test programs share:
 * building and applying batches, session and fence prefixes, and a text
 * dump of the whole state (keys, scalars, sessions, locks) to compare two
 * fsms with.
 *
 * Include after <cmocka.h>. Functions are static inline so that a program
 * using only some of them compiles warning-free.
 */
#ifndef TEST_FSM_UTIL_H
#define TEST_FSM_UTIL_H

#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "fsm/codec.h"
#include "fsm/fsm.h"
#include "fsm/state.h"

#define S(str) {(str), sizeof(str) - 1}
#define ARGS(...) (const struct fsm_slice[]){__VA_ARGS__}
#define NARGS(...) \
	((uint32_t)(sizeof((struct fsm_slice[]){__VA_ARGS__}) / \
		    sizeof(struct fsm_slice)))

/* A command with arguments: KV(FSM_OP_PUT, 0, S("k"), S("v")). */
#define KV(op_, num_, ...)                                               \
	((struct fsm_cmd){.op = (op_), .num = (num_),                    \
			  .nargs = NARGS(__VA_ARGS__),                   \
			  .args = ARGS(__VA_ARGS__)})
/* A command without: NOARGS(FSM_OP_SESSION_OPEN, 5000). */
#define NOARGS(op_, num_) ((struct fsm_cmd){.op = (op_), .num = (num_)})

/* c, sequenced in session sid. */
static inline struct fsm_cmd seqd(struct fsm_cmd c, uint64_t sid,
				  uint64_t seq, uint64_t ack)
{
	c.flags |= FSM_F_SESSION;
	c.session = sid;
	c.seq = seq;
	c.ack = ack;
	return c;
}

/* c, guarded by lock (a C string) and token. */
static inline struct fsm_cmd fenced(struct fsm_cmd c, const char *lock,
				    uint64_t token)
{
	c.flags |= FSM_F_FENCE;
	c.fence_lock.p = lock;
	c.fence_lock.len = strlen(lock);
	c.fence_token = token;
	return c;
}

static inline void batch_begin(struct buf *b, uint64_t time_ms)
{
	const struct fsm_batch_hdr hdr = {.term = 1, .proposer = 1, .seq = 1,
					  .time_ms = time_ms};

	assert_int_equal(fsm_batch_begin(b, &hdr), 0);
}

static inline void batch_add(struct buf *b, const struct fsm_cmd *c)
{
	assert_int_equal(fsm_batch_add(b, c), 0);
}

/* End b and apply it at index; every result must carry the index unless it
 * is a duplicate (which carries its first one). */
static inline size_t batch_apply(fsm *f, uint64_t index, struct buf *b,
				 struct fsm_result *res, size_t cap)
{
	size_t n, i;

	assert_int_equal(fsm_batch_end(b), 0);
	n = fsm_apply(f, index, b->data, b->len, res, cap);
	assert_int_equal(fsm_applied_index(f), index);
	for (i = 0; res != NULL && i < n && i < cap; i++)
		if (!res[i].dup)
			assert_int_equal(res[i].index, index);
	return n;
}

/* Apply c alone, as a batch stamped time_ms, at index. */
static inline struct fsm_result run(fsm *f, uint64_t index, uint64_t time_ms,
				    struct fsm_cmd c)
{
	struct fsm_result res;
	struct buf b;

	buf_init(&b);
	batch_begin(&b, time_ms);
	batch_add(&b, &c);
	memset(&res, 0xee, sizeof(res));
	assert_int_equal(batch_apply(f, index, &b, &res, 1), 1);
	assert_true(res.dup == 0 || res.dup == 1);
	buf_free(&b);
	return res;
}

/* A batch of no commands: only moves cluster time (and expires). */
static inline void tick(fsm *f, uint64_t index, uint64_t time_ms)
{
	struct buf b;

	buf_init(&b);
	batch_begin(&b, time_ms);
	assert_int_equal(batch_apply(f, index, &b, NULL, 0), 0);
	buf_free(&b);
}

/* The same commands as the ended batch v2, as a version 1 writer put them:
 * a 40-byte header without time_ms. (Commands with session or fence fields
 * are copied too, though version 1 never had them: a reader must refuse
 * them.) */
static inline void to_v1(const struct buf *v2, struct buf *v1)
{
	static const char zeros[8] = {0};

	buf_reset(v1);
	assert_int_equal(buf_append(v1, v2->data, CODEC_HDR_LEN_V1), 0);
	v1->data[4] = 1;
	v1->data[6] = CODEC_HDR_LEN_V1;
	assert_int_equal(buf_append(v1, v2->data + CODEC_HDR_LEN,
				    v2->len - CODEC_HDR_LEN),
			 0);
	assert_int_equal(buf_append(v1, zeros, (8 - v1->len % 8) % 8), 0);
}

static inline uint64_t open_session(fsm *f, uint64_t index, uint64_t time_ms,
				    int64_t timeout_ms)
{
	struct fsm_result r =
		run(f, index, time_ms, NOARGS(FSM_OP_SESSION_OPEN, timeout_ms));

	assert_int_equal(r.status, FSM_OK);
	assert_true(r.num > 0);
	return (uint64_t)r.num;
}

/* Field by field: the structs have padding. */
static inline void assert_same_results(const struct fsm_result *a,
				       const struct fsm_result *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		assert_int_equal(a[i].status, b[i].status);
		assert_int_equal(a[i].dup, b[i].dup);
		assert_int_equal(a[i].num, b[i].num);
		assert_int_equal(a[i].index, b[i].index);
	}
}

static inline void assert_value(const fsm *f, const char *key,
				const char *val)
{
	struct fsm_kv kv;

	assert_int_equal(fsm_get(f, key, strlen(key), &kv), 1);
	assert_int_equal(kv.vlen, strlen(val));
	assert_memory_equal(kv.val, val, kv.vlen);
}

/* ---- the whole state as text ------------------------------------------------ */

static inline void dump_hex(struct buf *out, const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		assert_int_equal(buf_printf(out, "%02x", c[i]), 0);
}

static inline int dump_kv_cb(void *arg, const struct fsm_kv *kv)
{
	struct buf *out = arg;

	dump_hex(out, kv->key, kv->klen);
	assert_int_equal(buf_append(out, "=", 1), 0);
	dump_hex(out, kv->val, kv->vlen);
	assert_int_equal(buf_printf(out, "@%llu/%llu\n",
				    (unsigned long long)kv->create_index,
				    (unsigned long long)kv->mod_index),
			 0);
	return 0;
}

static inline int dump_session_cb(void *arg, const struct fsm_session_rec *s)
{
	struct buf *out = arg;
	size_t i;

	assert_int_equal(buf_printf(out, "session %llu timeout %llu last %llu "
					 "highest %llu ack %llu:",
				    (unsigned long long)s->id,
				    (unsigned long long)s->timeout_ms,
				    (unsigned long long)s->last_ms,
				    (unsigned long long)s->highest_seq,
				    (unsigned long long)s->ack),
			 0);
	for (i = 0; i < s->nresults; i++)
		assert_int_equal(
			buf_printf(out, " %llu=%u/%lld@%llu",
				   (unsigned long long)s->results[i].seq,
				   s->results[i].status,
				   (long long)s->results[i].num,
				   (unsigned long long)s->results[i].index),
			0);
	assert_int_equal(buf_append(out, "\n", 1), 0);
	return 0;
}

static inline int dump_lock_cb(void *arg, const struct fsm_lock_rec *l)
{
	struct buf *out = arg;

	assert_int_equal(buf_append(out, "lock ", 5), 0);
	dump_hex(out, l->name, l->len);
	assert_int_equal(buf_printf(out, " holder %llu newest %llu\n",
				    (unsigned long long)l->holder,
				    (unsigned long long)l->newest),
			 0);
	return 0;
}

/* Everything a replica's state holds, as a NUL-terminated string in out. */
static inline void dump_state(const fsm *f, struct buf *out)
{
	buf_reset(out);
	assert_int_equal(buf_printf(out, "applied %llu time %llu next %llu "
					 "keys %llu bytes %llu sessions %llu\n",
				    (unsigned long long)fsm_applied_index(f),
				    (unsigned long long)fsm_cluster_time(f),
				    (unsigned long long)fsm_next_session_id(f),
				    (unsigned long long)fsm_count(f),
				    (unsigned long long)fsm_data_bytes(f),
				    (unsigned long long)fsm_session_count(f)),
			 0);
	fsm_scan(f, NULL, 0, NULL, 0, SIZE_MAX, dump_kv_cb, out);
	fsm_sessions_visit(f, dump_session_cb, out);
	fsm_locks_visit(f, dump_lock_cb, out);
	assert_int_equal(buf_append(out, "", 1), 0);
}

static inline void assert_same_fsm(const fsm *a, const fsm *b)
{
	struct buf da, db;

	buf_init(&da);
	buf_init(&db);
	dump_state(a, &da);
	dump_state(b, &db);
	assert_string_equal(da.data, db.data);
	buf_free(&da);
	buf_free(&db);
}

#endif
