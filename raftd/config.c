/* config.c - command-line flags and the optional config file.
 *
 * Every setting is a long option; a config file (--config FILE) holds the
 * same names as "name = value" lines ('#' starts a comment), and flags given
 * on the command line after --config override it. Errors are one line on
 * stderr naming the offending flag or file line. */
#include "raftd/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "fsm/fsm.h"

enum {
	OPT_ID = 256, OPT_DATA_DIR, OPT_MEMBER, OPT_CONFIG, OPT_ELECTION,
	OPT_HEARTBEAT, OPT_INSTALL_TIMEOUT, OPT_SNAP_THRESHOLD, OPT_SNAP_TRAILING, OPT_SNAP_LOG_BYTES,
	OPT_SNAP_LOG_RATIO, OPT_SNAP_TRAILING_BYTES, OPT_PEER_SEND_LIMIT,
	OPT_MAX_KEY,
	OPT_MAX_VALUE, OPT_MAX_REQUEST, OPT_MAX_STATE, OPT_MAX_CONNS, OPT_MAX_PENDING,
	OPT_LOG_LEVEL, OPT_MAX_READ_WAIT, OPT_UNSAFE_READS, OPT_UNSAFE_NO_DEDUP, OPT_JOIN, OPT_RESTORE,
	OPT_HELP, OPT_VERSION
};

