/* apply_kv.c - the key-value ops: PUT, DEL, CAS, CAS_INDEX, INCRBY, MPUT,
 * APPEND.
 *
 * Every condition (NX/XX, CAS, CAS_INDEX, INCRBY's integer check, APPEND's
 * length) is tested before anything changes, so a command either applies
 * whole or not at all. MPUT's pairs were all validated by the reader before
 * the first is written. Whether a command may run at all (its session, its
 * fence) was settled before it got here (fsm.c).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fsm/fsm_impl.h"

static void put_or_die(fsm *f, uint64_t index, const struct fsm_slice *k,
		       const void *val, size_t vlen)
{
	if (map_put(f->m, k->p, k->len, val, vlen, index) < 0)
		fsm__die(index);
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

/* APPEND, as Redis has it: an absent key counts as empty, so the first
 * APPEND creates the key (create_index and mod_index as a PUT would set
 * them). A result longer than FSM_MAX_VALUE is refused whole with
 * FSM_BAD_COMMAND (num 0): every replica can hold any value the codec
 * lets through, and a key larger than that could never be read back in
 * one reply or written again by a PUT. */
static void apply_append(fsm *f, uint64_t index, const struct codec_cmd *c,
			 struct fsm_result *res)
{
	struct codec_args a;
	struct fsm_slice k, v;
	const struct map_entry *e;
	uint64_t len;

	codec_args_begin(&a, c);
	codec_arg(&a, &k);
	codec_arg(&a, &v);
	e = map_get(f->m, k.p, k.len);
	if (e != NULL && (uint64_t)e->vlen + v.len > FSM_MAX_VALUE) {
		res->status = FSM_BAD_COMMAND;
		return;
	}
	if (map_extend(f->m, k.p, k.len, v.p, v.len, index, &len) < 0)
		fsm__die(index);
	res->num = (int64_t)len;
}

void fsm__apply_kv(fsm *f, uint64_t index, const struct codec_cmd *c,
		   struct fsm_result *res)
{
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
	case FSM_OP_APPEND:
		apply_append(f, index, c, res);
		break;
	default: /* fsm.c sends no other op here */
		res->status = FSM_BAD_COMMAND;
		break;
	}
}
