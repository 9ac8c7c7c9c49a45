/* options.c - raftd-bench's flags: parsing, defaults, validation. */
#include "bench/options.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
	"usage: raftd-bench [options]\n"
	"\n"
	"Load mode (default): many clients over few connections, then throughput\n"
	"and latency avg/p50/p99/p99.9/max and one machine-readable SUMMARY line.\n"
	"  --endpoints H:P,...    cluster client addresses (default $RAFTD_ENDPOINTS,\n"
	"                         else 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003)\n"
	"  --clients N            concurrent clients (default 1)\n"
	"  --conns N              connections shared by the clients (default 1)\n"
	"  --pipeline N           requests in flight per client (default 1)\n"
	"  --value-size N         value bytes (default 256)\n"
	"  --key-size N           key bytes (default 8)\n"
	"  --key-space N          distinct keys (default 100000)\n"
	"  --keys seq|random      key order (default seq)\n"
	"  --mix R:W | get | put  read:write ratio (default put = 0:1)\n"
	"  --consistency MODE     reads: linearizable (default), stale, session\n"
	"  --total N              stop after N requests\n"
	"  --duration SEC         stop after SEC seconds (default 10 unless --total)\n"
	"  --target-leader        connect only to the current leader\n"
	"  --prefill              write every key of the key space first\n"
	"  --deadline-ms N        per-request deadline, retries included (default 5000)\n"
	"  --seed N               random seed (default: from the clock)\n"
	"  --quiet                no progress line each second\n"
	"\n"
	"Gap modes: one client overwrites one key in a loop for --duration (default\n"
	"10 s) and reports the largest interval between successful puts around an\n"
	"event: a kill -9 of the leader, or a planned leadership transfer.\n"
	"  --failover             the event is a leader crash\n"
	"  --transfer             the event is a leadership transfer; when the event\n"
	"                         command fails (the server cannot transfer yet),\n"
	"                         the run is reported as SKIP and exits 77\n"
	"  --event CMD            run CMD with /bin/sh -c during the loop (for\n"
	"                         --failover it may also be done from outside)\n"
	"  --event-at SEC         when to run it (default: half of --duration)\n"
	"  --deadline-ms N        per-put timeout (default 100 in gap modes)\n"
	"  --backoff-ms N         retry backoff base, cap 4x (default 5 in gap modes)\n"
	"  --pause-ms N           pause after a failed put (default 5)\n"
	"  --trace FILE           one line per put: ok|err UNIX_NS LATENCY_US [why]\n";

enum {
	O_ENDPOINTS = 256, O_CLIENTS, O_CONNS, O_PIPELINE, O_VALUE_SIZE,
	O_KEY_SIZE, O_KEY_SPACE, O_KEYS, O_MIX, O_CONSISTENCY, O_TOTAL,
	O_DURATION, O_TARGET_LEADER, O_PREFILL, O_DEADLINE, O_BACKOFF,
	O_PAUSE, O_SEED, O_QUIET, O_FAILOVER, O_TRANSFER, O_EVENT, O_EVENT_AT,
	O_TRACE, O_HELP
};

static const struct option long_opts[] = {
	{"endpoints", required_argument, NULL, O_ENDPOINTS},
	{"clients", required_argument, NULL, O_CLIENTS},
	{"conns", required_argument, NULL, O_CONNS},
	{"pipeline", required_argument, NULL, O_PIPELINE},
	{"value-size", required_argument, NULL, O_VALUE_SIZE},
	{"key-size", required_argument, NULL, O_KEY_SIZE},
	{"key-space", required_argument, NULL, O_KEY_SPACE},
	{"keys", required_argument, NULL, O_KEYS},
	{"mix", required_argument, NULL, O_MIX},
	{"consistency", required_argument, NULL, O_CONSISTENCY},
	{"total", required_argument, NULL, O_TOTAL},
	{"duration", required_argument, NULL, O_DURATION},
	{"target-leader", no_argument, NULL, O_TARGET_LEADER},
	{"prefill", no_argument, NULL, O_PREFILL},
	{"deadline-ms", required_argument, NULL, O_DEADLINE},
	{"backoff-ms", required_argument, NULL, O_BACKOFF},
	{"pause-ms", required_argument, NULL, O_PAUSE},
	{"seed", required_argument, NULL, O_SEED},
	{"quiet", no_argument, NULL, O_QUIET},
	{"failover", no_argument, NULL, O_FAILOVER},
	{"transfer", no_argument, NULL, O_TRANSFER},
	{"event", required_argument, NULL, O_EVENT},
	{"event-at", required_argument, NULL, O_EVENT_AT},
	{"trace", required_argument, NULL, O_TRACE},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0},
};

