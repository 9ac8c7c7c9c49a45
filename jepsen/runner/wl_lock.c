/* wl_lock.c - the lock workload: writes guarded by fencing tokens.
 *
 * Workers sharing a key contend for the lock "jl/<k>" through exactly-once
 * sessions that expire 2 s after their last command. A holder appends a few
 * unique elements to the list "jlv/<k>" with fenced writes (RD.FENCE with
 * its token; not sequenced, so the fence alone decides), then releases.
 * Every 8th holder stalls for 3 s before writing, as a paused client would:
 * its session expires, another worker may take the lock with a newer token,
 * and the stalled holder's late writes must then be refused (FENCED).
 *
 * Recorded operations: "acquire" (ok value: the token), "append" (value:
 * the element), "release", and "read" of the list. The checkers then ask
 * that the list's elements, in the order they were applied, carry tokens
 * that never decrease (fencing), and that nothing acknowledged is lost or
 * duplicated and nothing refused appears (elements).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jepsen/runner/runner.h"

#define JR_LOCK_SESSION_MS 2000
#define JR_LOCK_STALL_S 3.0
#define JR_LOCK_WRITES 3

struct jr_lock_worker {
	rdc_session *session;
	unsigned gen;         /* connection generation the session belongs to */
	int64_t key;          /* held lock's key, -1 when none */
	uint64_t token;
	int writes;           /* guarded writes done under this hold */
};

static atomic_llong jr_lock_next;

static int jr_lock_init(struct jr_run *r)
{
	struct jr_keys *k = malloc(sizeof *k);

	if (k == NULL || jr_keys_init(k, r->o) != 0) {
		free(k);
		return -1;
	}
	r->wl_state = k;
	return 0;
}

static void jr_lock_destroy(struct jr_run *r)
{
	if (r->wl_state != NULL)
		jr_keys_destroy(r->wl_state);
	free(r->wl_state);
	r->wl_state = NULL;
}

/* The worker's state, with a live session on its current connection (or
 * none, with the reason in err). */
static struct jr_lock_worker *jr_lock_state(struct jr_worker *w, char *err, size_t errlen)
{
	struct jr_lock_worker *lw = w->wl;

	if (lw == NULL) {
		if ((lw = w->wl = calloc(1, sizeof *lw)) == NULL)
			return NULL;
		lw->key = -1;
	}
	if (lw->session != NULL && (lw->gen != w->gen || rdc_session_expired(lw->session))) {
		if (lw->gen == w->gen)
			rdc_session_free(lw->session);
		lw->session = NULL;
		lw->key = -1; /* a lost session holds nothing */
	}
	if (lw->session == NULL) {
		if (rdc_session_open(w->c, JR_LOCK_SESSION_MS, &lw->session, NULL) != RDC_OK) {
			snprintf(err, errlen, "no session: %s", rdc_errmsg(w->c));
			lw->session = NULL;
		}
		lw->gen = w->gen;
	}
	return lw;
}

static void jr_lock_name(char *out, size_t len, const char *prefix, int64_t key)
{
	snprintf(out, len, "%s/%" PRId64, prefix, key);
}

static void jr_lock_acquire(struct jr_worker *w, struct jr_lock_worker *lw, const char *err)
{
	int64_t key = jr_keys_next(w->run->wl_state, w->id);
	char name[32], value[24];
	uint64_t token = 0;
	enum jr_outcome o;
	int st;

	jr_lock_name(name, sizeof name, "jl", key);
	jr_invoke(w, "acquire", 1, key, NULL);
	if (lw->session == NULL) {
		jr_complete(w, JR_FAIL, "acquire", 1, key, NULL, err);
		return;
	}
	st = rdc_lock(lw->session, name, strlen(name), w->run->o->op_timeout_ms / 2, &token, NULL);
	o = st == RDC_CONDITION ? JR_FAIL : jr_outcome_of(st, 1);
	snprintf(value, sizeof value, "%" PRIu64, token);
	if (o == JR_OK) {
		lw->key = key;
		lw->token = token;
		lw->writes = 0;
	}
	jr_complete(w, o, "acquire", 1, key, o == JR_OK ? value : NULL,
		    st == RDC_OK ? NULL : rdc_errmsg(w->c));
}

static void jr_lock_write(struct jr_worker *w, struct jr_lock_worker *lw)
{
	char lock[32];
	struct rdc_write_opts opts;

	if (lw->writes == 0 && jr_rand(w) % 8 == 0)
		jr_sleep(JR_LOCK_STALL_S); /* a paused holder: its session expires */
	jr_lock_name(lock, sizeof lock, "jl", lw->key);
	memset(&opts, 0, sizeof opts);
	opts.fence_lock = lock;
	opts.fence_len = strlen(lock);
	opts.fence_token = lw->token;
	lw->writes++;
	jr_list_append(w, "jlv", lw->key, atomic_fetch_add(&jr_lock_next, 1), &opts);
}

static void jr_lock_release(struct jr_worker *w, struct jr_lock_worker *lw)
{
	char name[32];
	int64_t key = lw->key;
	int st;

	jr_lock_name(name, sizeof name, "jl", key);
	lw->key = -1;
	jr_invoke(w, "release", 1, key, NULL);
	st = rdc_unlock(lw->session, name, strlen(name), NULL);
	jr_complete(w, st == RDC_CONDITION ? JR_FAIL : jr_outcome_of(st, 1), "release", 1, key,
		    NULL, st == RDC_OK ? NULL : rdc_errmsg(w->c));
}

/* One step of acquire, write, write, write, release. */
static void jr_lock_op(struct jr_worker *w)
{
	char err[300] = "";
	struct jr_lock_worker *lw = jr_lock_state(w, err, sizeof err);
	unsigned gen = w->gen;

	if (lw == NULL)
		return;
	if (lw->key < 0 || lw->session == NULL)
		jr_lock_acquire(w, lw, err);
	else if (lw->writes < JR_LOCK_WRITES)
		jr_lock_write(w, lw);
	else
		jr_lock_release(w, lw);
	if (w->gen != gen)
		lw->key = -1; /* an unknown outcome moved us to a new connection */
}

static enum jr_outcome jr_lock_read(struct jr_worker *w, int64_t key)
{
	return jr_list_read(w, "jlv", key);
}

static int jr_lock_final(struct jr_worker *w)
{
	struct jr_keys *k = w->run->wl_state;

	return jr_read_each(w, k->used, k->nused, jr_lock_read);
}

static int jr_lock_probe(struct jr_run *r, char *why, size_t len)
{
	static const char *const needed[] = {"RD.LOCK", "RD.FENCE", "RD.SESSION", "RD.APPEND"};

	for (size_t k = 0; k < sizeof needed / sizeof needed[0]; k++)
		if (jr_command_unknown(r, needed[k])) {
			snprintf(why, len, "this raftd has no %s command", needed[k]);
			return 1;
		}
	return 0;
}

const struct jr_workload jr_wl_lock = {
	"lock", jr_lock_probe, jr_lock_init, jr_lock_op, jr_lock_final, jr_lock_destroy,
};
