/* load.c - the load mode: many clients over few connections.
 *
 * Everything runs on one libuv loop in one thread (as etcd's benchmark runs
 * its clients as goroutines in one process): --conns libraftd handles, each
 * one pipelined connection, and --clients x --pipeline request slots spread
 * over them round-robin. A slot is one request in flight; when its answer
 * comes, the slot's latency is recorded and it sends the next request at
 * once, so the offered load is closed-loop: exactly clients x pipeline
 * requests are outstanding until the run ends.
 *
 * The run ends when --total requests were sent and answered, or, with
 * --duration, when the time is up and the requests in flight are answered.
 * Throughput counts every answered request over the time from the first
 * send to the last answer.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <raftd/client.h>
#include <uv.h>

#include "bench/bench.h"
#include "bench/workload.h"

struct load;

struct slot {
	struct load *l;
	rdc_async *a;   /* the connection this slot's client uses */
	uint64_t t0;    /* uv_hrtime() when sent */
	bool busy;
};

struct load {
	const struct rb_options *o;
	struct rb_load_result *r;
	uv_loop_t loop;
	rdc_async **handles;
	unsigned nhandles;
	struct slot *slots;
	size_t nslots;
	struct rb_workload w;
	enum rdc_consistency mode;   /* of the reads */
	uint64_t sent, inflight;
	uint64_t t_start, t_last;    /* uv_hrtime() */
	bool stopping;
	int failed;                  /* a submission itself failed */
	uv_timer_t tick, stop;
	unsigned ticks;
	struct rb_hist *interval;    /* this second's latencies */
	uint64_t interval_err;
};

static void send_next(struct slot *s);

static bool done_sending(const struct load *l)
{
	return l->stopping || l->failed ||
	       (l->o->total && l->sent >= l->o->total);
}

static void close_handles(struct load *l)
{
	for (unsigned i = 0; i < l->nhandles; i++)
		if (l->handles[i] != NULL) {
			rdc_async_close(l->handles[i], NULL, NULL);
			l->handles[i] = NULL; /* freed after its close_cb */
		}
}

/* Called when nothing is in flight and nothing more will be sent. */
static void finish(struct load *l)
{
	close_handles(l);
	uv_close((uv_handle_t *)&l->tick, NULL);
	uv_close((uv_handle_t *)&l->stop, NULL);
}

static void note_term(struct rb_load_result *r, uint64_t term)
{
	if (term == 0)
		return;
	if (r->term_first == 0)
		r->term_first = term;
	else if (term != r->term_last)
		r->term_changes++;
	r->term_last = term;
}

static void on_reply(rdc_async_req *req, int status, const struct rdc_reply *rep)
{
	struct slot *s = rdc_async_req_data(req);
	struct load *l = s->l;
	struct rb_load_result *r = l->r;
	uint64_t now = uv_hrtime(), lat = now - s->t0;

	s->busy = false;
	l->inflight--;
	l->t_last = now;
	if (status == RDC_OK || status == RDC_NOTFOUND) {
		r->ok++;
		r->notfound += status == RDC_NOTFOUND;
		rb_hist_record(&r->lat, lat);
		rb_hist_record(l->interval, lat);
		note_term(r, rep->meta.term);
	} else {
		r->errors++;
		r->by_status[status >= 0 && status < RB_NSTATUS ? status : 0]++;
		l->interval_err++;
	}
	send_next(s);
	if (l->inflight == 0 && done_sending(l))
		finish(l);
}

static void send_next(struct slot *s)
{
	struct load *l = s->l;
	const struct rb_options *o = l->o;
	int rc;

	if (done_sending(l))
		return;
	rb_next_key(&l->w);
	s->t0 = uv_hrtime();
	if (rb_next_is_read(&l->w))
		rc = rdc_async_get(s->a, l->w.key, o->key_size, l->mode,
				   on_reply, s);
	else
		rc = rdc_async_put(s->a, l->w.key, o->key_size, l->w.value,
				   o->value_size, 0, NULL, on_reply, s);
	if (rc != RDC_OK) {
		fprintf(stderr, "raftd-bench: cannot send a request: %s\n",
			rdc_strerror(rc));
		l->failed = 1;
		return;
	}
	if (l->sent == 0)
		l->t_start = s->t0;
	s->busy = true;
	l->sent++;
	l->inflight++;
}

