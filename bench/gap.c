/* gap.c - the gap modes: how long writes stop across a leader change.
 *
 * One client overwrites one key in a loop, each put with a short deadline
 * (--deadline-ms, 100 by default), so a put stuck on a dead leader is given
 * up quickly and the next one finds the new leader; after a failed put the
 * loop pauses --pause-ms. While it runs, the event happens: raftd-bench
 * starts --event CMD itself at --event-at (so it knows the instant exactly),
 * or a harness kills the leader from outside.
 *
 * The write gap is the largest interval between two successive successful
 * put completions whose end lies after the event: it covers the detection
 * of the failure, the election and the client finding the new leader. With
 * no --event, it is the largest interval of the whole run (a harness that
 * knows the kill instant can compute the same from --trace output, which
 * has the format of compare-etcd's etcd-putloop).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <raftd/client.h>
#include <uv.h>

#include "bench/bench.h"
#include "bench/workload.h"

struct gap {
	const struct rb_options *o;
	struct rb_gap_result *r;
	uv_loop_t loop;
	rdc_async *a;
	struct rb_workload w;
	FILE *trace;
	uv_timer_t pause, event, stop;
	uv_process_t proc;
	bool proc_running;
	bool stopping, busy;
	uint64_t t0;           /* uv_hrtime() of the put in flight */
	uint64_t last_ok_ns;   /* unix ns of the last successful put */
	int failed;
};

static void send_put(struct gap *g);

static void finish(struct gap *g)
{
	rdc_async_close(g->a, NULL, NULL);
	uv_close((uv_handle_t *)&g->pause, NULL);
	uv_close((uv_handle_t *)&g->event, NULL);
	uv_close((uv_handle_t *)&g->stop, NULL);
}

static void note_ok(struct gap *g, uint64_t now_ns, uint64_t lat,
		    uint64_t term)
{
	struct rb_gap_result *r = g->r;
	bool after = r->event_ran && now_ns > r->event_ns;
	bool counts = after || g->o->event_cmd == NULL;
	uint64_t since = g->last_ok_ns ? now_ns - g->last_ok_ns : 0;

	r->ok++;
	rb_hist_record(&r->lat, lat);
	if (after)
		r->recovered = 1;
	/* Without an event every interval counts; with one, only those that
	 * end after it (a stall before the event is not the event's). */
	if (g->last_ok_ns && counts && since > r->gap_ns) {
		r->gap_ns = since;
		r->gap_start_ns = g->last_ok_ns;
		r->gap_end_ns = now_ns;
	}
	if (after)
		r->term_after = term;
	else
		r->term_before = term;
	g->last_ok_ns = now_ns;
}

static void on_pause(uv_timer_t *t)
{
	send_put(t->data);
}

static void on_put(rdc_async_req *req, int status, const struct rdc_reply *rep)
{
	struct gap *g = rdc_async_req_data(req);
	struct rb_gap_result *r = g->r;
	uint64_t now_ns = rb_unix_ns(), lat = uv_hrtime() - g->t0;

	g->busy = false;
	if (status == RDC_OK) {
		note_ok(g, now_ns, lat, rep->meta.term);
		if (g->trace)
			fprintf(g->trace, "ok %" PRIu64 " %" PRIu64 "\n", now_ns,
				lat / 1000);
	} else {
		r->errors++;
		r->by_status[status >= 0 && status < RB_NSTATUS ? status : 0]++;
		r->errors_after_event += r->event_ran && now_ns > r->event_ns;
		if (g->trace)
			fprintf(g->trace, "err %" PRIu64 " %" PRIu64 " %s\n",
				now_ns, lat / 1000, rb_status_name(status));
	}
	if (g->stopping) {
		finish(g);
		return;
	}
	if (status == RDC_OK || g->o->pause_ms == 0)
		send_put(g);
	else
		uv_timer_start(&g->pause, on_pause, g->o->pause_ms, 0);
}

static void send_put(struct gap *g)
{
	int rc;

	g->t0 = uv_hrtime();
	rc = rdc_async_put(g->a, g->w.key, g->o->key_size, g->w.value,
			   g->o->value_size, 0, NULL, on_put, g);
	if (rc != RDC_OK) {
		fprintf(stderr, "raftd-bench: cannot send a put: %s\n",
			rdc_strerror(rc));
		g->failed = 1;
		g->stopping = true;
		finish(g);
		return;
	}
	g->busy = true;
}

static void on_stop(uv_timer_t *t);

