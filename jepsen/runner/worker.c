/* worker.c - client threads, process identities, and reply mapping.
 *
 * Each worker is one Jepsen client: a thread with its own blocking libraftd
 * handle whose endpoint list starts at "its" node, so fresh connections are
 * spread over the cluster. An operation whose outcome is unknown (info)
 * leaves the client in an unknown state too: the worker then continues as
 * a new process (process + concurrency, as Jepsen numbers them) with a new
 * handle, so that no process ever has two operations open at once.
 *
 * Mapping of libraftd's statuses (include/raftd/client.h) onto outcomes:
 *   OK, NOTFOUND (a read of an absent key) .............. ok
 *   CONDITION (cas/NX not met: nothing changed) ........ fail
 *   UNAVAILABLE (no leader took it), TIMEOUT (a read),
 *   BADREQUEST, CANCELED, INVALID, FENCED,
 *   SESSION_EXPIRED (refused before applying) .......... fail
 *   UNCERTAIN (sent, outcome unknown) ................... info
 *   PROTOCOL, NOMEM ..................................... info for writes
 *                                                        (may have been sent),
 *                                                        fail for reads
 */
#include <stdio.h>
#include <string.h>

#include "jepsen/runner/runner.h"

enum jr_outcome jr_outcome_of(int status, int is_write)
{
	switch (status) {
	case RDC_OK:
	case RDC_NOTFOUND:
		return JR_OK;
	case RDC_UNCERTAIN:
		return JR_INFO;
	case RDC_PROTOCOL:
	case RDC_NOMEM:
		return is_write ? JR_INFO : JR_FAIL;
	default:
		return JR_FAIL;
	}
}

uint64_t jr_rand(struct jr_worker *w)
{
	uint64_t x = w->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return w->rng = x;
}

void jr_stagger(struct jr_worker *w)
{
	double dt = (double)w->run->o->concurrency / w->run->o->rate;

	jr_sleep(2.0 * dt * (double)(jr_rand(w) % 10000) / 10000.0);
}

int jr_worker_connect(struct jr_worker *w)
{
	struct rdc_options opts;

	memset(&opts, 0, sizeof opts);
	opts.deadline_ms = w->run->o->op_timeout_ms;
	opts.connect_timeout_ms = w->run->o->op_timeout_ms < 1000 ? w->run->o->op_timeout_ms : 500;
	opts.read_attempt_ms = w->run->o->op_timeout_ms;
	rdc_close(w->c);
	w->gen++;
	w->c = rdc_open(w->endpoints, &opts);
	if (w->c == NULL || rdc_errcode(w->c) != RDC_OK) {
		jr_log("worker %d: cannot open a client on %s: %s", w->id, w->endpoints,
		       w->c != NULL ? rdc_errmsg(w->c) : "out of memory");
		return -1;
	}
	return 0;
}

void jr_invoke(struct jr_worker *w, const char *f, int has_key, int64_t key,
	       const char *value)
{
	jr_hist_write(w->run->h, w->process, "invoke", f, has_key, key, value, NULL);
}

void jr_complete(struct jr_worker *w, enum jr_outcome type, const char *f, int has_key,
		 int64_t key, const char *value, const char *err)
{
	static const char *const names[] = {"ok", "fail", "info"};

	jr_hist_write(w->run->h, w->process, names[type], f, has_key, key, value, err);
	if (type == JR_INFO) {
		w->process += w->run->o->concurrency;
		jr_worker_connect(w);
	}
}

int jr_retry(struct jr_worker *w, int64_t deadline)
{
	if (jr_now_ns() >= deadline || atomic_load(&w->run->interrupted))
		return 0;
	jr_sleep(0.2);
	return 1;
}

int jr_read_each(struct jr_worker *w, const int64_t *keys, size_t n,
		 enum jr_outcome (*read)(struct jr_worker *w, int64_t key))
{
	int64_t deadline = jr_now_ns() + 60 * (int64_t)1000000000;
	int rv = 0;

	for (size_t k = 0; k < n; k++) {
		enum jr_outcome o;

		while ((o = read(w, keys[k])) != JR_OK && jr_retry(w, deadline))
			;
		rv |= o == JR_OK ? 0 : -1;
	}
	return rv;
}