static const struct option cfg_options[] = {
	{"id", required_argument, NULL, OPT_ID},
	{"data-dir", required_argument, NULL, OPT_DATA_DIR},
	{"member", required_argument, NULL, OPT_MEMBER},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"election-timeout", required_argument, NULL, OPT_ELECTION},
	{"heartbeat", required_argument, NULL, OPT_HEARTBEAT},
	{"install-snapshot-timeout", required_argument, NULL, OPT_INSTALL_TIMEOUT},
	{"snapshot-threshold", required_argument, NULL, OPT_SNAP_THRESHOLD},
	{"snapshot-trailing", required_argument, NULL, OPT_SNAP_TRAILING},
	{"snapshot-log-bytes", required_argument, NULL, OPT_SNAP_LOG_BYTES},
	{"snapshot-log-ratio", required_argument, NULL, OPT_SNAP_LOG_RATIO},
	{"snapshot-trailing-bytes", required_argument, NULL, OPT_SNAP_TRAILING_BYTES},
	{"peer-send-limit", required_argument, NULL, OPT_PEER_SEND_LIMIT},
	{"max-key", required_argument, NULL, OPT_MAX_KEY},
	{"max-value", required_argument, NULL, OPT_MAX_VALUE},
	{"max-request", required_argument, NULL, OPT_MAX_REQUEST},
	{"max-state-bytes", required_argument, NULL, OPT_MAX_STATE},
	{"max-conns", required_argument, NULL, OPT_MAX_CONNS},
	{"max-pending", required_argument, NULL, OPT_MAX_PENDING},
	{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	{"max-read-wait", required_argument, NULL, OPT_MAX_READ_WAIT},
	{"unsafe-read-without-barrier", no_argument, NULL, OPT_UNSAFE_READS},
	{"unsafe-no-session-dedup", no_argument, NULL, OPT_UNSAFE_NO_DEDUP},
	{"join", no_argument, NULL, OPT_JOIN},
	{"restore", required_argument, NULL, OPT_RESTORE},
	{"help", no_argument, NULL, OPT_HELP},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

static const char cfg_usage[] =
"Usage: raftd --id N --data-dir DIR --member ID,RAFT_ADDR,CLIENT_ADDR... [options]\n"
"\n"
"A Raft-replicated key-value server speaking RESP2 (the Redis protocol).\n"
"\n"
"Cluster:\n"
"  --id N                    this node's id (a member listed with --member)\n"
"  --data-dir DIR            raft log and snapshots; a fresh directory\n"
"                            bootstraps the cluster from the --member list,\n"
"                            an existing one restarts from its own data\n"
"  --member ID,RAFT,CLIENT   a voting member: id, raft address and client\n"
"                            address (IPv4 host:port); repeat for each member\n"
"  --join                    never bootstrap: wait to be added to a running\n"
"                            cluster (RD.MEMBER ADD); --member then only\n"
"                            names this node and where the cluster is\n"
"  --restore FILE            seed a new cluster from a backup (raftctl\n"
"                            snapshot save) instead of an empty state: every\n"
"                            node starts once with the same FILE and an empty\n"
"                            --data-dir, later restarts without --restore\n"
"  --config FILE             read \"name = value\" lines with these option names\n"
"Timing:\n"
"  --election-timeout MS     base election timeout (default 150)\n"
"  --heartbeat MS            heartbeat interval (default 30)\n"
"  --install-snapshot-timeout MS  the leader sends a snapshot again when\n"
"                            a follower has not answered one for this long\n"
"                            (default 10000)\n"
"  --snapshot-log-bytes B    snapshot once the log applied since the last\n"
"                            snapshot holds max(B, PCT% of that snapshot's\n"
"                            size) bytes (default 67108864; 0: count only)\n"
"  --snapshot-log-ratio PCT  (default 25; see docs/snapshots.md)\n"
"  --snapshot-threshold N    and at the latest after N entries (default 65536)\n"
"  --snapshot-trailing N     entries kept after a snapshot for followers\n"
"                            that lag (default 4096)...\n"
"  --snapshot-trailing-bytes B  ...at most B bytes of them (default 16777216;\n"
"                            0: no byte bound)\n"
"Limits:\n"
"  --max-state-bytes BYTES   refuse writes that could grow the state once\n"
"                            its snapshot would reach this size (-NOSPACE;\n"
"                            deletes still work). libraft 0.15 cannot load\n"
"                            a snapshot over 2 GiB (default 1610612736)\n"
"  --peer-send-limit BYTES   log entries queued for one peer that is not\n"
"                            reading; beyond, the leader holds entries back\n"
"                            until it reads (default 67108864; 0: no limit)\n"
"  --max-key BYTES           largest key (default 8192)\n"
"  --max-value BYTES         largest value (default 1048576)\n"
"  --max-request BYTES       largest request (default 4194304)\n"
"  --max-conns N             most client connections (default 10000)\n"
"  --max-pending N           most unanswered requests per connection (default 1024)\n"
"  --max-read-wait MS        how long a session read waits for this node to\n"
"                            catch up before answering TRYAGAIN (default 1000)\n"
"Known-bad modes (UNSAFE: only to prove that fault tests catch them):\n"
"  --unsafe-read-without-barrier\n"
"                            serve every read at once from local state on any\n"
"                            node: stale reads become possible\n"
"  --unsafe-no-session-dedup\n"
"                            apply a retried sequenced write (RD.SEQ) again\n"
"                            instead of answering it from its stored first\n"
"                            result: exactly-once sessions apply retries twice\n"
"Other:\n"
"  --log-level LEVEL         debug, info, warn or error (default info)\n"
"  --help, --version\n";

static void cfg_defaults(struct rd_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	/* Measured (docs/performance.md, run F and this page's failover
	 * section): 150 / 30 gave no spurious election in 5 minutes of full
	 * load over 1M keys snapshotted every ~2 s on each node (fork up to
	 * 138 ms on a follower), now that io_destroy no longer stalls the
	 * loop and a follower votes once its leader has been silent for an
	 * election timeout (raft/fix_vote_silent_leader.c); failover gap
	 * median 272 ms over 7 kills. Before those fixes 150 and 200 ms gave
	 * spurious elections, and 200 / 40 a 365-400 ms gap. */
	cfg->election_timeout_ms = 150;
	cfg->heartbeat_ms = 30;
	/* libraft's default is 30 s; a follower busy taking its own snapshot
	 * drops an InstallSnapshot without answering (docs/snapshots.md) */
	cfg->install_snapshot_timeout_ms = 10000;
	cfg->snapshot_threshold = 65536;
	cfg->snapshot_trailing = 4096;
	cfg->snapshot_log_bytes = 64u << 20;
	cfg->snapshot_log_ratio = 25;
	cfg->snapshot_trailing_bytes = 16u << 20;
	cfg->peer_send_limit = 64u << 20;
	cfg->max_key = 8192;
	cfg->max_value = 1024 * 1024;
	cfg->max_request = 4 * 1024 * 1024;
	cfg->max_state_bytes = (size_t)1536 << 20;
	cfg->max_pending_per_conn = 1024;
	cfg->max_out_per_conn = 64 * 1024 * 1024;
	cfg->max_conns = 10000;
	cfg->max_batch_bytes = 1024 * 1024;
	cfg->max_inflight_batches = 64;
	cfg->max_read_wait_ms = 1000;
	cfg->log_level = RD_LOG_INFO;
}

static int cfg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int cfg_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "raftd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see raftd --help)\n");
	return -1;
}