static void on_tick(uv_timer_t *t)
{
	struct load *l = t->data;
	struct rb_hist *h = l->interval;

	l->ticks++;
	if (!l->o->quiet)
		fprintf(stderr,
			"[%4us] %10" PRIu64 " ok %6" PRIu64 " err | last 1s: %8" PRIu64
			" req/s, p50 %.2f ms, p99 %.2f ms, %" PRIu64 " errors\n",
			l->ticks, l->r->ok, l->r->errors, h->count,
			(double)rb_hist_quantile(h, 0.5) / 1e6,
			(double)rb_hist_quantile(h, 0.99) / 1e6, l->interval_err);
	rb_hist_reset(h);
	l->interval_err = 0;
}

static void on_stop(uv_timer_t *t)
{
	struct load *l = t->data;

	l->stopping = true;
	if (l->inflight == 0)
		finish(l);
}

static int open_conns(struct load *l)
{
	struct rdc_options ro = {.deadline_ms = l->o->deadline_ms};

	if (l->o->backoff_ms) {
		ro.backoff_base_ms = l->o->backoff_ms;
		ro.backoff_cap_ms = 4 * l->o->backoff_ms;
	}
	l->handles = calloc(l->o->conns, sizeof *l->handles);
	if (l->handles == NULL)
		return -1;
	for (unsigned i = 0; i < l->o->conns; i++) {
		rdc_async *a = rdc_async_open(&l->loop, l->o->endpoints, &ro);

		if (a == NULL)
			return -1;
		l->handles[l->nhandles++] = a;
		if (rdc_async_errcode(a) != RDC_OK) {
			fprintf(stderr, "raftd-bench: %s\n", rdc_async_errmsg(a));
			return -1;
		}
	}
	return 0;
}

/* Slots of client c go to connection c % conns, as etcd's benchmark gives
 * client c the connection c % conns. */
static int make_slots(struct load *l)
{
	const struct rb_options *o = l->o;

	l->nslots = (size_t)o->clients * o->pipeline;
	l->slots = calloc(l->nslots, sizeof *l->slots);
	if (l->slots == NULL)
		return -1;
	for (size_t i = 0; i < l->nslots; i++) {
		l->slots[i].l = l;
		l->slots[i].a = l->handles[(i / o->pipeline) % l->nhandles];
	}
	return 0;
}

static void start(struct load *l)
{
	uv_timer_init(&l->loop, &l->tick);
	uv_timer_init(&l->loop, &l->stop);
	l->tick.data = l->stop.data = l;
	uv_timer_start(&l->tick, on_tick, 1000, 1000);
	if (l->o->duration_s > 0)
		uv_timer_start(&l->stop, on_stop,
			       (uint64_t)(l->o->duration_s * 1000 + 0.5), 0);
	for (size_t i = 0; i < l->nslots; i++)
		send_next(&l->slots[i]);
	if (l->inflight == 0)
		finish(l);
}

static void cleanup(struct load *l)
{
	/* Handles are closed by finish(), or here when the run never started;
	 * the loop then runs until every close callback has run. */
	if (l->handles != NULL)
		close_handles(l);
	uv_run(&l->loop, UV_RUN_DEFAULT);
	uv_loop_close(&l->loop);
	free(l->handles);
	free(l->slots);
	free(l->interval);
	rb_workload_free(&l->w);
}

int rb_load_run(const struct rb_options *o, struct rb_load_result *r)
{
	struct load l = {.o = o, .r = r};
	int rc = -1;

	memset(r, 0, sizeof *r);
	rb_hist_reset(&r->lat);
	l.mode = o->consistency == RB_STALE ? RDC_STALE
		 : o->consistency == RB_SESSION ? RDC_SESSION : RDC_LINEARIZABLE;
	if (uv_loop_init(&l.loop) != 0)
		return -1;
	l.interval = malloc(sizeof *l.interval);
	if (l.interval == NULL || rb_workload_init(&l.w, o) != 0) {
		fprintf(stderr, "raftd-bench: out of memory\n");
		goto out;
	}
	rb_hist_reset(l.interval);
	if (open_conns(&l) != 0 || make_slots(&l) != 0)
		goto out;
	start(&l);
	uv_run(&l.loop, UV_RUN_DEFAULT);
	r->seconds = l.t_last > l.t_start ? (double)(l.t_last - l.t_start) / 1e9 : 0;
	rc = l.failed ? -1 : 0;
out:
	cleanup(&l);
	return rc;
}
