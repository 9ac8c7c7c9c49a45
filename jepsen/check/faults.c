/* faults.c - fault intervals from the nemesis events of a history. */
#include "jepsen/check/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jepsen/lib/json.h"

static int jp_open_interval(struct jp_interval **iv, size_t *n, size_t *cap,
			    const struct jh_event *e)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct jp_interval *p = realloc(*iv, ncap * sizeof *p);

		if (p == NULL)
			return -1;
		*iv = p;
		*cap = ncap;
	}
	memset(&(*iv)[*n], 0, sizeof **iv);
	snprintf((*iv)[*n].kind, sizeof (*iv)[*n].kind, "%s", e->fname + 6);
	(*iv)[*n].what = "";
	(*iv)[*n].start = e->time;
	(*iv)[*n].stop = -1;
	(*n)++;
	return 0;
}

/* The open interval of this kind, if any. */
static struct jp_interval *jp_find_open(struct jp_interval *iv, size_t n, const char *kind)
{
	for (size_t k = n; k-- > 0;)
		if (iv[k].stop < 0 && strcmp(iv[k].kind, kind) == 0)
			return &iv[k];
	return NULL;
}

struct jp_interval *jp_intervals(const struct jh_history *h, size_t *n)
{
	struct jp_interval *iv = NULL, *open;
	size_t cap = 0;
	int64_t end = h->nev ? h->ev[h->nev - 1].time : 0;

	*n = 0;
	for (size_t k = 0; k < h->nev; k++) {
		const struct jh_event *e = &h->ev[k];

		if (e->process != JH_NEMESIS)
			continue;
		if (strncmp(e->fname, "start-", 6) == 0) {
			open = jp_find_open(iv, *n, e->fname + 6);
			if (open == NULL && jp_open_interval(&iv, n, &cap, e) != 0)
				break;
			open = jp_find_open(iv, *n, e->fname + 6);
			if (e->value.kind == JH_V_STR && open != NULL)
				open->what = e->value.str;
		} else if (strncmp(e->fname, "stop-", 5) == 0) {
			open = jp_find_open(iv, *n, e->fname + 5);
			if (open != NULL && e->type != JH_INVOKE)
				open->stop = e->time;
		}
	}
	for (size_t k = 0; k < *n; k++)
		if (iv[k].stop < 0)
			iv[k].stop = end;
	return iv;
}

int jp_intervals_json(struct buf *out, const struct jp_interval *iv, size_t n)
{
	int rv = buf_printf(out, "[");

	for (size_t k = 0; k < n; k++) {
		rv |= buf_printf(out, "%s{\"kind\":", k ? "," : "");
		rv |= jj_write_str(out, iv[k].kind, strlen(iv[k].kind));
		rv |= buf_printf(out, ",\"value\":");
		rv |= jj_write_str(out, iv[k].what, strlen(iv[k].what));
		rv |= buf_printf(out, ",\"start\":%lld,\"stop\":%lld}", (long long)iv[k].start,
				 (long long)iv[k].stop);
	}
	rv |= buf_printf(out, "]");
	return rv ? -1 : 0;
}