static int cfg_u64(const char *name, const char *s, uint64_t min, uint64_t max,
		   uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return cfg_error("--%s: '%s' is not a number", name, s);
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return cfg_error("--%s: '%s' is not a number", name, s);
	if (errno || v < min || v > max)
		return cfg_error("--%s: '%s' is out of range (%llu to %llu)", name,
				 s, (unsigned long long)min,
				 (unsigned long long)max);
	*out = v;
	return 0;
}

bool rd_addr_valid(const char *p, size_t len)
{
	char tmp[RD_ADDR_MAX], *colon, *end;
	struct in_addr ia;
	unsigned long port;

	if (len == 0 || len >= sizeof tmp || memchr(p, '\0', len) != NULL)
		return false;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	colon = strrchr(tmp, ':');
	if (colon == NULL || !isdigit((unsigned char)colon[1]))
		return false;
	*colon = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	return inet_pton(AF_INET, tmp, &ia) == 1 && errno == 0 &&
	       *end == '\0' && port >= 1 && port <= 65535;
}

/* "a.b.c.d:port" with a real IPv4 literal and a port in 1..65535. */
static int cfg_addr(const char *name, const char *s, char *out)
{
	if (!rd_addr_valid(s, strlen(s)))
		return cfg_error("--%s: '%s' is not an IPv4 host:port address "
				 "(port 1-65535)", name, s);
	strcpy(out, s);
	return 0;
}

static int cfg_member(struct rd_config *cfg, const char *arg)
{
	char tmp[3 * RD_ADDR_MAX], *raft, *client;
	struct rd_member *m;

	if (cfg->n_members == RD_MAX_MEMBERS)
		return cfg_error("--member: at most %s members", "16");
	if (strlen(arg) >= sizeof tmp)
		return cfg_error("--member: '%s' is too long", arg);
	strcpy(tmp, arg);
	raft = strchr(tmp, ',');
	client = raft ? strchr(raft + 1, ',') : NULL;
	if (client == NULL)
		return cfg_error("--member: '%s' is not ID,RAFT_ADDR,CLIENT_ADDR", arg);
	*raft++ = '\0';
	*client++ = '\0';
	m = &cfg->members[cfg->n_members];
	if (cfg_u64("member", tmp, 1, UINT64_MAX, &m->id) != 0 ||
	    cfg_addr("member", raft, m->raft_addr) != 0 ||
	    cfg_addr("member", client, m->client_addr) != 0)
		return -1;
	for (unsigned i = 0; i < cfg->n_members; i++)
		if (cfg->members[i].id == m->id)
			return cfg_error("--member: id %s is listed twice", tmp);
	cfg->n_members++;
	return 0;
}

