/* raftctl.c - the command-line client for raftd, on top of libraftd.
 *
 *     raftctl [OPTIONS] COMMAND [ARGS]
 *
 * One process, one operation (list may make several requests to page). The
 * exit code is the machine-readable outcome; messages go to stderr, one line
 * each, and say what to do next. Above all, a write whose outcome is unknown
 * is never reported as a failure: it prints "outcome unknown: ..." and exits
 * 4, so scripts can tell "not applied" (3) from "maybe applied" (4).
 *
 * Options may come before or after the command. Arguments that look like
 * negative numbers ("incr n -5") are arguments, not options; "--" ends the
 * options for anything else that starts with '-'. Each option that belongs
 * to some commands only is refused with the others, so a misplaced one is
 * never silently ignored.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/raftctl.h"
#include "client/raftctl_snapshot.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define DEFAULT_ENDPOINTS "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003"

/* Which options a command takes (besides the global ones). */
enum {
	TAKES_PUTFLAGS = 1 << 0,  /* --nx, --xx */
	TAKES_LIMIT = 1 << 1,     /* --limit */
	TAKES_READ = 1 << 2,      /* --consistency, --min-index */
	TAKES_WRITE = 1 << 3,     /* --fence, --session with --seq */
	TAKES_LOCK = 1 << 4,      /* --session, --session-timeout, --wait,
				   * --hold */
	TAKES_UNLOCK = 1 << 5,    /* --session (required) */
	TAKES_STIMEOUT = 1 << 6   /* --session-timeout */
};

struct command {
	const char *name;
	int min_args, max_args; /* -1: no maximum */
	const char *args;
	unsigned takes;
	int (*run)(struct cli *cli);
};

static const char *const usage_text =
	"Usage: raftctl [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  put KEY VALUE [--nx|--xx]    set KEY; --nx only if absent, --xx only if present\n"
	"  get KEY                      print the value (-v: indexes and term too)\n"
	"  cas KEY EXPECTED NEW         set KEY to NEW if its value is EXPECTED\n"
	"  cas-index KEY MODINDEX NEW   set KEY to NEW if its mod_index is MODINDEX\n"
	"                               (0: only if KEY does not exist)\n"
	"  del KEY...                   delete keys (one atomic write)\n"
	"  incr KEY [DELTA]             add DELTA (default 1) to an integer value\n"
	"  append KEY VALUE             append VALUE to KEY's value; prints the new length\n"
	"  list [PREFIX] [--limit N]    keys and values under PREFIX, in byte order;\n"
	"                               without --limit, all of them (several requests,\n"
	"                               so not one snapshot)\n"
	"  status                       the cluster's members: role, reachable, lag\n"
	"                               (entries, ms); * marks the leader\n"
	"  session open                 open an exactly-once session; prints its id\n"
	"  session close SID            close it (its locks are released)\n"
	"  session keepalive SID        keep it alive (it expires after its timeout\n"
	"                               without any command)\n"
	"  lock NAME                    acquire a lock; prints session=SID token=T.\n"
	"                               Opens a session unless --session is given; the\n"
	"                               session stays open (holding the lock) until it is\n"
	"                               closed or expires, unless --hold is given\n"
	"  unlock NAME --session SID    release a lock held by session SID\n"
	"  member add ID RAFT-ADDRESS CLIENT-ADDRESS\n"
	"                               add a node started with --join as a standby\n"
	"                               (it catches up, serves session and stale reads)\n"
	"  member promote ID            make a standby a voter\n"
	"  member demote ID             make a voter a standby\n"
	"  member remove ID             remove a node (the leader hands over first)\n"
	"  member list                  the servers of the configuration and their roles\n"
	"  transfer [ID]                hand leadership to node ID (default: the most\n"
	"                               up-to-date voter); prints the new leader\n"
	"  snapshot save FILE           back up the whole state (linearizable) to FILE\n"
	"  snapshot inspect FILE        check a backup file and print what it holds\n"
	"                               (restore it with raftd --restore FILE)\n"
	"\n"
	"Options:\n"
	"  -e, --endpoints LIST   host:port[,host:port...] (default: $RAFTD_ENDPOINTS,\n"
	"                         else " DEFAULT_ENDPOINTS ")\n"
	"  -t, --timeout SECONDS  per request, retries included (default 5)\n"
	"  -j, --json             machine-readable output on stdout\n"
	"  -v, --verbose          more detail (get: indexes, term, and for session and\n"
	"                         stale reads the serving node, its lag and last contact)\n"
	"      --nx, --xx         put conditions\n"
	"  -n, --limit N          list: at most N entries\n"
	"  -c, --consistency MODE get, list: linearizable (default: the leader, after a\n"
	"                         barrier), session (any node that has applied\n"
	"                         --min-index), or stale (any node, at once)\n"
	"      --min-index N      get, list: read at index N or later (implies\n"
	"                         --consistency session). A one-shot raftctl has seen no\n"
	"                         index of its own, so session mode is meaningful only\n"
	"                         with this: pass the index a previous command printed\n"
	"      --fence LOCK TOKEN writes: apply only while TOKEN is the newest token\n"
	"                         issued for LOCK\n"
	"      --session SID      writes (with --seq), lock, unlock: use session SID\n"
	"      --seq N            writes: send as sequence number N of --session SID\n"
	"                         (RD.SEQ SID N N); repeating it returns the first result\n"
	"      --session-timeout MS  session open, lock: the new session's timeout\n"
	"                         (default 30000; the server accepts 1000..3600000)\n"
	"      --wait SECONDS     lock: retry while another session holds the lock\n"
	"      --hold SECONDS     lock: keep the session alive that long, then close it\n"
	"                         (SIGINT/SIGTERM close it early)\n"
	"  -h, --help             this text\n"
	"  -V, --version          the version\n"
	"\n"
	"Exit codes: 0 ok; 1 not found, condition not met, or lock held elsewhere;\n"
	"2 usage error; 3 no node answered / timed out (nothing was changed);\n"
	"4 outcome unknown (the write may or may not have been applied); 5 other\n"
	"errors; 6 session expired (nothing was applied; its locks are released);\n"
	"7 fenced (the token is stale; nothing was changed).\n";

