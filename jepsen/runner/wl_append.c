/* wl_append.c - the append workload: per-key lists grown by atomic appends.
 *
 * A list is the value of "ja/<key>", grown by atomic appends (lists.c).
 * Elements are unique over the run; a read returns the whole list.
 * Keys are shared by groups of workers and retired after a bounded number
 * of operations (keys.c); appends and reads in equal shares.
 *
 * With --sessions each worker issues its appends through an exactly-once
 * session, so a lost reply is retried with the same sequence number instead
 * of being reported uncertain; were the server to apply such a retry twice,
 * the element would appear twice and the checker would say so.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jepsen/runner/runner.h"

/* Per worker: its session, and the connection generation it belongs to
 * (a new connection frees the old handle's sessions). */
struct jr_app_worker {
	rdc_session *session;
	unsigned gen;
};

static int jr_app_init(struct jr_run *r)
{
	struct jr_keys *k = malloc(sizeof *k);

	if (k == NULL || jr_keys_init(k, r->o) != 0) {
		free(k);
		return -1;
	}
	r->wl_state = k;
	return 0;
}

static void jr_app_destroy(struct jr_run *r)
{
	if (r->wl_state != NULL)
		jr_keys_destroy(r->wl_state);
	free(r->wl_state);
	r->wl_state = NULL;
}

/* The worker's session on its current connection, opened when needed.
 * NULL when sessions are off, or one could not be opened (err says why). */
static rdc_session *jr_app_session(struct jr_worker *w, char *err, size_t errlen)
{
	struct jr_app_worker *aw = w->wl;
	int st;

	if (!w->run->o->sessions)
		return NULL;
	if (aw == NULL && (aw = w->wl = calloc(1, sizeof *aw)) == NULL)
		return NULL;
	if (aw->session != NULL && (aw->gen != w->gen || rdc_session_expired(aw->session))) {
		if (aw->gen == w->gen)
			rdc_session_free(aw->session);
		aw->session = NULL;
	}
	if (aw->session == NULL) {
		st = rdc_session_open(w->c, 30000, &aw->session, NULL);
		if (st != RDC_OK) {
			snprintf(err, errlen, "no session: %s", rdc_errmsg(w->c));
			aw->session = NULL;
		}
		aw->gen = w->gen;
	}
	return aw->session;
}

static void jr_app_append(struct jr_worker *w, int64_t key, int64_t e)
{
	char err[300] = "", value[24];
	struct rdc_write_opts opts;

	memset(&opts, 0, sizeof opts);
	opts.session = jr_app_session(w, err, sizeof err);
	if (w->run->o->sessions && opts.session == NULL) {
		/* refused before anything was sent */
		snprintf(value, sizeof value, "%" PRId64, e);
		jr_invoke(w, "append", 1, key, value);
		jr_complete(w, JR_FAIL, "append", 1, key, value, err);
		return;
	}
	jr_list_append(w, "ja", key, e, &opts);
}

static enum jr_outcome jr_app_read(struct jr_worker *w, int64_t key)
{
	return jr_list_read(w, "ja", key);
}

static atomic_llong jr_app_next;

static void jr_app_op(struct jr_worker *w)
{
	int64_t key = jr_keys_next(w->run->wl_state, w->id);

	if (jr_rand(w) % 2)
		jr_app_append(w, key, atomic_fetch_add(&jr_app_next, 1));
	else
		jr_app_read(w, key);
}

static int jr_app_final(struct jr_worker *w)
{
	struct jr_keys *k = w->run->wl_state;

	return jr_read_each(w, k->used, k->nused, jr_app_read);
}

static int jr_app_probe(struct jr_run *r, char *why, size_t len)
{
	if (jr_command_unknown(r, "RD.APPEND")) {
		snprintf(why, len, "this raftd has no RD.APPEND command");
		return 1;
	}
	if (r->o->sessions && jr_command_unknown(r, "RD.SESSION")) {
		snprintf(why, len, "this raftd has no exactly-once sessions (RD.SESSION)");
		return 1;
	}
	return 0;
}

const struct jr_workload jr_wl_append = {
	"append", jr_app_probe, jr_app_init, jr_app_op, jr_app_final, jr_app_destroy,
};