static int cfg_set_size(const char *name, const char *val, uint64_t min,
			uint64_t max, size_t *out)
{
	uint64_t v;

	if (cfg_u64(name, val, min, max, &v) != 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

static int cfg_set_uint(const char *name, const char *val, uint64_t min,
			uint64_t max, unsigned *out)
{
	uint64_t v;

	if (cfg_u64(name, val, min, max, &v) != 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int cfg_read_file(struct rd_config *cfg, const char *path);

/* Apply one option; name is for messages. */
static int cfg_apply(struct rd_config *cfg, int opt, const char *name,
		     const char *val)
{
	int lvl;

	switch (opt) {
	case OPT_ID:
		return cfg_u64(name, val, 1, UINT64_MAX, &cfg->id);
	case OPT_DATA_DIR:
		if (strlen(val) >= sizeof cfg->data_dir || *val == '\0')
			return cfg_error("--%s: bad directory '%s'", name, val);
		strcpy(cfg->data_dir, val);
		return 0;
	case OPT_MEMBER:
		return cfg_member(cfg, val);
	case OPT_CONFIG:
		return cfg_read_file(cfg, val);
	case OPT_ELECTION:
		return cfg_set_uint(name, val, 50, 60000, &cfg->election_timeout_ms);
	case OPT_HEARTBEAT:
		return cfg_set_uint(name, val, 10, 30000, &cfg->heartbeat_ms);
	case OPT_INSTALL_TIMEOUT:
		return cfg_set_uint(name, val, 100, 600000,
				    &cfg->install_snapshot_timeout_ms);
	case OPT_SNAP_THRESHOLD:
		return cfg_set_uint(name, val, RD_SNAP_THRESHOLD_MIN,
				    RD_SNAP_COUNT_MAX, &cfg->snapshot_threshold);
	case OPT_SNAP_TRAILING:
		return cfg_set_uint(name, val, RD_SNAP_TRAILING_MIN,
				    RD_SNAP_COUNT_MAX, &cfg->snapshot_trailing);
	case OPT_SNAP_LOG_BYTES:
		return cfg_set_size(name, val, 0, RD_SNAP_BYTES_MAX,
				    &cfg->snapshot_log_bytes);
	case OPT_PEER_SEND_LIMIT:
		return cfg_set_size(name, val, 0, (uint64_t)1 << 40,
				    &cfg->peer_send_limit);
	case OPT_SNAP_TRAILING_BYTES:
		return cfg_set_size(name, val, 0, RD_SNAP_BYTES_MAX,
				    &cfg->snapshot_trailing_bytes);
	case OPT_SNAP_LOG_RATIO:
		return cfg_set_uint(name, val, RD_SNAP_RATIO_MIN,
				    RD_SNAP_RATIO_MAX, &cfg->snapshot_log_ratio);
	case OPT_MAX_KEY:
		return cfg_set_size(name, val, 1, FSM_MAX_KEY, &cfg->max_key);
	case OPT_MAX_VALUE:
		return cfg_set_size(name, val, 1, FSM_MAX_VALUE, &cfg->max_value);
	case OPT_MAX_STATE:
		return cfg_set_size(name, val, 4096, (uint64_t)1900 << 20,
				    &cfg->max_state_bytes);
	case OPT_MAX_REQUEST:
		return cfg_set_size(name, val, 1024, 64u << 20, &cfg->max_request);
	case OPT_MAX_CONNS:
		return cfg_set_uint(name, val, 1, 1000000, &cfg->max_conns);
	case OPT_MAX_PENDING:
		return cfg_set_size(name, val, 1, 1u << 20, &cfg->max_pending_per_conn);
	case OPT_MAX_READ_WAIT:
		return cfg_set_uint(name, val, 0, 600000, &cfg->max_read_wait_ms);
	case OPT_UNSAFE_READS:
		cfg->unsafe_read_without_barrier = 1;
		return 0;
	case OPT_UNSAFE_NO_DEDUP:
		cfg->unsafe_no_session_dedup = 1;
		return 0;
	case OPT_JOIN:
		cfg->join = 1;
		return 0;
	case OPT_RESTORE:
		if (strlen(val) >= sizeof cfg->restore || *val == '\0')
			return cfg_error("--%s: bad file name '%s'", name, val);
		strcpy(cfg->restore, val);
		return 0;
	case OPT_LOG_LEVEL:
		lvl = rd_log_level_parse(val);
		if (lvl < 0)
			return cfg_error("--%s: unknown level '%s'", name, val);
		cfg->log_level = lvl;
		return 0;
	default:
		return cfg_error("unknown option");
	}
}

static char *cfg_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int cfg_file_line(struct rd_config *cfg, char *line, const char *path,
			 int lineno)
{
	char *eq, *name, *val, where[4200];

	if (strchr(line, '#'))
		*strchr(line, '#') = '\0';
	name = cfg_trim(line);
	if (*name == '\0')
		return 0;
	snprintf(where, sizeof where, "%s:%d", path, lineno);
	eq = strchr(name, '=');
	if (eq == NULL)
		return cfg_error("%s: expected 'name = value'", where);
	*eq = '\0';
	val = cfg_trim(eq + 1);
	name = cfg_trim(name);
	for (const struct option *o = cfg_options; o->name; o++)
		if (strcmp(o->name, name) == 0 && o->has_arg == required_argument &&
		    o->val != OPT_CONFIG)
			return cfg_apply(cfg, o->val, o->name, val);
	return cfg_error("%s: unknown setting '%s'", where, name);
}

static int cfg_read_file(struct rd_config *cfg, const char *path)
{
	char line[4096];
	int lineno = 0, rv = 0;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return cfg_error("--config: cannot open '%s': %s", path, strerror(errno));
	while (rv == 0 && fgets(line, sizeof line, fp))
		rv = cfg_file_line(cfg, line, path, ++lineno);
	fclose(fp);
	return rv;
}

static int cfg_check(struct rd_config *cfg)
{
	if (cfg->id == 0)
		return cfg_error("--id is required");
	if (cfg->data_dir[0] == '\0')
		return cfg_error("--data-dir is required");
	if (cfg->n_members == 0)
		return cfg_error("at least one --member is required");
	cfg->self = rd_config_member(cfg, cfg->id);
	if (cfg->self == NULL)
		return cfg_error("--id: this node's id is not among the --member list");
	if (cfg->join && cfg->restore[0] != '\0')
		return cfg_error("--restore seeds a new cluster; it cannot be "
				 "combined with --join");
	if (cfg->heartbeat_ms * 2 > cfg->election_timeout_ms)
		return cfg_error("--heartbeat must be at most half of --election-timeout");
	if (cfg->max_key + cfg->max_value + 1024 > cfg->max_request)
		return cfg_error("--max-request must exceed --max-key plus --max-value");
	return 0;
}

int rd_config_parse(struct rd_config *cfg, int argc, char **argv)
{
	int opt;

	cfg_defaults(cfg);
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":", cfg_options, NULL)) != -1) {
		if (opt == OPT_HELP) {
			fputs(cfg_usage, stdout);
			return 1;
		}
		if (opt == OPT_VERSION) {
			printf("raftd %s (libraft 0.15.0)\n", PACKAGE_VERSION);
			return 1;
		}
		if (opt == '?' || opt == ':') {
			const char *bad = argv[optind - 1];
			if (opt == ':')
				return cfg_error("option '%s' needs a value", bad);
			return cfg_error("unknown option '%s'", bad);
		}
		if (cfg_apply(cfg, opt, cfg_options[opt - OPT_ID].name, optarg ? optarg : "") != 0)
			return -1;
	}
	if (optind < argc)
		return cfg_error("unexpected argument '%s'", argv[optind]);
	return cfg_check(cfg);
}

const struct rd_member *rd_config_member(const struct rd_config *cfg,
					 uint64_t id)
{
	for (unsigned i = 0; i < cfg->n_members; i++)
		if (cfg->members[i].id == id)
			return &cfg->members[i];
	return NULL;
}
