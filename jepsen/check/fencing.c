/* fencing.c - tokens along each list must not decrease. Tokens are found
 * per process by replaying its acquire/append/release operations in
 * invocation order (a process's operations never overlap). */
#include "jepsen/check/fencing.h"

#include <stdlib.h>
#include <string.h>

#define JF_SHOWN 20

/* element -> token, sorted by element for lookups */
struct jf_guard {
	int64_t element;
	int64_t token;
};

struct jf_holder {
	int64_t process;
	int64_t token; /* -1: holds nothing */
};

static int jf_cmp_guard(const void *a, const void *b)
{
	const struct jf_guard *x = a, *y = b;

	return x->element < y->element ? -1 : x->element > y->element;
}

/* The holder entry of process p (added when new); NULL without memory. */
static struct jf_holder *jf_holder(struct jf_holder **hs, size_t *n, size_t *cap, int64_t p)
{
	for (size_t k = 0; k < *n; k++)
		if ((*hs)[k].process == p)
			return &(*hs)[k];
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct jf_holder *m = realloc(*hs, ncap * sizeof *m);

		if (m == NULL)
			return NULL;
		*hs = m;
		*cap = ncap;
	}
	(*hs)[*n] = (struct jf_holder){p, -1};
	return &(*hs)[(*n)++];
}

/* Every guarded append's token, sorted by element; *n receives the count,
 * -1 on memory exhaustion. */
static struct jf_guard *jf_guards(const struct jh_history *h, long *n)
{
	struct jf_guard *g = malloc((h->nops ? h->nops : 1) * sizeof *g);
	struct jf_holder *hs = NULL;
	size_t nh = 0, cap = 0;

	*n = 0;
	for (size_t k = 0; g != NULL && k < h->nops; k++) {
		const struct jh_op *op = &h->ops[k];
		struct jf_holder *ho = jf_holder(&hs, &nh, &cap, op->process);

		if (ho == NULL) {
			free(g);
			g = NULL;
			break;
		}
		if (op->fname != NULL && strcmp(op->fname, "acquire") == 0)
			ho->token = op->type == JH_OK && op->ret != NULL && op->ret->kind == JH_V_INT
					    ? op->ret->i : -1;
		else if (op->fname != NULL && strcmp(op->fname, "release") == 0)
			ho->token = -1;
		else if (op->f == JH_F_APPEND && ho->token >= 0)
			g[(*n)++] = (struct jf_guard){op->arg->i, ho->token};
	}
	free(hs);
	if (g == NULL) {
		*n = -1;
		return NULL;
	}
	qsort(g, (size_t)*n, sizeof *g, jf_cmp_guard);
	return g;
}

static int64_t jf_token_of(const struct jf_guard *g, long n, int64_t e)
{
	struct jf_guard key = {e, 0};
	const struct jf_guard *hit = n > 0 ? bsearch(&key, g, (size_t)n, sizeof *g, jf_cmp_guard)
					   : NULL;

	return hit != NULL ? hit->token : -1;
}

struct jf_tally {
	struct buf pairs;
	size_t lists, bad;
};

/* Walk one key's final list, remembering the newest token seen so far. */
static void jf_list(struct jf_tally *t, const struct jh_val *list, const struct jf_guard *g,
		    long ng)
{
	int64_t newest = -1, newest_e = 0;

	t->lists++;
	for (size_t k = 0; k < list->n; k++) {
		int64_t tok = jf_token_of(g, ng, list->items[k]);

		if (tok < 0)
			continue;
		if (tok < newest && t->bad++ < JF_SHOWN)
			buf_printf(&t->pairs, "%s[%lld,%lld]", t->pairs.len ? "," : "",
				   (long long)newest_e, (long long)list->items[k]);
		if (tok > newest) {
			newest = tok;
			newest_e = list->items[k];
		}
	}
}

static int jf_is_read(const struct jh_op *op, void *arg)
{
	return op->f == JH_F_READ && op->type == JH_OK && op->has_key && op->ret != NULL &&
	       op->ret->kind == JH_V_LIST;
}

enum jl_verdict jf_check_history(const struct jh_history *h, struct buf *out)
{
	long ng;
	struct jf_guard *g = jf_guards(h, &ng);
	size_t n, *idx = jh_group_by_key(h, jf_is_read, NULL, &n);
	struct jf_tally t;
	enum jl_verdict v;

	memset(&t, 0, sizeof t);
	for (size_t lo = 0, hi; g != NULL && idx != NULL && lo < n; lo = hi) {
		for (hi = lo + 1; hi < n && jh_same_key(&h->ops[idx[lo]], &h->ops[idx[hi]]); hi++)
			;
		/* the last read of the key, in invocation order, is the final one */
		jf_list(&t, h->ops[idx[hi - 1]].ret, g, ng);
	}
	v = t.bad ? JL_INVALID : (g == NULL || idx == NULL) ? JL_UNKNOWN : JL_VALID;
	buf_printf(out, "{\"valid\":%s,\"lists\":%zu,\"guarded\":%ld,\"out_of_order\":[%.*s],"
		   "\"out_of_order_count\":%zu}", jl_verdict_json(v), t.lists, ng < 0 ? 0 : ng,
		   (int)t.pairs.len, t.pairs.data ? t.pairs.data : "", t.bad);
	buf_free(&t.pairs);
	free(g);
	free(idx);
	return v;
}
