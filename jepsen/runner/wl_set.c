/* wl_set.c - the set workload (Jepsen's set-full).
 *
 * An element e of set s is the key "js/<s>/<e>": adding it is one write,
 * reading the set is one linearizable RD.LIST of the prefix "js/<s>/" (a
 * single page, so a single read: a set is closed after --ops-per-key adds,
 * well under the page limit). Elements are unique over the whole run.
 * Three adds for every read; after healing, every set is read once more.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "jepsen/runner/runner.h"

#define JR_SET_PAGE 10000

struct jr_set {
	pthread_mutex_t mu;
	int64_t set;        /* the set being added to */
	int adds;           /* adds issued to it */
	atomic_llong next_element;
};

static int jr_set_init(struct jr_run *r)
{
	struct jr_set *s = calloc(1, sizeof *s);

	if (s == NULL)
		return -1;
	if (r->o->ops_per_key >= JR_SET_PAGE) {
		jr_log("set: --ops-per-key must stay under %d (one page per read)", JR_SET_PAGE);
		free(s);
		return -1;
	}
	pthread_mutex_init(&s->mu, NULL);
	r->wl_state = s;
	return 0;
}

static void jr_set_destroy(struct jr_run *r)
{
	struct jr_set *s = r->wl_state;

	if (s == NULL)
		return;
	pthread_mutex_destroy(&s->mu);
	free(s);
	r->wl_state = NULL;
}

/* The set to use; an add also counts against its budget. */
static int64_t jr_set_current(struct jr_set *s, int adding, int per_set)
{
	int64_t set;

	pthread_mutex_lock(&s->mu);
	if (adding && s->adds >= per_set) {
		s->set++;
		s->adds = 0;
	}
	s->adds += adding;
	set = s->set;
	pthread_mutex_unlock(&s->mu);
	return set;
}

static void jr_set_add(struct jr_worker *w, int64_t set)
{
	struct jr_set *s = w->run->wl_state;
	int64_t e = atomic_fetch_add(&s->next_element, 1);
	char key[64], value[24];
	int st;

	snprintf(key, sizeof key, "js/%" PRId64 "/%" PRId64, set, e);
	snprintf(value, sizeof value, "%" PRId64, e);
	jr_invoke(w, "add", 1, set, value);
	st = rdc_put(w->c, key, strlen(key), "1", 1, 0, NULL, NULL);
	jr_complete(w, jr_outcome_of(st, 1), "add", 1, set, value,
		    st == RDC_OK ? NULL : rdc_errmsg(w->c));
}

/* The elements named by the listed keys, as a JSON list. A key that does
 * not parse becomes -1, which no add carries (the checker reports it). */
static void jr_set_value(struct buf *b, const struct rdc_kv *items, size_t n, size_t plen)
{
	buf_printf(b, "[");
	for (size_t k = 0; k < n; k++) {
		const char *p = items[k].key + plen;
		char *end;
		long long e = items[k].klen > plen ? strtoll(p, &end, 10) : -1;

		if (items[k].klen <= plen || end != items[k].key + items[k].klen || e < 0)
			e = -1;
		buf_printf(b, "%s%lld", k ? "," : "", e);
	}
	buf_printf(b, "]");
}

static enum jr_outcome jr_set_read(struct jr_worker *w, int64_t set)
{
	char prefix[48];
	struct rdc_kv *items = NULL;
	size_t n = 0;
	struct buf value;
	enum jr_outcome o;
	int st;

	snprintf(prefix, sizeof prefix, "js/%" PRId64 "/", set);
	buf_init(&value);
	jr_invoke(w, "read", 1, set, NULL);
	st = rdc_list(w->c, prefix, strlen(prefix), NULL, 0, JR_SET_PAGE, RDC_LINEARIZABLE,
		      &items, &n, NULL);
	o = jr_outcome_of(st, 0);
	if (o == JR_OK) {
		jr_set_value(&value, items, n, strlen(prefix));
		if (buf_append(&value, "", 1) != 0)
			o = JR_FAIL; /* out of memory: the read is not recorded as ok */
	}
	jr_complete(w, o, "read", 1, set, o == JR_OK ? value.data : NULL,
		    st == RDC_OK ? (o == JR_OK ? NULL : "out of memory") : rdc_errmsg(w->c));
	rdc_list_free(items);
	buf_free(&value);
	return o;
}

static void jr_set_op(struct jr_worker *w)
{
	struct jr_set *s = w->run->wl_state;
	int adding = jr_rand(w) % 4 != 0;
	int64_t set = jr_set_current(s, adding, w->run->o->ops_per_key);

	if (adding)
		jr_set_add(w, set);
	else
		jr_set_read(w, set);
}

static int jr_set_final(struct jr_worker *w)
{
	struct jr_set *s = w->run->wl_state;
	size_t n = (size_t)s->set + 1;
	int64_t *sets = malloc(n * sizeof *sets);
	int rv;

	if (sets == NULL)
		return -1;
	for (size_t k = 0; k < n; k++)
		sets[k] = (int64_t)k;
	rv = jr_read_each(w, sets, n, jr_set_read);
	free(sets);
	return rv;
}

static int jr_set_probe(struct jr_run *r, char *why, size_t len)
{
	return 0;
}

const struct jr_workload jr_wl_set = {
	"set", jr_set_probe, jr_set_init, jr_set_op, jr_set_final, jr_set_destroy,
};
