/* opts.c - jepsen-runner's command line, and test.json (the options a run
 * used, for the report and for repeating it). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "jepsen/lib/json.h"
#include "jepsen/runner/runner.h"

static const char *const jr_fault_names[JR_FAULT_KINDS] = {
	"partition-halves", "partition-one", "partition-leader", "partition-ring",
	"partition-bridge", "kill-one", "kill-minority", "kill-leader", "kill-all",
	"pause-one", "pause-leader", "membership-one", "membership-leader",
};

const char *jr_fault_name(enum jr_fault_kind k)
{
	return (unsigned)k < JR_FAULT_KINDS ? jr_fault_names[k] : "?";
}

static const char jr_usage[] =
"usage: jepsen-runner --dir DIR --raftd PATH [options]\n"
"  (normally started by jepsen/run, which sets up the network namespaces)\n"
"  --nodes N              cluster size, 1..9 (default 5)\n"
"  --workload W           register, set, append or lock (default register)\n"
"  --nemesis LIST         comma-separated: partition, kill, pause, membership (each\n"
"                         a category), or partition-halves|one|leader|ring|bridge,\n"
"                         kill-one|minority|leader|all, pause-one|leader,\n"
"                         membership-one|leader (remove a node, wipe it, add it\n"
"                         back), snapshot (tiny snapshot threshold), all (every\n"
"                         kind), none (default partition,kill,pause)\n"
"  --time-limit S         seconds of operations (default 60)\n"
"  --interval S           mean seconds of each fault and of each calm (default 5)\n"
"  --recovery S           seconds between healing and final reads (default 5)\n"
"  --concurrency N        client threads (default 10)\n"
"  --threads-per-key N    register/append: threads sharing a key (default 5)\n"
"  --ops-per-key N        operations on a key before moving to a new one\n"
"                         (default: register 100, set 500, append 200;\n"
"                         lock: lock holds per key, 20)\n"
"  --rate R               operations per second over all threads (default 100)\n"
"  --op-timeout MS        client deadline per operation (default 2000)\n"
"  --sessions             append: issue appends through exactly-once sessions\n"
"  --lose-replies P       append with --sessions: treat an append's reply as lost\n"
"                         with probability P (0..1) and send the same sequenced\n"
"                         request again (same session and seq), as libraftd does\n"
"                         after a timeout; the second reply counts\n"
"  --fresh-clients        open a new connection (at the worker's own node) for\n"
"                         every operation, like many short-lived clients\n"
"  --stale-reads          register: read in STALE mode (not linearizable: a\n"
"                         known-bad client, to see the checker catch it)\n"
"  --raftd-flag FLAG      pass FLAG to every raftd (repeat for several)\n"
"  --seed N               random seed (default: from the clock)\n"
"  --ns-prefix P          namespace names P-n1..P-nN (default rdj)\n"
"  --net-prefix A.B.C     node i has address A.B.C.i (default 10.213.0)\n";

/* partition, kill, pause and their members, as bit masks */
static unsigned jr_fault_mask(const char *name)
{
	if (strcmp(name, "partition") == 0)
		return 0x1Fu;
	if (strcmp(name, "kill") == 0)
		return 0xFu << JR_KILL_ONE;
	if (strcmp(name, "pause") == 0)
		return 0x3u << JR_PAUSE_ONE;
	if (strcmp(name, "membership") == 0)
		return 0x3u << JR_MEMBER_ONE;
	if (strcmp(name, "all") == 0)
		return (1u << JR_FAULT_KINDS) - 1;
	for (int k = 0; k < JR_FAULT_KINDS; k++)
		if (strcmp(name, jr_fault_names[k]) == 0)
			return 1u << k;
	return 0;
}

static int jr_parse_nemesis(const char *list, struct jr_opts *o)
{
	char copy[512], *save = NULL;

	snprintf(copy, sizeof copy, "%s", list);
	o->faults = 0;
	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		unsigned m = jr_fault_mask(t);

		if (strcmp(t, "none") == 0)
			continue;
		if (strcmp(t, "snapshot") == 0) {
			o->snapshot_churn = 1;
			continue;
		}
		if (m == 0) {
			fprintf(stderr, "jepsen-runner: unknown nemesis '%s'\n%s", t, jr_usage);
			return -1;
		}
		o->faults |= m;
	}
	return 0;
}

static int jr_num(const char *name, const char *s, double min, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno != 0 || *end != '\0' || end == s || *out < min || *out > max) {
		fprintf(stderr, "jepsen-runner: --%s: '%s' is not a number in %g..%g\n", name, s,
			min, max);
		return -1;
	}
	return 0;
}