static const struct command commands[] = {
	{"put", 2, 2, "KEY VALUE [--nx|--xx]", TAKES_PUTFLAGS | TAKES_WRITE,
	 cmd_put},
	{"get", 1, 1, "KEY", TAKES_READ, cmd_get},
	{"cas", 3, 3, "KEY EXPECTED NEW", TAKES_WRITE, cmd_cas},
	{"cas-index", 3, 3, "KEY MODINDEX NEW", TAKES_WRITE, cmd_cas_index},
	{"del", 1, MAX_ARGS, "KEY...", TAKES_WRITE, cmd_del},
	{"incr", 1, 2, "KEY [DELTA]", TAKES_WRITE, cmd_incr},
	{"append", 2, 2, "KEY VALUE", TAKES_WRITE, cmd_append},
	{"list", 0, 1, "[PREFIX] [--limit N]", TAKES_LIMIT | TAKES_READ,
	 cmd_list},
	{"status", 0, 0, "", 0, cmd_status},
	{"session", 1, 2, "open | close SID | keepalive SID", TAKES_STIMEOUT,
	 cmd_session},
	{"lock", 1, 1, "NAME", TAKES_LOCK | TAKES_STIMEOUT, cmd_lock},
	{"unlock", 1, 1, "NAME --session SID", TAKES_UNLOCK, cmd_unlock},
	{"member", 1, 4, "add ID RAFT-ADDRESS CLIENT-ADDRESS | promote ID | demote ID | remove ID | list",
	 0, cmd_member},
	{"transfer", 0, 1, "[ID]", 0, cmd_transfer},
	{"snapshot", 2, 2, "save FILE | inspect FILE", 0, cmd_snapshot},
};

/* ---- option parsing ---------------------------------------------------- */

enum {
	OPT_NX = 256, OPT_XX, OPT_MIN_INDEX, OPT_FENCE, OPT_SESSION, OPT_SEQ,
	OPT_STIMEOUT, OPT_WAIT, OPT_HOLD
};

