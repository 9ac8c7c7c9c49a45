/* linear.c - split a history per key, search each key, and cut a failing
 * window out of each key that fails. Positions passed to the search are
 * event indices, which order events exactly as they were recorded. */
#include "jepsen/check/linear.h"

#include <stdlib.h>
#include <string.h>

struct jl_ctx {
	const struct jh_history *h;
	const struct jm_model *m;
	const struct jl_options *o;
	struct jl_limits lim;
};

/* What was found wrong with one key. */
struct jl_failure {
	const struct jh_op *culprit;
	struct jl_item *window;
	size_t nwindow;
	int from_start;
};

/* The key's operations as the search takes them: failed ones and reads of
 * unknown outcome dropped, unknown completions at infinity. */
static size_t jl_full_items(const struct jh_history *h, const size_t *idx, size_t n,
			    struct jl_item *out)
{
	size_t m = 0;

	for (size_t k = 0; k < n; k++) {
		const struct jh_op *op = &h->ops[idx[k]];

		if (op->type == JH_FAIL || (op->type != JH_OK && op->f == JH_F_READ))
			continue;
		out[m++] = (struct jl_item){op, op->inv,
					    op->type == JH_OK ? op->comp : JL_INF};
	}
	return m;
}

/* Items invoked at or after from and before cut; those that completed at or
 * after cut, or were running across from, become unknown (and reads among
 * them are dropped). from == 0 keeps everything before the cut. */
static size_t jl_slice(const struct jl_item *in, size_t n, uint64_t from, uint64_t cut,
		       struct jl_item *out)
{
	size_t m = 0;

	for (size_t k = 0; k < n; k++) {
		struct jl_item it = in[k];

		if (it.call >= cut || (it.call < from && it.ret != JL_INF && it.ret < from))
			continue;
		if (it.ret != JL_INF && (it.ret >= cut || it.call < from))
			it.ret = JL_INF;
		if (it.ret == JL_INF && it.op->f == JH_F_READ)
			continue;
		out[m++] = it;
	}
	return m;
}

static enum jl_verdict jl_search(struct jl_ctx *c, int64_t init, const struct jl_item *it,
				 size_t n)
{
	return jl_check(c->m, init, it, n, &c->lim, NULL);
}

/* Invalid from every state that could matter? */
static int jl_invalid_from_any(struct jl_ctx *c, const struct jl_item *it, size_t n)
{
	const struct jh_op **ops = malloc((n ? n : 1) * sizeof *ops);
	int64_t *cand = malloc((3 * n + 2) * sizeof *cand);
	size_t nc;
	int all = 1;

	if (ops == NULL || cand == NULL) {
		free(ops);
		free(cand);
		return 0;
	}
	for (size_t k = 0; k < n; k++)
		ops[k] = it[k].op;
	nc = jm_candidates(ops, n, cand);
	for (size_t k = 0; k < nc && all; k++)
		all = jl_search(c, cand[k], it, n) == JL_INVALID;
	free(ops);
	free(cand);
	return all;
}

static int jl_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Step 1 of the header: the earliest cut (an ok completion) whose prefix is
 * already invalid. full is known invalid, so the last cut always is. */
static uint64_t jl_first_bad_cut(struct jl_ctx *c, const struct jl_item *full, size_t n,
				 struct jl_item *tmp)
{
	uint64_t *cuts = malloc((n ? n : 1) * sizeof *cuts);
	size_t nc = 0, lo = 0, hi;
	uint64_t best = JL_INF;

	if (cuts == NULL)
		return JL_INF;
	for (size_t k = 0; k < n; k++)
		if (full[k].ret != JL_INF)
			cuts[nc++] = full[k].ret;
	qsort(cuts, nc, sizeof *cuts, jl_cmp_u64);
	hi = nc;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		size_t m = jl_slice(full, n, 0, cuts[mid] + 1, tmp);

		if (jl_search(c, c->m->init, tmp, m) == JL_INVALID) {
			best = cuts[mid];
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	free(cuts);
	return best;
}

static const struct jh_op *jl_op_completing_at(const struct jl_item *it, size_t n, uint64_t pos)
{
	for (size_t k = 0; k < n; k++)
		if (it[k].ret == pos)
			return it[k].op;
	return NULL;
}

/* Step 2 of the header, scanning starts from the culprit's invocation
 * backwards; falls back to the whole prefix from the key's real start. */
static int jl_find_window(struct jl_ctx *c, const struct jl_item *full, size_t n,
			  struct jl_failure *f)
{
	struct jl_item *tmp = malloc((n ? n : 1) * sizeof *tmp);
	uint64_t cut, *starts;
	size_t ns = 0;

	f->window = malloc((n ? n : 1) * sizeof *f->window);
	starts = malloc((n ? n : 1) * sizeof *starts);
	if (tmp == NULL || f->window == NULL || starts == NULL)
		goto fail;
	cut = jl_first_bad_cut(c, full, n, tmp);
	if (cut == JL_INF)
		cut = full[0].call; /* not found within limits: report no window */
	f->culprit = jl_op_completing_at(full, n, cut);
	for (size_t k = 0; k < n; k++)
		if (f->culprit != NULL && full[k].call <= f->culprit->inv)
			starts[ns++] = full[k].call;
	qsort(starts, ns, sizeof *starts, jl_cmp_u64);
	for (size_t k = ns; k-- > 0;) {
		size_t m = jl_slice(full, n, starts[k], cut + 1, tmp);

		if (c->lim.deadline_ns && jl_now_ns() > c->lim.deadline_ns)
			break;
		if (jl_invalid_from_any(c, tmp, m)) {
			memcpy(f->window, tmp, m * sizeof *tmp);
			f->nwindow = m;
			goto done;
		}
	}
	f->from_start = 1;
	f->nwindow = f->culprit != NULL ? jl_slice(full, n, 0, cut + 1, f->window) : 0;
done:
	free(tmp);
	free(starts);
	return 0;
fail:
	free(tmp);
	free(starts);
	free(f->window);
	f->window = NULL;
	return -1;
}

static enum jl_verdict jl_key(struct jl_ctx *c, const size_t *idx, size_t n,
			      struct jl_failure *f)
{
	struct jl_item *full = malloc((n ? n : 1) * sizeof *full);
	size_t m;
	enum jl_verdict v;

