/* elements.h - helpers shared by the set and append checkers: reads as
 * sorted element arrays, a bounded JSON list of offending elements, and the
 * op filter for grouping. */
#ifndef JEPSEN_ELEMENTS_H
#define JEPSEN_ELEMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "jepsen/lib/history.h"

/* A read's elements, sorted, for membership tests. Owned by the caller. */
struct je_sorted {
	int64_t *v;
	size_t n;
	int dups; /* 1 when the read listed some element more than once */
};

/* Sort a copy of a read's result (a list; anything else counts as empty).
 * Returns 0, or -1 when memory runs out. */
int je_sort(const struct jh_val *read, struct je_sorted *out);
int je_has(const struct je_sorted *s, int64_t x);
void je_sorted_free(struct je_sorted *s);

/* A growing list of int64 (offending elements), written as JSON with at
 * most max entries shown and the full count beside it. */
struct je_list {
	int64_t *v;
	size_t n, cap;
};

int je_push(struct je_list *l, int64_t x);
/* Sort l and drop repeated entries. */
void je_uniq(struct je_list *l);
/* Appends "name":[..first max..],"name_count":n to out. */
int je_write(struct buf *out, const char *name, const struct je_list *l, size_t max);
void je_list_free(struct je_list *l);

/* For jh_group_by_key: ops whose f is read or the enum jh_f *arg points at. */
int je_read_or(const struct jh_op *op, void *arg);

#endif
