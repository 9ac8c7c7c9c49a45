/* details.c - the error messages recorded beside a history. */
#include "jepsen/check/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jepsen/lib/json.h"

static int jp_details_add(struct jp_details *d, size_t *cap, size_t line, const char *msg)
{
	if (d->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		size_t *l = realloc(d->line, ncap * sizeof *l);
		char **e;

		if (l == NULL)
			return -1;
		d->line = l;
		e = realloc(d->error, ncap * sizeof *e);
		if (e == NULL)
			return -1;
		d->error = e;
		*cap = ncap;
	}
	if ((d->error[d->n] = strdup(msg)) == NULL)
		return -1;
	d->line[d->n++] = line;
	return 0;
}

int jp_details_load(const char *path, struct jp_details *d)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t tcap = 0, cap = 0;
	ssize_t len;
	int rv = 0;

	memset(d, 0, sizeof *d);
	if (f == NULL)
		return 0;
	while (rv == 0 && (len = getline(&text, &tcap, f)) > 0) {
		struct jj_value v;
		const struct jj_value *line, *msg;

		if (jj_parse(text, (size_t)len, &v, NULL, 0) != 0)
			continue;
		line = jj_get(&v, "line");
		msg = jj_get(&v, "error");
		if (line != NULL && line->type == JJ_INT && line->i > 0 && msg != NULL &&
		    msg->type == JJ_STR)
			rv = jp_details_add(d, &cap, (size_t)line->i, msg->s);
		jj_free(&v);
	}
	free(text);
	fclose(f);
	return rv;
}

const char *jp_details_find(const struct jp_details *d, size_t line)
{
	size_t lo = 0, hi = d->n;

	/* written in history order, so sorted by line */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->line[mid] < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->n && d->line[lo] == line ? d->error[lo] : NULL;
}

void jp_details_free(struct jp_details *d)
{
	for (size_t k = 0; k < d->n; k++)
		free(d->error[k]);
	free(d->line);
	free(d->error);
	memset(d, 0, sizeof *d);
}