static int bad(const char *name, const char *val, const char *why)
{
	fprintf(stderr, "raftd-bench: --%s '%s': %s\n", name, val, why);
	return -1;
}

static int parse_u64(const char *name, const char *s, uint64_t min,
		     uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		return bad(name, s, "not a number");
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return bad(name, s, "not a number");
	if (v < min || v > max)
		return bad(name, s, "out of range");
	*out = v;
	return 0;
}

static int parse_uint(const char *name, const char *s, unsigned min,
		      unsigned max, unsigned *out)
{
	uint64_t v;

	if (parse_u64(name, s, min, max, &v) != 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_size(const char *name, const char *s, size_t min, size_t max,
		      size_t *out)
{
	uint64_t v;

	if (parse_u64(name, s, min, max, &v) != 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

static int parse_seconds(const char *name, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 86400)
		return bad(name, s, "not a number of seconds in (0, 86400]");
	*out = v;
	return 0;
}

static int parse_mix(const char *s, struct rb_options *o)
{
	unsigned r, w;
	char tail;

	if (strcmp(s, "get") == 0 || strcmp(s, "read") == 0) {
		o->read_weight = 1, o->write_weight = 0;
		return 0;
	}
	if (strcmp(s, "put") == 0 || strcmp(s, "write") == 0) {
		o->read_weight = 0, o->write_weight = 1;
		return 0;
	}
	if (sscanf(s, "%u:%u%c", &r, &w, &tail) != 2 || r + w == 0 ||
	    r > 1000000 || w > 1000000)
		return bad("mix", s, "expected READS:WRITES (e.g. 9:1), get or put");
	o->read_weight = r, o->write_weight = w;
	return 0;
}

static int parse_consistency(const char *s, enum rb_consistency *c)
{
	if (strcmp(s, "linearizable") == 0 || strcmp(s, "l") == 0)
		*c = RB_LINEARIZABLE;
	else if (strcmp(s, "stale") == 0 || strcmp(s, "s") == 0)
		*c = RB_STALE;
	else if (strcmp(s, "session") == 0)
		*c = RB_SESSION;
	else
		return bad("consistency", s, "expected linearizable, stale or session");
	return 0;
}

static void set_defaults(struct rb_options *o)
{
	const char *env = getenv("RAFTD_ENDPOINTS");

	memset(o, 0, sizeof *o);
	o->mode = RB_MODE_LOAD;
	o->endpoints = (env && *env) ? env
		: "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003";
	o->clients = 1;
	o->conns = 1;
	o->pipeline = 1;
	o->value_size = 256;
	o->key_size = 8;
	o->key_space = 100000;
	o->sequential = 1;
	o->write_weight = 1;
	o->consistency = RB_LINEARIZABLE;
	o->pause_ms = 5;
	o->seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
}

static int apply(struct rb_options *o, int opt, const char *arg)
{
	const char *name = NULL;

	for (const struct option *l = long_opts; l->name; l++)
		if (l->val == opt)
			name = l->name;
	switch (opt) {
	case O_ENDPOINTS: o->endpoints = arg; return 0;
	case O_CLIENTS: return parse_uint(name, arg, 1, 100000, &o->clients);
	case O_CONNS: return parse_uint(name, arg, 1, 10000, &o->conns);
	case O_PIPELINE: return parse_uint(name, arg, 1, 10000, &o->pipeline);
	case O_VALUE_SIZE: return parse_size(name, arg, 0, 1u << 20, &o->value_size);
	case O_KEY_SIZE: return parse_size(name, arg, 1, 8192, &o->key_size);
	case O_KEY_SPACE: return parse_u64(name, arg, 1, UINT64_MAX / 2, &o->key_space);
	case O_KEYS:
		if (strcmp(arg, "seq") != 0 && strcmp(arg, "random") != 0)
			return bad(name, arg, "expected seq or random");
		o->sequential = strcmp(arg, "seq") == 0;
		return 0;
	case O_MIX: return parse_mix(arg, o);
	case O_CONSISTENCY: return parse_consistency(arg, &o->consistency);
	case O_TOTAL: return parse_u64(name, arg, 1, UINT64_MAX / 2, &o->total);
	case O_DURATION: return parse_seconds(name, arg, &o->duration_s);
	case O_TARGET_LEADER: o->target_leader = 1; return 0;
	case O_PREFILL: o->prefill = 1; return 0;
	case O_DEADLINE: return parse_uint(name, arg, 1, 3600000, &o->deadline_ms);
	case O_BACKOFF: return parse_uint(name, arg, 1, 60000, &o->backoff_ms);
	case O_PAUSE: return parse_uint(name, arg, 0, 60000, &o->pause_ms);
	case O_SEED: return parse_u64(name, arg, 0, UINT64_MAX, &o->seed);
	case O_QUIET: o->quiet = 1; return 0;
	case O_FAILOVER: o->mode = RB_MODE_FAILOVER; return 0;
	case O_TRANSFER: o->mode = RB_MODE_TRANSFER; return 0;
	case O_EVENT: o->event_cmd = arg; return 0;
	case O_EVENT_AT: return parse_seconds(name, arg, &o->event_at_s);
	case O_TRACE: o->trace_path = arg; return 0;
	default: return -1;
	}
}

/* Keys are the decimal numbers 0 .. key_space-1, zero-padded to key_size;
 * the largest must fit. */
static int key_space_fits(const struct rb_options *o)
{
	uint64_t max = o->key_space - 1;
	size_t digits = 1;

	while (max >= 10)
		max /= 10, digits++;
	if (digits <= o->key_size)
		return 0;
	fprintf(stderr, "raftd-bench: --key-space %" PRIu64 " needs keys of at "
		"least %zu bytes (--key-size is %zu)\n", o->key_space, digits,
		o->key_size);
	return -1;
}

static int finish(struct rb_options *o)
{
	if (o->total && o->duration_s) {
		fprintf(stderr, "raftd-bench: give --total or --duration, not both\n");
		return -1;
	}
	if (o->mode != RB_MODE_LOAD) {
		if (o->total) {
			fprintf(stderr, "raftd-bench: gap modes run for --duration\n");
			return -1;
		}
		if (o->duration_s == 0)
			o->duration_s = 10;
		if (o->event_at_s == 0)
			o->event_at_s = o->duration_s / 2;
		if (o->event_at_s >= o->duration_s) {
			fprintf(stderr, "raftd-bench: --event-at must be before the end of --duration\n");
			return -1;
		}
		if (o->mode == RB_MODE_TRANSFER && o->event_cmd == NULL) {
			fprintf(stderr, "raftd-bench: --transfer needs --event CMD (the command that transfers leadership)\n");
			return -1;
		}
		if (o->deadline_ms == 0)
			o->deadline_ms = 100;
		if (o->backoff_ms == 0)
			o->backoff_ms = 5;
		o->clients = o->conns = o->pipeline = 1;
	} else if (o->total == 0 && o->duration_s == 0) {
		o->duration_s = 10;
	}
	if (o->conns > o->clients)
		o->conns = o->clients;
	return key_space_fits(o);
}

int rb_options_parse(struct rb_options *o, int argc, char **argv)
{
	int c;

	set_defaults(o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (c == 'h' || c == O_HELP) {
			fputs(usage, stdout);
			return 1;
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, "raftd-bench: bad or incomplete option '%s' (see --help)\n",
				argv[optind - 1]);
			return -1;
		}
		if (apply(o, c, optarg) != 0)
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "raftd-bench: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return finish(o);
}

const char *rb_mode_name(enum rb_mode m)
{
	switch (m) {
	case RB_MODE_LOAD: return "load";
	case RB_MODE_FAILOVER: return "failover";
	case RB_MODE_TRANSFER: return "transfer";
	}
	return "?";
}

const char *rb_consistency_name(enum rb_consistency c)
{
	switch (c) {
	case RB_LINEARIZABLE: return "linearizable";
	case RB_STALE: return "stale";
	case RB_SESSION: return "session";
	}
	return "?";
}
