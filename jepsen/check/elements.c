/* elements.c - sorted reads, offending-element lists, grouping by key. */
#include "jepsen/check/elements.h"

#include <stdlib.h>
#include <string.h>

static int je_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int je_sort(const struct jh_val *read, struct je_sorted *out)
{
	memset(out, 0, sizeof *out);
	if (read == NULL || read->kind != JH_V_LIST || read->n == 0)
		return 0;
	out->v = malloc(read->n * sizeof *out->v);
	if (out->v == NULL)
		return -1;
	memcpy(out->v, read->items, read->n * sizeof *out->v);
	out->n = read->n;
	qsort(out->v, out->n, sizeof *out->v, je_cmp);
	for (size_t k = 1; k < out->n; k++)
		if (out->v[k] == out->v[k - 1])
			out->dups = 1;
	return 0;
}

int je_has(const struct je_sorted *s, int64_t x)
{
	return s->n > 0 && bsearch(&x, s->v, s->n, sizeof x, je_cmp) != NULL;
}

void je_sorted_free(struct je_sorted *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

int je_push(struct je_list *l, int64_t x)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		int64_t *v = realloc(l->v, ncap * sizeof *v);

		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = ncap;
	}
	l->v[l->n++] = x;
	return 0;
}

void je_uniq(struct je_list *l)
{
	size_t m = 0;

	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof *l->v, je_cmp);
	for (size_t k = 0; k < l->n; k++)
		if (m == 0 || l->v[m - 1] != l->v[k])
			l->v[m++] = l->v[k];
	l->n = m;
}

int je_write(struct buf *out, const char *name, const struct je_list *l, size_t max)
{
	int rv = buf_printf(out, "\"%s\":[", name);

	for (size_t k = 0; k < l->n && k < max; k++)
		rv |= buf_printf(out, "%s%lld", k ? "," : "", (long long)l->v[k]);
	rv |= buf_printf(out, "],\"%s_count\":%zu", name, l->n);
	return rv ? -1 : 0;
}

void je_list_free(struct je_list *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

int je_read_or(const struct jh_op *op, void *arg)
{
	return op->f == JH_F_READ || op->f == *(const enum jh_f *)arg;
}
