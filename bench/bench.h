/* bench.h - raftd-bench's modes and what they report.
 *
 * Each mode runs on a private libuv loop, drives libraftd's asynchronous
 * interface, and fills a result struct; raftd-bench.c prints it. Progress
 * lines go to stderr while a mode runs; results go to stdout.
 */
#ifndef RB_BENCH_H
#define RB_BENCH_H

#include <stdint.h>
#include <stdio.h>

#include "bench/hist.h"
#include "bench/options.h"

#define RB_NSTATUS 16 /* more than enum rdc_status has */

struct rb_load_result {
	uint64_t ok;                 /* RDC_OK, plus RDC_NOTFOUND for reads */
	uint64_t notfound;           /* reads of absent keys (counted in ok) */
	uint64_t errors;             /* every other status */
	uint64_t by_status[RB_NSTATUS];
	double seconds;              /* first request sent .. last answer */
	struct rb_hist lat;          /* latency of ok requests, ns */
	uint64_t term_first, term_last; /* terms of the first/last ok reply */
	uint64_t term_changes;       /* times an ok reply had a new term */
};

/* Run the load described by o. Returns 0 when the run finished (even with
 * errors counted in r), -1 on a setup failure (message on stderr). r is
 * caller-owned; it is reset first. */
int rb_load_run(const struct rb_options *o, struct rb_load_result *r);

struct rb_gap_result {
	uint64_t ok, errors;
	uint64_t by_status[RB_NSTATUS];
	struct rb_hist lat;          /* latency of successful puts, ns */
	int event_ran;               /* the --event command was started */
	int event_status;            /* its exit status (-1: killed/unknown) */
	uint64_t event_ns;           /* when it started, unix ns */
	int recovered;               /* a put succeeded after the event */
	uint64_t gap_ns;             /* largest interval between successive
				      * successful puts that ends after the
				      * event (overall largest without one) */
	uint64_t gap_start_ns, gap_end_ns; /* unix ns */
	uint64_t recovery_ns;        /* event -> the end of the gap */
	uint64_t errors_after_event;
	uint64_t term_before, term_after; /* of the last ok before / after */
};

/* Run the put loop of --failover / --transfer. Returns 0 when the loop ran
 * (r says what happened), -1 on a setup failure. */
int rb_gap_run(const struct rb_options *o, struct rb_gap_result *r);

/* Replace o->endpoints by the current leader's client address (kept in a
 * static buffer: one per process). Returns 0, or -1 with a message on
 * stderr. */
int rb_find_leader(struct rb_options *o);

/* Printing (report.c). */
void rb_report_load(FILE *f, const struct rb_options *o,
		    const struct rb_load_result *r);
void rb_report_gap(FILE *f, const struct rb_options *o,
		   const struct rb_gap_result *r);
/* The name of a libraftd status, for error breakdowns. */
const char *rb_status_name(int status);
/* Now, as unix nanoseconds (CLOCK_REALTIME: comparable with `date +%s%N`). */
uint64_t rb_unix_ns(void);

#endif
