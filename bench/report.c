/* report.c - raftd-bench's output: a human-readable block, then one line
 * "SUMMARY key=value ..." that scripts parse (compare-etcd does). Latencies
 * are in milliseconds with microsecond resolution. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include <raftd/client.h>

#include "bench/bench.h"

uint64_t rb_unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *rb_status_name(int status)
{
	static const char *const names[] = {
		[RDC_OK] = "ok", [RDC_NOTFOUND] = "notfound",
		[RDC_CONDITION] = "condition", [RDC_UNCERTAIN] = "uncertain",
		[RDC_UNAVAILABLE] = "unavailable", [RDC_TIMEOUT] = "timeout",
		[RDC_BADREQUEST] = "badrequest", [RDC_PROTOCOL] = "protocol",
		[RDC_NOMEM] = "nomem", [RDC_CANCELED] = "canceled",
		[RDC_INVALID] = "invalid",
		[RDC_SESSION_EXPIRED] = "session_expired",
		[RDC_FENCED] = "fenced",
	};

	if (status < 0 || (size_t)status >= sizeof names / sizeof names[0] ||
	    names[status] == NULL)
		return "other";
	return names[status];
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static const char *op_name(const struct rb_options *o)
{
	if (o->read_weight == 0)
		return "put";
	if (o->write_weight == 0)
		return "get";
	return "mix";
}

static void print_errors(FILE *f, const uint64_t *by_status, uint64_t errors)
{
	if (errors == 0)
		return;
	fprintf(f, "errors     ");
	for (int s = 0; s < RB_NSTATUS; s++)
		if (by_status[s])
			fprintf(f, " %s %" PRIu64, rb_status_name(s), by_status[s]);
	fprintf(f, "\n");
}

static void print_latency(FILE *f, const struct rb_hist *h)
{
	fprintf(f, "latency ms  avg %.3f  p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
		rb_hist_mean(h) / 1e6, ms(rb_hist_quantile(h, 0.5)),
		ms(rb_hist_quantile(h, 0.99)), ms(rb_hist_quantile(h, 0.999)),
		ms(h->max));
}

static void print_latency_kv(FILE *f, const struct rb_hist *h)
{
	fprintf(f, " avg_ms=%.3f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f",
		rb_hist_mean(h) / 1e6, ms(rb_hist_quantile(h, 0.5)),
		ms(rb_hist_quantile(h, 0.99)), ms(rb_hist_quantile(h, 0.999)),
		ms(h->max));
}

void rb_report_load(FILE *f, const struct rb_options *o,
		    const struct rb_load_result *r)
{
	double rps = r->seconds > 0 ? (double)r->ok / r->seconds : 0;

	fprintf(f, "workload    %s, %u clients over %u connections, pipeline %u, "
		"key %zu B, value %zu B, key space %" PRIu64 " (%s)",
		op_name(o), o->clients, o->conns, o->pipeline, o->key_size,
		o->value_size, o->key_space, o->sequential ? "seq" : "random");
	if (o->read_weight)
		fprintf(f, ", %s reads", rb_consistency_name(o->consistency));
	fprintf(f, "\nrequests    %" PRIu64 " ok (%" PRIu64 " not found), %" PRIu64
		" errors in %.3f s\n", r->ok, r->notfound, r->errors, r->seconds);
	print_errors(f, r->by_status, r->errors);
	fprintf(f, "throughput  %.0f req/s\n", rps);
	print_latency(f, &r->lat);
	fprintf(f, "terms       %" PRIu64 " .. %" PRIu64 " (%" PRIu64
		" leader changes seen)\n", r->term_first, r->term_last,
		r->term_changes);
	fprintf(f, "SUMMARY mode=load op=%s consistency=%s clients=%u conns=%u "
		"pipeline=%u value_size=%zu key_size=%zu key_space=%" PRIu64
		" ok=%" PRIu64 " errors=%" PRIu64 " seconds=%.3f rps=%.0f",
		op_name(o), rb_consistency_name(o->consistency), o->clients,
		o->conns, o->pipeline, o->value_size, o->key_size, o->key_space,
		r->ok, r->errors, r->seconds, rps);
	print_latency_kv(f, &r->lat);
	fprintf(f, " term_changes=%" PRIu64 "\n", r->term_changes);
}

void rb_report_gap(FILE *f, const struct rb_options *o,
		   const struct rb_gap_result *r)
{
	const char *mode = rb_mode_name(o->mode);

	fprintf(f, "%-11s one client, put deadline %u ms, pause %u ms, %.1f s\n",
		mode, o->deadline_ms, o->pause_ms, o->duration_s);
	if (r->event_ran)
		fprintf(f, "event       at %.1f s (exit status %d): %s\n",
			o->event_at_s, r->event_status, o->event_cmd);
	fprintf(f, "puts        %" PRIu64 " ok, %" PRIu64 " errors (%" PRIu64
		" after the event)\n", r->ok, r->errors, r->errors_after_event);
	print_errors(f, r->by_status, r->errors);
	print_latency(f, &r->lat);
	if (r->event_ran && !r->recovered)
		fprintf(f, "write gap   no successful put after the event\n");
	else
		fprintf(f, "write gap   %.1f ms%s (ends %.1f ms after the event started); "
			"term %" PRIu64 " -> %" PRIu64 "\n", ms(r->gap_ns),
			r->event_ran ? "" : " (largest in the run: no --event)",
			ms(r->recovery_ns), r->term_before, r->term_after);
	fprintf(f, "SUMMARY mode=%s ok=%" PRIu64 " errors=%" PRIu64
		" errors_after_event=%" PRIu64 " event=%d event_status=%d "
		"recovered=%d gap_ms=%.1f recovery_ms=%.1f gap_start_ns=%" PRIu64
		" gap_end_ns=%" PRIu64 " event_ns=%" PRIu64 " term_before=%" PRIu64
		" term_after=%" PRIu64, mode, r->ok, r->errors,
		r->errors_after_event, r->event_ran, r->event_status,
		r->recovered, ms(r->gap_ns), ms(r->recovery_ns), r->gap_start_ns,
		r->gap_end_ns, r->event_ns, r->term_before, r->term_after);
	print_latency_kv(f, &r->lat);
	fprintf(f, "\n");
}
