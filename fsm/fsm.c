/* fsm.c - applying command batches to the key-value map.
 *
 * fsm_apply reads a batch command by command (codec.c) and applies each in
 * turn, so a batch whose tail is corrupt still applies its sound prefix and
 * reports FSM_BAD_COMMAND for the rest: that outcome depends only on the
 * bytes, so every replica reaches the same state.
 *
 * Every condition (NX/XX, CAS, CAS_INDEX, INCRBY's integer check) is tested
 * before anything changes, so a command either applies whole or not at all.
 * MPUT's pairs were all validated by the reader before the first is written.
 *
 * Out of memory while applying is the one failure that cannot be a result:
 * a replica that skipped a write would silently diverge from the others and
 * later serve wrong reads. fsm_apply then logs and aborts; the node restarts
 * from its snapshot and log.
 */
#include "fsm/fsm.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "fsm/codec.h"
#include "fsm/map.h"

struct fsm {
	map *m;
	uint64_t applied;
};

fsm *fsm_new(void)
{
	fsm *f = malloc(sizeof(*f));

	if (f == NULL)
		return NULL;
	f->m = map_new();
	if (f->m == NULL) {
		free(f);
		return NULL;
	}
	f->applied = 0;
	return f;
}

void fsm_free(fsm *f)
{
	if (f == NULL)
		return;
	map_free(f->m);
	free(f);
}

void fsm_note_index(fsm *f, uint64_t index)
{
	f->applied = index;
}

void fsm_set_applied_index(fsm *f, uint64_t index)
{
	f->applied = index;
}

uint64_t fsm_applied_index(const fsm *f)
{
	return f->applied;
}

uint64_t fsm_count(const fsm *f)
{
	return map_count(f->m);
}

uint64_t fsm_data_bytes(const fsm *f)
{
	return map_data_bytes(f->m);
}

/* ---- writes --------------------------------------------------------------- */

static void put_or_die(fsm *f, uint64_t index, const struct fsm_slice *k,
		       const void *val, size_t vlen)
{
	if (map_put(f->m, k->p, k->len, val, vlen, index) < 0) {
		rd_error("fsm: out of memory applying index %" PRIu64
			 "; stopping rather than diverging from the cluster",
			 index);
		abort();
	}
}

static void apply_put(fsm *f, uint64_t index, const struct codec_cmd *c,
		      struct fsm_result *res)
{
	struct codec_args a;
	struct fsm_slice k, v;

	codec_args_begin(&a, c);
	codec_arg(&a, &k);
	codec_arg(&a, &v);
	if (c->flags != 0) {
		bool exists = map_get(f->m, k.p, k.len) != NULL;

		if (((c->flags & FSM_PUT_NX) && exists) ||
		    ((c->flags & FSM_PUT_XX) && !exists)) {
			res->status = FSM_COND_FAILED;
			return;
		}
	}
	put_or_die(f, index, &k, v.p, v.len);
	res->num = 1;
}

static void apply_del(fsm *f, const struct codec_cmd *c,
		      struct fsm_result *res)
{
	struct codec_args a;
	struct fsm_slice k;
	uint32_t i;

	codec_args_begin(&a, c);
	for (i = 0; i < c->nargs; i++) {
		codec_arg(&a, &k);
		res->num += map_del(f->m, k.p, k.len);
	}
}

static void apply_cas(fsm *f, uint64_t index, const struct codec_cmd *c,
		      struct fsm_result *res)
{
	struct codec_args a;
	struct fsm_slice k, expected, v;
	const struct map_entry *e;

	codec_args_begin(&a, c);
	codec_arg(&a, &k);
	codec_arg(&a, &expected);
	codec_arg(&a, &v);
	e = map_get(f->m, k.p, k.len);
	if (e == NULL || e->vlen != expected.len ||
	    (expected.len > 0 &&
	     memcmp(map_entry_val(e), expected.p, expected.len) != 0)) {
		res->status = FSM_COND_FAILED;
		res->num = e != NULL ? (int64_t)e->mod_index : 0;
		return;
	}
	put_or_die(f, index, &k, v.p, v.len);
	res->num = 1;
}

static void apply_cas_index(fsm *f, uint64_t index, const struct codec_cmd *c,
			    struct fsm_result *res)
{
	struct codec_args a;
	struct fsm_slice k, v;
	const struct map_entry *e;
	uint64_t have;

	codec_args_begin(&a, c);
	codec_arg(&a, &k);
	codec_arg(&a, &v);
	e = map_get(f->m, k.p, k.len);
	have = e != NULL ? e->mod_index : 0;
	if (have != (uint64_t)c->num) {
		res->status = FSM_COND_FAILED;
		res->num = (int64_t)have;
		return;
	}
	put_or_die(f, index, &k, v.p, v.len);
	res->num = 1;
}

/* Parse a canonical decimal int64 the way Redis does: optional '-', no '+',
 * no spaces, no leading zeros, no "-0"; out of range is not an integer. */
