/* options.h - raftd-bench's command line.
 *
 * One struct for every mode; rb_options_parse fills it from argv with
 * defaults and validates it, so the modes never see an inconsistent setting.
 */
#ifndef RB_OPTIONS_H
#define RB_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

enum rb_mode {
	RB_MODE_LOAD,     /* many clients, throughput and latency */
	RB_MODE_FAILOVER, /* one put loop; an event (kill -9) in the middle */
	RB_MODE_TRANSFER  /* one put loop; a leadership transfer in the middle */
};

enum rb_consistency {
	RB_LINEARIZABLE, /* RD.GET: served after a barrier on the leader */
	RB_STALE,        /* a node's local state, no barrier */
	RB_SESSION       /* at least as new as this client's last write */
};

struct rb_options {
	enum rb_mode mode;
	const char *endpoints;     /* "host:port,..." */
	unsigned clients;          /* concurrent request streams */
	unsigned conns;            /* rdc_async handles (one connection each) */
	unsigned pipeline;         /* requests in flight per client */
	size_t value_size;
	size_t key_size;
	uint64_t key_space;        /* keys are 0 .. key_space-1, decimal,
				    * zero-padded to key_size */
	int sequential;            /* 1: keys in order, 0: uniform random */
	unsigned read_weight;      /* --mix READS:WRITES */
	unsigned write_weight;
	enum rb_consistency consistency;
	uint64_t total;            /* requests; 0 when --duration rules */
	double duration_s;         /* run time; 0 when --total rules */
	int target_leader;         /* send only to the current leader */
	int prefill;               /* write every key once before measuring */
	unsigned deadline_ms;      /* libraftd per-request deadline */
	unsigned backoff_ms;       /* libraftd backoff base (cap = 4x) */
	unsigned pause_ms;         /* failover: pause after a failed put */
	const char *event_cmd;     /* failover/transfer: run by /bin/sh -c */
	double event_at_s;         /* ... this many seconds into the run */
	const char *trace_path;    /* failover/transfer: one line per put */
	int quiet;                 /* no progress lines */
	uint64_t seed;
};

/* Parse argv into o. Returns 0 to run, 1 when --help was printed (exit 0),
 * -1 after printing an error to stderr (exit 2). */
int rb_options_parse(struct rb_options *o, int argc, char **argv);

/* Static names for the summary line. */
const char *rb_mode_name(enum rb_mode m);
const char *rb_consistency_name(enum rb_consistency c);

#endif
