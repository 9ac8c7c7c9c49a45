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
 *
 * Lost replies are rare on a real network, so --lose-replies P makes them
 * on purpose: with probability P a worker drops the reply to a sequenced
 * append it just received and sends the same request again, with the same
 * session id and sequence number (through a second handle on the session,
 * attached at that seq, as libraftd's own retry after a timeout would),
 * then reports what the second reply says. A server that de-duplicates
 * answers from the first application (same log index); one that does not
 * appends the element again. The counts go to runner.log.
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

/* --lose-replies: replies dropped, and how their retries were answered. */
static atomic_llong jr_lost, jr_lost_same_index, jr_lost_new_index, jr_lost_unanswered;

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
	if (r->o->lose_replies > 0)
		jr_log("lost replies: %lld appends retried with the same session and seq: %lld "
		       "answered from the first application (same log index), %lld applied again "
		       "(a new index), %lld retries not answered",
		       (long long)atomic_load(&jr_lost), (long long)atomic_load(&jr_lost_same_index),
		       (long long)atomic_load(&jr_lost_new_index),
		       (long long)atomic_load(&jr_lost_unanswered));
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

/* The retry of a sequenced append whose first reply (ok, at index first)
 * is treated as lost: the same request, with the same session id and seq,
 * through a second handle on the session. The outcome is the retry's: ok,
 * or info when it got no answer (the client then knows only that it sent
 * the append, which may have been applied). */
static void jr_app_retry(struct jr_worker *w, rdc_session *s, uint64_t seq, const char *name,
			 const char *bytes, const char *value, int64_t key, uint64_t first)
{
	struct rdc_write_opts opts;
	struct rdc_meta meta;
	char note[400];
	int st = RDC_NOMEM;

	memset(&opts, 0, sizeof opts);
	opts.session = rdc_session_attach(w->c, rdc_session_id(s), rdc_session_timeout_ms(s), seq);
	if (opts.session != NULL)
		st = rdc_append(w->c, name, strlen(name), bytes, strlen(bytes), &opts, NULL, &meta);
	atomic_fetch_add(&jr_lost, 1);
	if (st == RDC_OK) {
		atomic_fetch_add(meta.index == first ? &jr_lost_same_index : &jr_lost_new_index, 1);
		snprintf(note, sizeof note, "reply lost on purpose (--lose-replies): applied at index "
			 "%llu; the retry (session %llu seq %llu) answered index %llu%s",
			 (unsigned long long)first, (unsigned long long)rdc_session_id(s),
			 (unsigned long long)seq, (unsigned long long)meta.index,
			 meta.index == first ? " (de-duplicated)" : " (APPLIED AGAIN)");
	} else {
		atomic_fetch_add(&jr_lost_unanswered, 1);
		snprintf(note, sizeof note, "reply lost on purpose (--lose-replies): applied at index "
			 "%llu; the retry (session %llu seq %llu) failed: %s",
			 (unsigned long long)first, (unsigned long long)rdc_session_id(s),
			 (unsigned long long)seq, rdc_errmsg(w->c));
	}
	rdc_session_free(opts.session);
	jr_complete(w, st == RDC_OK ? JR_OK : JR_INFO, "append", 1, key, value, note);
}

/* A sequenced append under --lose-replies: the first reply, when it says
 * ok, is dropped with probability P and the request sent again. */
static void jr_app_append_lossy(struct jr_worker *w, int64_t key, int64_t e,
				const struct rdc_write_opts *opts)
{
	char name[48], bytes[24], value[24];
	uint64_t seq = rdc_session_next_seq(opts->session);
	struct rdc_meta meta;
	int st;

	snprintf(name, sizeof name, "ja/%" PRId64, key);
	snprintf(bytes, sizeof bytes, "%" PRId64 ",", e);
	snprintf(value, sizeof value, "%" PRId64, e);
	jr_invoke(w, "append", 1, key, value);
	st = rdc_append(w->c, name, strlen(name), bytes, strlen(bytes), opts, NULL, &meta);
	if (st == RDC_OK &&
	    (double)(jr_rand(w) % 1000000) < w->run->o->lose_replies * 1000000.0) {
		jr_app_retry(w, opts->session, seq, name, bytes, value, key, meta.index);
		return;
	}
	jr_complete(w, jr_outcome_of(st, 1), "append", 1, key, value,
		    st == RDC_OK ? NULL : rdc_errmsg(w->c));
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
	if (opts.session != NULL && w->run->o->lose_replies > 0) {
		jr_app_append_lossy(w, key, e, &opts);
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
