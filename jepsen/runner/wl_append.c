/* wl_append.c - the append workload: per-key lists grown by atomic appends.
 *
 * raftd's APPEND appends bytes to a value (as Redis does), so a list is the
 * value "e1,e2,e3," and appending element e appends "e,". Elements are
 * unique over the run; a read (linearizable RD.GET) returns the whole list.
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

#include "common/buf.h"
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
	char name[32], bytes[24], value[24], err[300] = "";
	struct rdc_write_opts opts;
	int st;

	memset(&opts, 0, sizeof opts);
	snprintf(name, sizeof name, "ja/%" PRId64, key);
	snprintf(bytes, sizeof bytes, "%" PRId64 ",", e);
	snprintf(value, sizeof value, "%" PRId64, e);
	opts.session = jr_app_session(w, err, sizeof err);
	jr_invoke(w, "append", 1, key, value);
	if (w->run->o->sessions && opts.session == NULL) {
		/* refused before anything was sent */
		jr_complete(w, JR_FAIL, "append", 1, key, value, err);
		return;
	}
	st = rdc_append(w->c, name, strlen(name), bytes, strlen(bytes), &opts, NULL, NULL);
	jr_complete(w, jr_outcome_of(st, 1), "append", 1, key, value,
		    st == RDC_OK ? NULL : rdc_errmsg(w->c));
}

/* "1,5,3," as [1,5,3]; anything malformed becomes -1, which no append
 * carries (the checker reports it). */
static void jr_app_value(struct buf *b, const char *s, size_t len)
{
	size_t pos = 0;
	int first = 1;

	buf_printf(b, "[");
	while (pos < len) {
		const char *comma = memchr(s + pos, ',', len - pos);
		size_t n = comma != NULL ? (size_t)(comma - (s + pos)) : len - pos;
		long long e = -1;

		if (n > 0 && n < 19 && strspn(s + pos, "0123456789") >= n)
			e = strtoll(s + pos, NULL, 10);
		buf_printf(b, "%s%lld", first ? "" : ",", comma != NULL ? e : -1);
		first = 0;
		pos += n + 1;
	}
	buf_printf(b, "]");
}

static enum jr_outcome jr_app_read(struct jr_worker *w, int64_t key)
{
	char name[32];
	struct rdc_kv *kv = NULL;
	struct buf value;
	enum jr_outcome o;
	int st;

	snprintf(name, sizeof name, "ja/%" PRId64, key);
	buf_init(&value);
	jr_invoke(w, "read", 1, key, NULL);
	st = rdc_get(w->c, name, strlen(name), RDC_LINEARIZABLE, &kv, NULL);
	o = jr_outcome_of(st, 0);
	if (o == JR_OK) {
		jr_app_value(&value, kv != NULL ? kv->value : "", kv != NULL ? kv->vlen : 0);
		if (buf_append(&value, "", 1) != 0)
			o = JR_FAIL;
	}
	jr_complete(w, o, "read", 1, key, o == JR_OK ? value.data : NULL,
		    o == JR_OK ? NULL : st == RDC_OK ? "out of memory" : rdc_errmsg(w->c));
	rdc_free(kv);
	buf_free(&value);
	return o;
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
	int64_t deadline = jr_now_ns() + 60 * (int64_t)1000000000;
	int rv = 0;

	for (size_t i = 0; i < k->nused; i++) {
		enum jr_outcome o;

		while ((o = jr_app_read(w, k->used[i])) != JR_OK && jr_retry(w, deadline))
			;
		rv |= o == JR_OK ? 0 : -1;
	}
	return rv;
}

/* Ask a node about a command without running it: with no arguments a
 * known command gets "wrong number of arguments", an unknown one "unknown
 * command". 1 when the node does not know it. */
static int jr_app_unknown(struct jr_run *r, const char *cmd)
{
	char reply[256];
	const char *argv[] = {cmd};

	for (int i = 1; i <= r->o->nodes; i++)
		if (jr_resp_call(r->c->n[i].ip, JR_CLIENT_PORT, 1000, 1, argv, reply,
				 sizeof reply) == 0)
			return strstr(reply, "unknown command") != NULL;
	return 0;
}

static int jr_app_probe(struct jr_run *r, char *why, size_t len)
{
	if (jr_app_unknown(r, "RD.APPEND")) {
		snprintf(why, len, "this raftd has no RD.APPEND command");
		return 1;
	}
	if (r->o->sessions && jr_app_unknown(r, "RD.SESSION")) {
		snprintf(why, len, "this raftd has no exactly-once sessions (RD.SESSION)");
		return 1;
	}
	return 0;
}

const struct jr_workload jr_wl_append = {
	"append", jr_app_probe, jr_app_init, jr_app_op, jr_app_final, jr_app_destroy,
};