static bool parse_i64(const unsigned char *s, size_t len, int64_t *out)
{
	uint64_t v = 0, lim;
	bool neg;
	size_t i;

	if (len == 1 && s[0] == '0') {
		*out = 0;
		return true;
	}
	if (len == 0 || len > 20)
		return false;
	neg = s[0] == '-';
	i = neg ? 1 : 0;
	if (i == len || s[i] < '1' || s[i] > '9')
		return false;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		if (v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	/* -(INT64_MAX + 1) computed without overflowing */
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

static void apply_incrby(fsm *f, uint64_t index, const struct codec_cmd *c,
			 struct fsm_result *res)
{
	struct codec_args a;
	struct fsm_slice k;
	const struct map_entry *e;
	int64_t cur = 0, next;
	char text[24];
	int n;

	codec_args_begin(&a, c);
	codec_arg(&a, &k);
	e = map_get(f->m, k.p, k.len);
	if (e != NULL && !parse_i64(map_entry_val(e), e->vlen, &cur)) {
		res->status = FSM_NOT_INTEGER;
		return;
	}
	if (__builtin_add_overflow(cur, c->num, &next)) {
		res->status = FSM_OVERFLOW;
		return;
	}
	n = snprintf(text, sizeof(text), "%" PRId64, next);
	put_or_die(f, index, &k, text, (size_t)n);
	res->num = next;
}

static void apply_mput(fsm *f, uint64_t index, const struct codec_cmd *c,
		       struct fsm_result *res)
{
	struct codec_args a;
	struct fsm_slice k, v;
	uint32_t i;

	codec_args_begin(&a, c);
	for (i = 0; i < c->nargs; i += 2) {
		codec_arg(&a, &k);
		codec_arg(&a, &v);
		put_or_die(f, index, &k, v.p, v.len);
	}
	res->num = 1;
}

static void apply_cmd(fsm *f, uint64_t index, const struct codec_cmd *c,
		      struct fsm_result *res)
{
	res->status = FSM_OK;
	res->num = 0;
	switch (c->op) {
	case FSM_OP_NOOP:
		break;
	case FSM_OP_PUT:
		apply_put(f, index, c, res);
		break;
	case FSM_OP_DEL:
		apply_del(f, c, res);
		break;
	case FSM_OP_CAS:
		apply_cas(f, index, c, res);
		break;
	case FSM_OP_CAS_INDEX:
		apply_cas_index(f, index, c, res);
		break;
	case FSM_OP_INCRBY:
		apply_incrby(f, index, c, res);
		break;
	case FSM_OP_MPUT:
		apply_mput(f, index, c, res);
		break;
	default: /* the reader lets no other op through */
		res->status = FSM_BAD_COMMAND;
		break;
	}
}

/* Something that is not a batch at all holds no commands: nothing to apply
 * and nobody waiting for results, since no proposer wrote it. */
size_t fsm_apply(fsm *f, uint64_t index, const void *p, size_t len,
		 struct fsm_result *results, size_t cap)
{
	struct codec_reader r;
	struct fsm_batch_hdr hdr;
	size_t i;

	f->applied = index;
	if (codec_open(&r, p, len, &hdr) != 0)
		return 0;
	if (results == NULL)
		cap = 0;
	for (i = 0; i < hdr.count; i++) {
		struct fsm_result res = {FSM_BAD_COMMAND, 0, index};
		struct codec_cmd c;
		int k = codec_next(&r, &c);

		if (k == CODEC_CORRUPT) {
			/* count may be huge here: touch only what the caller
			 * can hold */
			for (; i < cap; i++)
				results[i] = res;
			break;
		}
		if (k == CODEC_CMD)
			apply_cmd(f, index, &c, &res);
		if (i < cap)
			results[i] = res;
	}
	return hdr.count;
}

/* ---- reads ---------------------------------------------------------------- */

static void kv_from_entry(const struct map_entry *e, struct fsm_kv *kv)
{
	kv->key = map_entry_key(e);
	kv->klen = e->klen;
	kv->val = map_entry_val(e);
	kv->vlen = e->vlen;
	kv->create_index = e->create_index;
	kv->mod_index = e->mod_index;
}

int fsm_get(const fsm *f, const void *key, size_t klen, struct fsm_kv *out)
{
	const struct map_entry *e = map_get(f->m, key, klen);

	if (e == NULL)
		return 0;
	kv_from_entry(e, out);
	return 1;
}

/* The walk starts at the later of prefix and just-after `after`, and stops
 * at the first key without the prefix: keys with a prefix are contiguous in
 * byte order, so no upper bound needs computing (none exists for prefixes
 * of 0xFF bytes). A limit of 0 visits nothing. */
size_t fsm_scan(const fsm *f, const void *prefix, size_t plen,
		const void *after, size_t alen, size_t limit,
		fsm_visit_cb cb, void *arg)
{
	struct map_iter it;
	const struct map_entry *e;
	size_t n = 0;

	if (limit == 0)
		return 0;
	if (after != NULL && map_keycmp(after, alen, prefix, plen) >= 0)
		map_seek(f->m, after, alen, 1, &it);
	else
		map_seek(f->m, prefix, plen, 0, &it);
	while (n < limit && (e = map_next(&it)) != NULL) {
		struct fsm_kv kv;

		if (e->klen < plen ||
		    (plen > 0 && memcmp(map_entry_key(e), prefix, plen) != 0))
			break;
		kv_from_entry(e, &kv);
		n++;
		if (cb(arg, &kv) != 0)
			break;
	}
	return n;
}

int fsm_load_kv(fsm *f, const struct fsm_kv *kv)
{
	return map_append(f->m, kv->key, kv->klen, kv->val, kv->vlen,
			  kv->create_index, kv->mod_index);
}
