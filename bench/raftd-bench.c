/* raftd-bench - load generator and failover probe for a raftd cluster.
 *
 *   raftd-bench [--clients N --conns N --pipeline N --mix R:W ...]
 *   raftd-bench --failover|--transfer [--event CMD --event-at SEC ...]
 *
 * The load mode measures throughput and latency (avg, p50, p99, p99.9, max
 * from an HDR-style histogram, bench/hist.h); the gap modes measure how long
 * writes stop across a leader crash or a planned leadership transfer. Both
 * end with one "SUMMARY key=value ..." line on stdout for scripts
 * (bench/compare-etcd). --help lists every flag.
 *
 * Exit status: 0 done; 1 the run failed (no request succeeded, or the setup
 * failed); 2 bad usage; 77 a --transfer run was skipped because the event
 * command failed (the server cannot transfer leadership).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench.h"

static int run_load(struct rb_options *o)
{
	struct rb_load_result *r = malloc(sizeof *r);
	int rc = 1;

	if (r == NULL)
		return 1;
	if (o->prefill) {
		struct rb_options p = *o;

		p.read_weight = 0, p.write_weight = 1, p.sequential = 1;
		p.total = o->key_space, p.duration_s = 0, p.quiet = 1;
		if (rb_load_run(&p, r) != 0 || r->ok != o->key_space) {
			fprintf(stderr, "raftd-bench: prefill failed (%llu of %llu keys written)\n",
				(unsigned long long)r->ok,
				(unsigned long long)o->key_space);
			goto out;
		}
		fprintf(stderr, "raftd-bench: prefilled %llu keys in %.1f s\n",
			(unsigned long long)r->ok, r->seconds);
	}
	if (rb_load_run(o, r) != 0)
		goto out;
	rb_report_load(stdout, o, r);
	rc = r->ok > 0 ? 0 : 1;
out:
	free(r);
	return rc;
}

static int run_gap(struct rb_options *o)
{
	struct rb_gap_result *r = malloc(sizeof *r);
	int rc = 1;

	if (r == NULL)
		return 1;
	if (rb_gap_run(o, r) != 0)
		goto out;
	if (o->mode == RB_MODE_TRANSFER && r->event_status != 0) {
		printf("SKIP: the transfer command failed (exit status %d): %s\n",
		       r->event_status, o->event_cmd);
		rc = 77;
		goto out;
	}
	rb_report_gap(stdout, o, r);
	if (r->event_ran && r->event_status != 0)
		fprintf(stderr, "raftd-bench: the event command failed\n");
	else if (r->ok > 0 && (!r->event_ran || r->recovered))
		rc = 0;
out:
	free(r);
	return rc;
}

int main(int argc, char **argv)
{
	struct rb_options o;
	int rc = rb_options_parse(&o, argc, argv);

	if (rc != 0)
		return rc > 0 ? 0 : 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A server that closes a connection we are writing to must not kill
	 * the benchmark (libraftd reports the broken connection). */
	signal(SIGPIPE, SIG_IGN);
	if (o.target_leader && rb_find_leader(&o) != 0)
		return 1;
	return o.mode == RB_MODE_LOAD ? run_load(&o) : run_gap(&o);
}
