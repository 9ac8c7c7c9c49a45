/* wl_register.c - the register workload: independent compare-and-set
 * registers (Jepsen's linearizable-register with independent keys).
 *
 * Keys are shared by groups of workers and retired after a bounded number
 * of operations (keys.c), which bounds the cost of the per-key
 * linearizability search whatever the length of the run. Operations are
 * reads, writes and cas in equal shares over the values 0..4, so that
 * cas succeeds often enough to matter. Key k is "jr/<k>" on the server.
 *
 * A read whose value is not one the workload writes is recorded as value
 * -1, which no write carries: the checker then reports it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jepsen/runner/runner.h"

static int jr_reg_init(struct jr_run *r)
{
	struct jr_keys *k = malloc(sizeof *k);

	if (k == NULL || jr_keys_init(k, r->o) != 0) {
		free(k);
		return -1;
	}
	r->wl_state = k;
	return 0;
}

static void jr_reg_destroy(struct jr_run *r)
{
	if (r->wl_state != NULL)
		jr_keys_destroy(r->wl_state);
	free(r->wl_state);
	r->wl_state = NULL;
}

static int64_t jr_reg_parse(const struct rdc_kv *kv)
{
	char *end;
	long long v;

	if (kv == NULL || kv->vlen == 0 || kv->vlen > 18)
		return -1;
	v = strtoll(kv->value, &end, 10);
	return end == kv->value + kv->vlen && v >= 0 && v <= 4 ? v : -1;
}

/* A read; returns its outcome (value in *v, -2 when absent). */
static enum jr_outcome jr_reg_read(struct jr_worker *w, int64_t key, int64_t *v, char *err,
				   size_t errlen)
{
	char name[32];
	struct rdc_kv *kv = NULL;
	int st;
	enum rdc_consistency mode = w->run->o->stale_reads ? RDC_STALE : RDC_LINEARIZABLE;

	snprintf(name, sizeof name, "jr/%" PRId64, key);
	st = rdc_get(w->c, name, strlen(name), mode, &kv, NULL);
	*v = st == RDC_NOTFOUND ? -2 : jr_reg_parse(kv);
	if (st != RDC_OK && st != RDC_NOTFOUND)
		snprintf(err, errlen, "%s", rdc_errmsg(w->c));
	rdc_free(kv);
	return jr_outcome_of(st, 0);
}

/* A recorded read; returns its outcome. */
static enum jr_outcome jr_reg_do_read(struct jr_worker *w, int64_t key)
{
	char value[24], err[256] = "";
	int64_t v;
	enum jr_outcome o;

	jr_invoke(w, "read", 1, key, NULL);
	o = jr_reg_read(w, key, &v, err, sizeof err);
	if (v == -2)
		snprintf(value, sizeof value, "null");
	else
		snprintf(value, sizeof value, "%" PRId64, v);
	jr_complete(w, o, "read", 1, key, o == JR_OK ? value : NULL, err[0] ? err : NULL);
	return o;
}

static void jr_reg_op(struct jr_worker *w)
{
	int64_t key = jr_keys_next(w->run->wl_state, w->id);
	unsigned what = (unsigned)(jr_rand(w) % 3);
	int a = (int)(jr_rand(w) % 5), b = (int)(jr_rand(w) % 5);
	char name[32], va[8], vb[8], value[24];
	int st;

	if (what == 0) {
		jr_reg_do_read(w, key);
		return;
	}
	snprintf(name, sizeof name, "jr/%" PRId64, key);
	snprintf(va, sizeof va, "%d", a);
	snprintf(vb, sizeof vb, "%d", b);
	if (what == 1) {
		jr_invoke(w, "write", 1, key, va);
		st = rdc_put(w->c, name, strlen(name), va, strlen(va), 0, NULL, NULL);
		jr_complete(w, jr_outcome_of(st, 1), "write", 1, key, va,
			    st == RDC_OK ? NULL : rdc_errmsg(w->c));
		return;
	}
	snprintf(value, sizeof value, "[%d,%d]", a, b);
	jr_invoke(w, "cas", 1, key, value);
	st = rdc_cas(w->c, name, strlen(name), va, strlen(va), vb, strlen(vb), NULL, NULL);
	jr_complete(w, jr_outcome_of(st, 1), "cas", 1, key, value,
		    st == RDC_OK ? NULL : rdc_errmsg(w->c));
}

static int jr_reg_final(struct jr_worker *w)
{
	struct jr_keys *k = w->run->wl_state;

	return jr_read_each(w, k->used, k->nused, jr_reg_do_read);
}

static int jr_reg_probe(struct jr_run *r, char *why, size_t len)
{
	return 0;
}

const struct jr_workload jr_wl_register = {
	"register", jr_reg_probe, jr_reg_init, jr_reg_op, jr_reg_final, jr_reg_destroy,
};