static void jr_defaults(struct jr_opts *o)
{
	memset(o, 0, sizeof *o);
	o->nodes = 5;
	snprintf(o->workload, sizeof o->workload, "register");
	o->faults = jr_fault_mask("partition") | jr_fault_mask("kill") | jr_fault_mask("pause");
	o->time_limit = 60;
	o->interval = 5;
	o->recovery = 5;
	o->concurrency = 10;
	o->threads_per_key = 5;
	o->rate = 100;
	o->op_timeout_ms = 2000;
	o->seed = (uint64_t)time(NULL);
	snprintf(o->ns_prefix, sizeof o->ns_prefix, "rdj");
	snprintf(o->net_prefix, sizeof o->net_prefix, "10.213.0");
}

enum {
	O_NODES = 256, O_WORKLOAD, O_NEMESIS, O_TIME, O_INTERVAL, O_RECOVERY, O_CONC, O_TPK,
	O_OPK, O_RATE, O_TIMEOUT, O_SESSIONS, O_LOSE, O_STALE, O_FRESH, O_DIR, O_RAFTD, O_FLAG, O_SEED, O_NS,
	O_NET, O_HELP
};

static const struct option jr_longopts[] = {
	{"nodes", required_argument, NULL, O_NODES},
	{"workload", required_argument, NULL, O_WORKLOAD},
	{"nemesis", required_argument, NULL, O_NEMESIS},
	{"time-limit", required_argument, NULL, O_TIME},
	{"interval", required_argument, NULL, O_INTERVAL},
	{"recovery", required_argument, NULL, O_RECOVERY},
	{"concurrency", required_argument, NULL, O_CONC},
	{"threads-per-key", required_argument, NULL, O_TPK},
	{"ops-per-key", required_argument, NULL, O_OPK},
	{"rate", required_argument, NULL, O_RATE},
	{"op-timeout", required_argument, NULL, O_TIMEOUT},
	{"sessions", no_argument, NULL, O_SESSIONS},
	{"lose-replies", required_argument, NULL, O_LOSE},
	{"stale-reads", no_argument, NULL, O_STALE},
	{"fresh-clients", no_argument, NULL, O_FRESH},
	{"dir", required_argument, NULL, O_DIR},
	{"raftd", required_argument, NULL, O_RAFTD},
	{"raftd-flag", required_argument, NULL, O_FLAG},
	{"seed", required_argument, NULL, O_SEED},
	{"ns-prefix", required_argument, NULL, O_NS},
	{"net-prefix", required_argument, NULL, O_NET},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0},
};

/* One option; -1 after a message. */
static int jr_opt(int c, const char *arg, struct jr_opts *o)
{
	double v;

	switch (c) {
	case O_NODES:
		if (jr_num("nodes", arg, 1, JR_MAX_NODES, &v) != 0)
			return -1;
		o->nodes = (int)v;
		return 0;
	case O_WORKLOAD:
		snprintf(o->workload, sizeof o->workload, "%s", arg);
		return 0;
	case O_NEMESIS:
		return jr_parse_nemesis(arg, o);
	case O_TIME:
		return jr_num("time-limit", arg, 1, 86400, &o->time_limit);
	case O_INTERVAL:
		return jr_num("interval", arg, 0.5, 3600, &o->interval);
	case O_RECOVERY:
		return jr_num("recovery", arg, 0, 600, &o->recovery);
	case O_CONC:
		if (jr_num("concurrency", arg, 1, 1000, &v) != 0)
			return -1;
		o->concurrency = (int)v;
		return 0;
	case O_TPK:
		if (jr_num("threads-per-key", arg, 1, 1000, &v) != 0)
			return -1;
		o->threads_per_key = (int)v;
		return 0;
	case O_OPK:
		if (jr_num("ops-per-key", arg, 1, 10000, &v) != 0)
			return -1;
		o->ops_per_key = (int)v;
		return 0;
	case O_RATE:
		return jr_num("rate", arg, 0.1, 100000, &o->rate);
	case O_TIMEOUT:
		if (jr_num("op-timeout", arg, 50, 600000, &v) != 0)
			return -1;
		o->op_timeout_ms = (unsigned)v;
		return 0;
	case O_SESSIONS:
		o->sessions = 1;
		return 0;
	case O_LOSE:
		return jr_num("lose-replies", arg, 0, 1, &o->lose_replies);
	case O_STALE:
		o->stale_reads = 1;
		return 0;
	case O_FRESH:
		o->fresh_clients = 1;
		return 0;
	case O_DIR:
		o->dir = arg;
		return 0;
	case O_RAFTD:
		o->raftd = arg;
		return 0;
	case O_FLAG:
		if (o->nflags == JR_MAX_FLAGS) {
			fprintf(stderr, "jepsen-runner: at most %d --raftd-flag\n", JR_MAX_FLAGS);
			return -1;
		}
		o->flags[o->nflags++] = arg;
		return 0;
	case O_SEED:
		o->seed = strtoull(arg, NULL, 10);
		return 0;
	case O_NS:
		snprintf(o->ns_prefix, sizeof o->ns_prefix, "%s", arg);
		return 0;
	case O_NET:
		snprintf(o->net_prefix, sizeof o->net_prefix, "%s", arg);
		return 0;
	default:
		fputs(jr_usage, c == O_HELP ? stdout : stderr);
		return -1;
	}
}