	if (full == NULL)
		return JL_UNKNOWN;
	m = jl_full_items(c->h, idx, n, full);
	v = jl_search(c, c->m->init, full, m);
	if (v == JL_INVALID && f != NULL)
		jl_find_window(c, full, m, f);
	free(full);
	return v;
}

static int jl_write_failure(struct buf *out, const struct jh_history *h, int64_t key,
			    const struct jl_failure *f, int first)
{
	int rv = buf_printf(out, "%s{\"key\":%lld,\"op\":", first ? "" : ",", (long long)key);

	rv |= f->culprit != NULL ? jh_op_write(out, h, f->culprit) : buf_printf(out, "null");
	rv |= buf_printf(out, ",\"window\":[");
	for (size_t k = 0; k < f->nwindow; k++) {
		rv |= k ? buf_printf(out, ",") : 0;
		rv |= jh_op_write(out, h, f->window[k].op);
	}
	rv |= buf_printf(out, "],\"window_from_start\":%s}", f->from_start ? "true" : "false");
	return rv ? -1 : 0;
}

static int jl_cmp_item_call(const void *a, const void *b)
{
	const struct jl_item *x = a, *y = b;

	return x->call < y->call ? -1 : x->call > y->call;
}

static int jl_accepts(const struct jh_op *op, void *arg)
{
	const struct jm_model *m = arg;

	return m->accepts(op);
}

/* Accepted ops in key order; *err set when one is malformed. */
static size_t *jl_collect(const struct jh_history *h, const struct jm_model *m,
			  size_t *n, const char **err)
{
	size_t *idx = jh_group_by_key(h, jl_accepts, (void *)m, n);

	*err = NULL;
	for (size_t k = 0; idx != NULL && k < *n && *err == NULL; k++)
		*err = m->malformed(&h->ops[idx[k]]);
	return idx;
}

struct jl_tally {
	struct buf invalid, unknown, failures;
	size_t keys, reported;
	int any_invalid, any_unknown;
};

static void jl_one_key(struct jl_ctx *c, const size_t *idx, size_t n, struct jl_tally *t)
{
	const struct jh_op *op = &c->h->ops[idx[0]];
	struct jl_failure f;
	enum jl_verdict v;
	long long key = op->has_key ? (long long)op->key : -1;

	memset(&f, 0, sizeof f);
	t->keys++;
	v = jl_key(c, idx, n, t->reported < c->o->max_reported ? &f : NULL);
	if (v == JL_INVALID) {
		t->any_invalid = 1;
		buf_printf(&t->invalid, "%s%lld", t->invalid.len ? "," : "", key);
		if (f.window != NULL) {
			qsort(f.window, f.nwindow, sizeof *f.window, jl_cmp_item_call);
			jl_write_failure(&t->failures, c->h, key, &f, t->reported == 0);
			t->reported++;
		}
	} else if (v == JL_UNKNOWN) {
		t->any_unknown = 1;
		buf_printf(&t->unknown, "%s%lld", t->unknown.len ? "," : "", key);
	}
	free(f.window);
}

enum jl_verdict jl_check_history(const struct jh_history *h, const struct jm_model *m,
				 const struct jl_options *o, struct buf *out)
{
	struct jl_ctx c = {h, m, o, {o->deadline_ns, o->max_bytes}};
	struct jl_tally t;
	const char *err;
	size_t n, *idx = jl_collect(h, m, &n, &err);
	enum jl_verdict v;

	memset(&t, 0, sizeof t);
	if (idx == NULL) {
		buf_printf(out, "{\"valid\":\"unknown\",\"error\":\"out of memory\"}");
		return JL_UNKNOWN;
	}
	for (size_t lo = 0, hi; err == NULL && lo < n; lo = hi) {
		for (hi = lo + 1; hi < n && jh_same_key(&h->ops[idx[lo]], &h->ops[idx[hi]]); hi++)
			;
		jl_one_key(&c, idx + lo, hi - lo, &t);
	}
	v = t.any_invalid ? JL_INVALID : (t.any_unknown || err != NULL) ? JL_UNKNOWN : JL_VALID;
	buf_printf(out, "{\"valid\":%s,\"model\":\"%s\",\"keys\":%zu,\"ops\":%zu,",
		   jl_verdict_json(v),
		   m->name, t.keys, n);
	if (err != NULL)
		buf_printf(out, "\"error\":\"%s\",", err);
	buf_printf(out, "\"invalid_keys\":[%.*s],\"unknown_keys\":[%.*s],\"failures\":[%.*s]}",
		   (int)t.invalid.len, t.invalid.data ? t.invalid.data : "",
		   (int)t.unknown.len, t.unknown.data ? t.unknown.data : "",
		   (int)t.failures.len, t.failures.data ? t.failures.data : "");
	buf_free(&t.invalid);
	buf_free(&t.unknown);
	buf_free(&t.failures);
	free(idx);
	return v;
}