static void on_exit_cb(uv_process_t *p, int64_t exit_status, int term_signal)
{
	struct gap *g = p->data;

	g->r->event_status = term_signal ? -1 : (int)exit_status;
	g->proc_running = false;
	uv_close((uv_handle_t *)p, NULL);
	if (g->r->event_status == 0)
		return;
	fprintf(stderr, "raftd-bench: event command exited with %d: %s\n",
		g->r->event_status, g->o->event_cmd);
	/* A transfer that did not happen leaves nothing to measure. */
	if (g->o->mode == RB_MODE_TRANSFER)
		on_stop(&g->stop);
}

static void on_event(uv_timer_t *t)
{
	struct gap *g = t->data;
	char *args[] = {"/bin/sh", "-c", (char *)g->o->event_cmd, NULL};
	uv_stdio_container_t stdio[3] = {
		{.flags = UV_IGNORE},
		{.flags = UV_INHERIT_FD, .data.fd = 2}, /* keep stdout for results */
		{.flags = UV_INHERIT_FD, .data.fd = 2},
	};
	uv_process_options_t po = {
		.exit_cb = on_exit_cb, .file = args[0], .args = args,
		.stdio_count = 3, .stdio = stdio,
	};
	int rc;

	g->r->event_ns = rb_unix_ns();
	g->r->event_ran = 1;
	g->proc.data = g;
	rc = uv_spawn(&g->loop, &g->proc, &po);
	if (rc != 0) {
		fprintf(stderr, "raftd-bench: cannot run the event command: %s\n",
			uv_strerror(rc));
		g->r->event_status = -1;
		uv_close((uv_handle_t *)&g->proc, NULL);
		return;
	}
	g->proc_running = true;
	if (!g->o->quiet)
		fprintf(stderr, "raftd-bench: event at %.1f s: %s\n",
			g->o->event_at_s, g->o->event_cmd);
}

static void on_stop(uv_timer_t *t)
{
	struct gap *g = t->data;

	g->stopping = true;
	if (!g->busy) { /* pausing after an error */
		uv_timer_stop(&g->pause);
		finish(g);
	}
}

static int setup(struct gap *g)
{
	const struct rb_options *o = g->o;
	struct rdc_options ro = {
		.deadline_ms = o->deadline_ms,
		.connect_timeout_ms = o->deadline_ms,
		.backoff_base_ms = o->backoff_ms,
		.backoff_cap_ms = 4 * o->backoff_ms,
	};

	if (rb_workload_init(&g->w, o) != 0)
		return -1;
	rb_format_key(&g->w, 0);
	if (o->trace_path) {
		g->trace = fopen(o->trace_path, "w");
		if (g->trace == NULL) {
			perror(o->trace_path);
			return -1;
		}
	}
	g->a = rdc_async_open(&g->loop, o->endpoints, &ro);
	if (g->a == NULL)
		return -1;
	if (rdc_async_errcode(g->a) != RDC_OK) {
		fprintf(stderr, "raftd-bench: %s\n", rdc_async_errmsg(g->a));
		return -1;
	}
	return 0;
}

int rb_gap_run(const struct rb_options *o, struct rb_gap_result *r)
{
	struct gap g = {.o = o, .r = r};
	int rc = -1;

	memset(r, 0, sizeof *r);
	rb_hist_reset(&r->lat);
	if (uv_loop_init(&g.loop) != 0)
		return -1;
	if (setup(&g) != 0)
		goto out;
	uv_timer_init(&g.loop, &g.pause);
	uv_timer_init(&g.loop, &g.event);
	uv_timer_init(&g.loop, &g.stop);
	g.pause.data = g.event.data = g.stop.data = &g;
	uv_timer_start(&g.stop, on_stop, (uint64_t)(o->duration_s * 1000 + 0.5), 0);
	if (o->event_cmd)
		uv_timer_start(&g.event, on_event,
			       (uint64_t)(o->event_at_s * 1000 + 0.5), 0);
	send_put(&g);
	g.a = g.failed ? NULL : g.a; /* finish() already closed it */
	uv_run(&g.loop, UV_RUN_DEFAULT);
	g.a = NULL;
	/* Measured to the end of the gap, not to the first success after the
	 * event: the event command needs a few milliseconds to act, and puts
	 * completing in between say nothing about the recovery. */
	if (r->event_ran && r->recovered && r->gap_end_ns > r->event_ns)
		r->recovery_ns = r->gap_end_ns - r->event_ns;
	rc = g.failed ? -1 : 0;
out:
	if (g.a != NULL)
		rdc_async_close(g.a, NULL, NULL);
	uv_run(&g.loop, UV_RUN_DEFAULT); /* close callbacks, the child's exit */
	uv_loop_close(&g.loop);
	if (g.trace)
		fclose(g.trace);
	rb_workload_free(&g.w);
	return rc;
}