/* Operations (lock: holds) per key by default; -1 for an unknown workload. */
static int jr_default_per_key(const char *workload)
{
	static const struct {
		const char *name;
		int per_key;
	} table[] = {{"register", 100}, {"set", 500}, {"append", 200}, {"lock", 20}};

	for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)
		if (strcmp(workload, table[k].name) == 0)
			return table[k].per_key;
	return -1;
}

int jr_opts_parse(int argc, char **argv, struct jr_opts *o)
{
	int c;

	jr_defaults(o);
	while ((c = getopt_long(argc, argv, "", jr_longopts, NULL)) != -1)
		if (jr_opt(c, optarg, o) != 0)
			return -1;
	if (optind != argc || o->dir == NULL || o->raftd == NULL) {
		fprintf(stderr, "jepsen-runner: --dir and --raftd are required\n%s", jr_usage);
		return -1;
	}
	if (o->ops_per_key == 0)
		o->ops_per_key = jr_default_per_key(o->workload);
	if (o->ops_per_key < 0) {
		fprintf(stderr, "jepsen-runner: unknown workload '%s' (register, set, append, lock)\n",
			o->workload);
		return -1;
	}
	if (o->fresh_clients && (o->sessions || strcmp(o->workload, "lock") == 0)) {
		fprintf(stderr, "jepsen-runner: --fresh-clients would abandon a session at every "
			"operation: not with --sessions or the lock workload\n");
		return -1;
	}
	if (o->lose_replies > 0 && (!o->sessions || strcmp(o->workload, "append") != 0)) {
		fprintf(stderr, "jepsen-runner: --lose-replies retries sequenced appends: it needs "
			"--workload append --sessions\n");
		return -1;
	}
	if (o->threads_per_key > o->concurrency)
		o->threads_per_key = o->concurrency;
	return 0;
}

static void jr_json_kv(struct buf *b, const char *name, const char *s)
{
	buf_printf(b, ",\"%s\":", name);
	jj_write_str(b, s, strlen(s));
}

int jr_opts_write(const struct jr_opts *o, const char *path)
{
	struct buf b;
	FILE *f;
	int rv = 0;

	buf_init(&b);
	buf_printf(&b, "{\"workload\":\"%s\",\"nodes\":%d,\"nemesis\":[", o->workload, o->nodes);
	for (int k = 0, first = 1; k < JR_FAULT_KINDS; k++)
		if (o->faults & (1u << k)) {
			buf_printf(&b, "%s\"%s\"", first ? "" : ",", jr_fault_names[k]);
			first = 0;
		}
	buf_printf(&b, "],\"snapshot_churn\":%s,\"time_limit\":%g,\"interval\":%g,"
		   "\"recovery\":%g,\"concurrency\":%d,\"threads_per_key\":%d,"
		   "\"ops_per_key\":%d,\"rate\":%g,\"op_timeout_ms\":%u,\"sessions\":%s,"
		   "\"lose_replies\":%g,"
		   "\"stale_reads\":%s,\"fresh_clients\":%s,\"seed\":%llu",
		   o->snapshot_churn ? "true" : "false", o->time_limit, o->interval, o->recovery,
		   o->concurrency, o->threads_per_key, o->ops_per_key, o->rate, o->op_timeout_ms,
		   o->sessions ? "true" : "false", o->lose_replies, o->stale_reads ? "true" : "false",
		   o->fresh_clients ? "true" : "false", (unsigned long long)o->seed);
	jr_json_kv(&b, "raftd", o->raftd);
	buf_printf(&b, ",\"raftd_flags\":[");
	for (int k = 0; k < o->nflags; k++) {
		buf_printf(&b, "%s", k ? "," : "");
		jj_write_str(&b, o->flags[k], strlen(o->flags[k]));
	}
	buf_printf(&b, "]}\n");
	f = fopen(path, "w");
	if (f == NULL || fwrite(b.data, 1, b.len, f) != b.len)
		rv = -1;
	if (f != NULL && fclose(f) != 0)
		rv = -1;
	buf_free(&b);
	return rv;
}
