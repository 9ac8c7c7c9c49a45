/* append.c - prefix consistency of reads and real-time order of appends.
 * Positions of elements come from the longest read of each key; an element
 * that no read shows has no position and cannot be misordered. */
#include "jepsen/check/append.h"

#include <stdlib.h>
#include <string.h>

#include "jepsen/check/elements.h"

#define JA_SHOWN 20

struct ja_tally {
	struct buf incompatible, reordered;
	size_t lists, n_incompatible, n_reordered;
	int nomem;
};

static int ja_is_prefix(const struct jh_val *a, const struct jh_val *b)
{
	return a->n <= b->n && (a->n == 0 || memcmp(a->items, b->items, a->n * sizeof *a->items) == 0);
}

/* Position of x in the longest read, or -1. Linear: lists are bounded by
 * the workload's operations per key. */
static long ja_pos(const struct jh_val *order, int64_t x)
{
	for (size_t k = 0; k < order->n; k++)
		if (order->items[k] == x)
			return (long)k;
	return -1;
}

static void ja_prefixes(struct ja_tally *t, const struct jh_history *h,
			const struct jh_op **reads, size_t nr, const struct jh_op *longest)
{
	for (size_t k = 0; k < nr; k++) {
		if (ja_is_prefix(reads[k]->ret, longest->ret))
			continue;
		if (t->n_incompatible++ < JA_SHOWN) {
			buf_printf(&t->incompatible, "%s{\"key\":%lld,\"read\":",
				   t->incompatible.len ? "," : "", (long long)longest->key);
			jh_op_write(&t->incompatible, h, reads[k]);
			buf_printf(&t->incompatible, ",\"longest\":");
			jh_op_write(&t->incompatible, h, longest);
			buf_printf(&t->incompatible, "}");
		}
	}
}

static void ja_order(struct ja_tally *t, const struct jh_op **apps, size_t na,
		     const struct jh_op *longest)
{
	for (size_t a = 0; a < na; a++) {
		long pa = ja_pos(longest->ret, apps[a]->arg->i);

		if (apps[a]->type != JH_OK || pa < 0)
			continue;
		for (size_t b = 0; b < na; b++) {
			long pb;

			if (apps[b]->call <= apps[a]->done)
				continue;
			pb = ja_pos(longest->ret, apps[b]->arg->i);
			if (pb < 0 || pb > pa)
				continue;
			if (t->n_reordered++ < JA_SHOWN)
				buf_printf(&t->reordered, "%s[%lld,%lld]", t->reordered.len ? "," : "",
					   (long long)apps[a]->arg->i, (long long)apps[b]->arg->i);
		}
	}
}

static void ja_one_list(struct ja_tally *t, const struct jh_history *h, const size_t *idx,
			size_t n)
{
	const struct jh_op **apps = malloc(n * sizeof *apps), **reads = malloc(n * sizeof *reads);
	const struct jh_op *longest = NULL;
	size_t na = 0, nr = 0;

	t->lists++;
	if (apps == NULL || reads == NULL) {
		t->nomem = 1;
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		const struct jh_op *op = &h->ops[idx[k]];

		if (op->f == JH_F_APPEND)
			apps[na++] = op;
		else if (op->type == JH_OK && op->ret != NULL && op->ret->kind == JH_V_LIST) {
			reads[nr++] = op;
			if (longest == NULL || op->ret->n > longest->ret->n)
				longest = op;
		}
	}
	if (longest != NULL) {
		ja_prefixes(t, h, reads, nr, longest);
		ja_order(t, apps, na, longest);
	}
out:
	free(apps);
	free(reads);
}

static int ja_is_list_op(const struct jh_op *op, void *arg)
{
	return je_read_or(op, arg) && op->has_key;
}

enum jl_verdict ja_check_history(const struct jh_history *h, struct buf *out)
{
	enum jh_f f = JH_F_APPEND;
	struct ja_tally t;
	size_t n, *idx = jh_group_by_key(h, ja_is_list_op, &f, &n);
	enum jl_verdict v;

	memset(&t, 0, sizeof t);
	t.nomem = idx == NULL;
	for (size_t lo = 0, hi; idx != NULL && lo < n; lo = hi) {
		for (hi = lo + 1; hi < n && jh_same_key(&h->ops[idx[lo]], &h->ops[idx[hi]]); hi++)
			;
		ja_one_list(&t, h, idx + lo, hi - lo);
	}
	v = t.n_incompatible || t.n_reordered ? JL_INVALID : t.nomem ? JL_UNKNOWN : JL_VALID;
	buf_printf(out, "{\"valid\":%s,\"lists\":%zu,\"incompatible\":[%.*s],\"incompatible_count\":%zu,"
		   "\"reordered\":[%.*s],\"reordered_count\":%zu}",
		   jl_verdict_json(v), t.lists,
		   (int)t.incompatible.len, t.incompatible.data ? t.incompatible.data : "",
		   t.n_incompatible, (int)t.reordered.len, t.reordered.data ? t.reordered.data : "",
		   t.n_reordered);
	buf_free(&t.incompatible);
	buf_free(&t.reordered);
	free(idx);
	return v;
}
