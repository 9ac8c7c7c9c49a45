/* set.c - set-full: per set, per element, compare the times at which it was
 * known to be present with the reads that missed it. Reads are kept as
 * sorted arrays so each membership test is a binary search. */
#include "jepsen/check/set.h"

#include <stdlib.h>
#include <string.h>

#include "jepsen/check/elements.h"

#define JS_SHOWN 50 /* offending elements listed in full per category */

struct js_read {
	const struct jh_op *op;
	struct je_sorted s;
};

struct js_tally {
	struct je_list lost, stale, unexpected, duplicated, unjudged;
	size_t sets, reads, add_ok, add_fail, add_info, recovered;
	int nomem;
};

/* One element's verdict against the reads of its set. add may be NULL. */
static void js_element(struct js_tally *t, int64_t e, const struct jh_op *add,
		       const struct js_read *r, size_t nr, const struct js_read *final)
{
	int64_t known = add != NULL && add->type == JH_OK ? add->done : JH_NEVER;
	int seen = 0, in_final = je_has(&final->s, e), stale = 0;

	for (size_t k = 0; k < nr; k++)
		if (je_has(&r[k].s, e)) {
			seen = 1;
			if (r[k].op->done < known)
				known = r[k].op->done;
		}
	if (seen && (add == NULL || add->type == JH_FAIL))
		t->nomem |= je_push(&t->unexpected, e);
	if (add != NULL && add->type == JH_INFO && in_final)
		t->recovered++;
	if (known == JH_NEVER || final->op->call < known)
		return;
	if (!in_final) {
		t->nomem |= je_push(&t->lost, e);
		return;
	}
	for (size_t k = 0; k < nr && !stale; k++)
		stale = r[k].op->call > known && !je_has(&r[k].s, e);
	if (stale)
		t->nomem |= je_push(&t->stale, e);
}

static int js_cmp_add(const void *a, const void *b)
{
	const struct jh_op *x = *(const struct jh_op *const *)a;
	const struct jh_op *y = *(const struct jh_op *const *)b;

	return x->arg->i < y->arg->i ? -1 : x->arg->i > y->arg->i;
}

static const struct jh_op *js_find_add(const struct jh_op **adds, size_t na, int64_t e)
{
	size_t lo = 0, hi = na;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (adds[mid]->arg->i < e)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < na && adds[lo]->arg->i == e ? adds[lo] : NULL;
}

static void js_duplicates(struct js_tally *t, const struct je_sorted *s)
{
	for (size_t k = 1; k < s->n; k++)
		if (s->v[k] == s->v[k - 1])
			t->nomem |= je_push(&t->duplicated, s->v[k]);
}

/* Judge each element of one set: its adds, and everything its reads saw. */
static void js_judge(struct js_tally *t, const struct jh_op **adds, size_t na,
		     const struct js_read *r, size_t nr, const struct js_read *final)
{
	qsort(adds, na, sizeof *adds, js_cmp_add);
	for (size_t k = 0; k < na; k++)
		if (k == 0 || adds[k]->arg->i != adds[k - 1]->arg->i)
			js_element(t, adds[k]->arg->i, adds[k], r, nr, final);
	for (size_t k = 0; k < nr; k++) {
		js_duplicates(t, &r[k].s);
		for (size_t j = 0; j < r[k].s.n; j++) {
			int64_t e = r[k].s.v[j];

			if (js_find_add(adds, na, e) == NULL)
				t->nomem |= je_push(&t->unexpected, e);
		}
	}
}

static void js_one_set(struct js_tally *t, const struct jh_history *h, enum jh_f add_f,
		       const size_t *idx, size_t n)
{
	const struct jh_op **adds = malloc(n * sizeof *adds);
	struct js_read *r = calloc(n, sizeof *r), *final = NULL;
	size_t na = 0, nr = 0, acked = 0;

	t->sets++;
	if (adds == NULL || r == NULL) {
		t->nomem = 1;
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		const struct jh_op *op = &h->ops[idx[k]];

		if (op->f == add_f) {
			adds[na++] = op;
			acked += op->type == JH_OK;
			t->add_ok += op->type == JH_OK;
			t->add_fail += op->type == JH_FAIL;
			t->add_info += op->type == JH_INFO;
		} else if (op->type == JH_OK) {
			r[nr].op = op;
			t->nomem |= je_sort(op->ret, &r[nr++].s);
			if (final == NULL || op->call > final->op->call)
				final = &r[nr - 1];
		}
	}
	t->reads += nr;
	if (final == NULL) {
		if (acked > 0)
			t->nomem |= je_push(&t->unjudged, h->ops[idx[0]].key);
		goto out;
	}
	js_judge(t, adds, na, r, nr, final);
out:
	for (size_t k = 0; r != NULL && k < nr; k++)
		je_sorted_free(&r[k].s);
	free(r);
	free(adds);
}

static int js_is_set_op(const struct jh_op *op, void *arg)
{
	return je_read_or(op, arg) && op->has_key;
}

static void js_write(struct buf *out, enum jl_verdict v, struct js_tally *t)
{
	je_uniq(&t->lost);
	je_uniq(&t->stale);
	je_uniq(&t->unexpected);
	je_uniq(&t->duplicated);
	je_uniq(&t->unjudged);
	buf_printf(out, "{\"valid\":%s,\"sets\":%zu,\"adds\":{\"ok\":%zu,\"fail\":%zu,\"info\":%zu},"
		   "\"reads\":%zu,\"recovered\":%zu,",
		   jl_verdict_json(v),
		   t->sets, t->add_ok, t->add_fail, t->add_info, t->reads, t->recovered);
	je_write(out, "lost", &t->lost, JS_SHOWN);
	buf_printf(out, ",");
	je_write(out, "stale", &t->stale, JS_SHOWN);
	buf_printf(out, ",");
	je_write(out, "unexpected", &t->unexpected, JS_SHOWN);
	buf_printf(out, ",");
	je_write(out, "duplicated", &t->duplicated, JS_SHOWN);
	buf_printf(out, ",");
	je_write(out, "unjudged_sets", &t->unjudged, JS_SHOWN);
	if (t->nomem)
		buf_printf(out, ",\"error\":\"out of memory\"");
	buf_printf(out, "}");
}

enum jl_verdict js_check_history(const struct jh_history *h, enum jh_f add_f,
				 struct buf *out)
{
	struct js_tally t;
	size_t n, *idx = jh_group_by_key(h, js_is_set_op, &add_f, &n);
	enum jl_verdict v;

	memset(&t, 0, sizeof t);
	t.nomem = idx == NULL;
	for (size_t lo = 0, hi; idx != NULL && lo < n; lo = hi) {
		for (hi = lo + 1; hi < n && jh_same_key(&h->ops[idx[lo]], &h->ops[idx[hi]]); hi++)
			;
		js_one_set(&t, h, add_f, idx + lo, hi - lo);
	}
	if (t.lost.n || t.stale.n || t.unexpected.n || t.duplicated.n)
		v = JL_INVALID;
	else if (t.unjudged.n || t.nomem)
		v = JL_UNKNOWN;
	else
		v = JL_VALID;
	js_write(out, v, &t);
	je_list_free(&t.lost);
	je_list_free(&t.stale);
	je_list_free(&t.unexpected);
	je_list_free(&t.duplicated);
	je_list_free(&t.unjudged);
	free(idx);
	return v;
}