static const struct option long_options[] = {
	{"endpoints", required_argument, NULL, 'e'},
	{"timeout", required_argument, NULL, 't'},
	{"json", no_argument, NULL, 'j'},
	{"verbose", no_argument, NULL, 'v'},
	{"limit", required_argument, NULL, 'n'},
	{"consistency", required_argument, NULL, 'c'},
	{"min-index", required_argument, NULL, OPT_MIN_INDEX},
	{"nx", no_argument, NULL, OPT_NX},
	{"xx", no_argument, NULL, OPT_XX},
	{"fence", required_argument, NULL, OPT_FENCE},
	{"session", required_argument, NULL, OPT_SESSION},
	{"seq", required_argument, NULL, OPT_SEQ},
	{"session-timeout", required_argument, NULL, OPT_STIMEOUT},
	{"wait", required_argument, NULL, OPT_WAIT},
	{"hold", required_argument, NULL, OPT_HOLD},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* Seconds (fractions allowed, at most a day) as milliseconds; zero_ok says
 * whether 0 is accepted (a non-zero value too small for a millisecond
 * becomes 1 ms). */
static int parse_seconds(const char *opt, const char *s, bool zero_ok,
			 unsigned *ms)
{
	char *end;
	double secs;

	errno = 0;
	secs = strtod(s, &end);
	if (errno || *end || end == s || secs < 0 || (!zero_ok && secs == 0) ||
	    secs > 86400 || secs != secs)
		return usage_error("%s: expected seconds between 0 and 86400, not '%s'",
				   opt, s);
	*ms = (unsigned)(secs * 1000 + 0.5);
	if (*ms == 0 && secs > 0)
		*ms = 1;
	return EXIT_OK;
}

static int set_consistency(struct cli *cli, const char *s)
{
	if (strcmp(s, "linearizable") == 0)
		cli->mode = RDC_LINEARIZABLE;
	else if (strcmp(s, "session") == 0)
		cli->mode = RDC_SESSION;
	else if (strcmp(s, "stale") == 0)
		cli->mode = RDC_STALE;
	else
		return usage_error("--consistency: expected linearizable, session or stale, not '%s'",
				   s);
	cli->mode_set = true;
	return EXIT_OK;
}

/* --fence LOCK TOKEN: the token is the next word on the command line. */
static int set_fence(struct cli *cli, int argc, char **argv)
{
	if (optind >= argc)
		return usage_error("--fence: expected LOCK TOKEN");
	if (parse_u64(argv[optind], &cli->fence_token) != 0)
		return usage_error("--fence: TOKEN must be a non-negative integer, not '%s'",
				   argv[optind]);
	cli->fence_lock = optarg;
	optind++;
	return EXIT_OK;
}

/* A positive integer option value. */
static int positive(const char *opt, const char *s, uint64_t max,
		    uint64_t *out)
{
	if (parse_u64(s, out) != 0 || *out == 0 || *out > max)
		return usage_error("%s: expected a positive integer, not '%s'",
				   opt, s);
	return EXIT_OK;
}

static int apply_session_option(struct cli *cli, int opt)
{
	uint64_t n;
	int rc;

	switch (opt) {
	case OPT_SESSION:
		return positive("--session", optarg, UINT64_MAX,
				&cli->session_id);
	case OPT_SEQ:
		return positive("--seq", optarg, UINT64_MAX, &cli->seq);
	case OPT_STIMEOUT:
		rc = positive("--session-timeout", optarg, UINT32_MAX, &n);
		cli->session_timeout_ms = (unsigned)n;
		return rc;
	case OPT_WAIT:
		return parse_seconds("--wait", optarg, true, &cli->wait_ms);
	case OPT_HOLD:
		cli->hold_set = true;
		return parse_seconds("--hold", optarg, true, &cli->hold_ms);
	}
	return EXIT_USAGE;
}

/* One option from getopt_long; returns EXIT_OK to go on, -1 when the
 * program should stop with status 0 (--help, --version), else an exit code. */
static int apply_option(struct cli *cli, int opt, int argc, char **argv)
{
	uint64_t n;

	switch (opt) {
	case 'e':
		cli->endpoints = optarg;
		return EXIT_OK;
	case 't':
		return parse_seconds("--timeout", optarg, false,
				     &cli->deadline_ms);
	case 'j':
		cli->json = true;
		return EXIT_OK;
	case 'v':
		cli->verbose = true;
		return EXIT_OK;
	case 'n':
		if (positive("--limit", optarg, SIZE_MAX, &n) != EXIT_OK)
			return EXIT_USAGE;
		cli->limit = (size_t)n;
		return EXIT_OK;
	case 'c':
		return set_consistency(cli, optarg);
	case OPT_MIN_INDEX:
		if (parse_u64(optarg, &cli->min_index) != 0)
			return usage_error("--min-index: expected a non-negative integer, not '%s'",
					   optarg);
		return EXIT_OK;
	case OPT_NX:
	case OPT_XX:
		if (cli->put_flags)
			return usage_error("put: give at most one of --nx and --xx");
		cli->put_flags = opt == OPT_NX ? RDC_PUT_NX : RDC_PUT_XX;
		return EXIT_OK;
	case OPT_FENCE:
		return set_fence(cli, argc, argv);
	case 'h':
		fputs(usage_text, stdout);
		return -1;
	case 'V':
		printf("raftctl (raftd) %s\n", PACKAGE_VERSION);
		return -1;
	}
	return apply_session_option(cli, opt);
}

static int add_positional(struct cli *cli, char *arg)
{
	if (cli->cmd == NULL) {
		cli->cmd = arg;
		return EXIT_OK;
	}
	if (cli->argc == MAX_ARGS)
		return usage_error("too many arguments (at most %d)", MAX_ARGS);
	cli->argv[cli->argc++] = arg;
	return EXIT_OK;
}

/* "-5", "-0": arguments, not options. */
static bool is_negative_number(const char *s)
{
	if (s[0] != '-' || s[1] == '\0')
		return false;
	for (s++; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* What getopt_long rejected: opt is ':' (a value is missing) or '?'. */
static int bad_option(int opt, const char *arg)
{
	char shortopt[3] = {'-', (char)optopt, '\0'};
	const char *name = optopt > 0 && optopt < 256 ? shortopt : arg;

	if (opt == ':')
		return usage_error("option '%s' needs a value", name);
	return usage_error("unknown option '%s'", name);
}

/* getopt_long stops at each non-option ("+"), which is collected here, so
 * options may follow the command and negative numbers stay arguments. */
static int parse_args(struct cli *cli, int argc, char **argv)
{
	int rc = EXIT_OK;

	optind = 1;
	opterr = 0; /* bad_option says it, with a pointer to --help */
	while (rc == EXIT_OK && optind < argc) {
		char *arg = argv[optind];
		int opt;

		if (strcmp(arg, "--") == 0) {
			for (optind++; rc == EXIT_OK && optind < argc; optind++)
				rc = add_positional(cli, argv[optind]);
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0' || is_negative_number(arg)) {
			rc = add_positional(cli, arg);
			optind++;
			continue;
		}
		opt = getopt_long(argc, argv, "+:e:t:jvn:c:hV", long_options,
				  NULL);
		if (opt == -1)
			break;
		if (opt == ':' || opt == '?')
			return bad_option(opt, argv[optind - 1]);
		rc = apply_option(cli, opt, argc, argv);
	}
	return rc;
}

/* ---- checking the options against the command -------------------------- */

/* An option given to a command that does not take it. */
static int misplaced(const struct cli *cli, const struct command *cmd)
{
	struct {
		bool given;
		unsigned takes;
		const char *what;
	} rules[] = {
		{cli->put_flags != 0, TAKES_PUTFLAGS, "--nx and --xx apply to put only"},
		{cli->limit != 0, TAKES_LIMIT, "--limit applies to list only"},
		{cli->mode_set || cli->min_index, TAKES_READ,
		 "--consistency and --min-index apply to get and list only"},
		{cli->fence_lock != NULL, TAKES_WRITE,
		 "--fence applies to writes only (put, cas, cas-index, del, incr, append)"},
		{cli->seq != 0, TAKES_WRITE, "--seq applies to writes only"},
		{cli->session_id != 0, TAKES_WRITE | TAKES_LOCK | TAKES_UNLOCK,
		 "--session applies to writes (with --seq), lock and unlock; session close/keepalive take SID as an argument"},
		{cli->session_timeout_ms != 0, TAKES_STIMEOUT,
		 "--session-timeout applies to session open and lock"},
		{cli->wait_ms != 0 || cli->hold_set, TAKES_LOCK,
		 "--wait and --hold apply to lock only"},
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].given && !(cmd->takes & rules[i].takes))
			return usage_error("%s: %s", cmd->name, rules[i].what);
	return EXIT_OK;
}

/* Combinations that make no sense even for a command that takes each. */
static int inconsistent(struct cli *cli, const struct command *cmd)
{
	if (cli->min_index && cli->mode_set && cli->mode != RDC_SESSION)
		return usage_error("%s: --min-index applies to --consistency session only",
				   cmd->name);
	if (cli->min_index)
		cli->mode = RDC_SESSION;
	if ((cmd->takes & TAKES_WRITE) && (cli->session_id != 0) != (cli->seq != 0))
		return usage_error("%s: --session and --seq go together (a sequenced write needs both)",
				   cmd->name);
	if ((cmd->takes & TAKES_UNLOCK) && cli->session_id == 0)
		return usage_error("unlock: --session SID is required");
	if ((cmd->takes & TAKES_LOCK) && cli->session_id && cli->session_timeout_ms)
		return usage_error("lock: --session-timeout applies to a new session, not with --session");
	if (strcmp(cmd->name, "session") == 0 && cli->session_timeout_ms &&
	    strcmp(cli->argv[0], "open") != 0)
		return usage_error("session %s: --session-timeout applies to session open only",
				   cli->argv[0]);
	return EXIT_OK;
}

static int check_command(struct cli *cli, const struct command *cmd)
{
	int rc;

	if (cli->argc < cmd->min_args || cli->argc > cmd->max_args)
		return usage_error("%s: expected %s%s", cmd->name,
				   cmd->args[0] ? cmd->args : "no arguments",
				   cli->argc > cmd->max_args ? " (too many arguments)" : "");
	rc = misplaced(cli, cmd);
	return rc != EXIT_OK ? rc : inconsistent(cli, cmd);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int run(struct cli *cli, const struct command *cmd)
{
	struct rdc_options opts = {.deadline_ms = cli->deadline_ms};
	int rc;

	cli->c = rdc_open(cli->endpoints, &opts);
	if (cli->c == NULL) {
		fputs("raftctl: out of memory\n", stderr);
		return EXIT_ERROR;
	}
	if (rdc_errcode(cli->c) == RDC_INVALID) {
		rc = usage_error("%s", rdc_errmsg(cli->c));
	} else if (rdc_errcode(cli->c) != RDC_OK) {
		rc = fail(cli, rdc_errcode(cli->c));
	} else {
		rdc_observe_index(cli->c, cli->min_index);
		rc = cmd->run(cli);
	}
	rdc_close(cli->c);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	const struct command *cmd;
	int rc;

	/* A server that closes its end must show up as an error from the
	 * library (and an exit code), not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	cli.endpoints = getenv("RAFTD_ENDPOINTS");
	if (cli.endpoints == NULL || cli.endpoints[0] == '\0')
		cli.endpoints = DEFAULT_ENDPOINTS;
	rc = parse_args(&cli, argc, argv);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if (cli.cmd == NULL)
		return usage_error("no command given");
	cmd = find_command(cli.cmd);
	if (cmd == NULL)
		return usage_error("unknown command '%s'", cli.cmd);
	rc = check_command(&cli, cmd);
	if (rc != EXIT_OK)
		return rc;
	rc = run(&cli, cmd);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* "raftctl list | head" closing the pipe early is no error. */
		if (errno == EPIPE)
			return rc;
		perror("raftctl: writing output");
		return EXIT_ERROR;
	}
	return rc;
}
