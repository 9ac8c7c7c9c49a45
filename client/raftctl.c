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
 * options for anything else that starts with '-'.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raftd/client.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define DEFAULT_ENDPOINTS "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003"
#define LIST_PAGE 1000 /* the server's default page */
#define MAX_ARGS 64

enum exit_code {
	EXIT_OK = 0,
	EXIT_NO = 1,          /* not found, condition not met */
	EXIT_USAGE = 2,
	EXIT_UNAVAILABLE = 3, /* no leader, timeout: nothing was changed */
	EXIT_UNKNOWN = 4,     /* a write's outcome is unknown */
	EXIT_ERROR = 5
};

struct cli {
	const char *endpoints;
	unsigned deadline_ms; /* 0: the library's default */
	bool json;
	bool verbose;
	int put_flags;
	size_t limit;         /* list: 0 means everything */
	const char *cmd;
	int argc;             /* the command's arguments */
	char *argv[MAX_ARGS];
	rdc_client *c;
};

struct command {
	const char *name;
	int min_args, max_args; /* -1: no maximum */
	const char *args;
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
	"  list [PREFIX] [--limit N]    keys and values under PREFIX, in byte order;\n"
	"                               without --limit, all of them (several requests,\n"
	"                               so not one snapshot)\n"
	"  status                       the cluster's members; * marks the leader\n"
	"\n"
	"Options:\n"
	"  -e, --endpoints LIST   host:port[,host:port...] (default: $RAFTD_ENDPOINTS,\n"
	"                         else " DEFAULT_ENDPOINTS ")\n"
	"  -t, --timeout SECONDS  per request, retries included (default 5)\n"
	"  -j, --json             machine-readable output on stdout\n"
	"  -v, --verbose          more detail (get: create/mod index, term, index)\n"
	"      --nx, --xx         put conditions\n"
	"  -n, --limit N          list: at most N entries\n"
	"  -h, --help             this text\n"
	"  -V, --version          the version\n"
	"\n"
	"Exit codes: 0 ok; 1 not found or condition not met; 2 usage error;\n"
	"3 no leader / timed out (nothing was changed); 4 outcome unknown (the write\n"
	"may or may not have been applied); 5 other errors.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("raftctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see raftctl --help)\n", stderr);
	return EXIT_USAGE;
}

/* ---- output ------------------------------------------------------------ */

/* A byte string as a JSON string: valid UTF-8 passes through, other bytes
 * become \u00XX so the output is always valid JSON. */
static void json_str(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		size_t len = ch < 0x80 ? 1 : (ch >> 5) == 6 ? 2
			   : (ch >> 4) == 14 ? 3 : (ch >> 3) == 30 ? 4 : 0;
		bool ok = len > 1 && i + len <= n;

		for (size_t k = 1; ok && k < len; k++)
			ok = ((unsigned char)s[i + k] >> 6) == 2;
		if (ok) {
			fwrite(s + i, 1, len, stdout);
			i += len - 1;
		} else if (ch == '"' || ch == '\\') {
			printf("\\%c", ch);
		} else if (ch < 0x20 || ch >= 0x7f) {
			printf("\\u%04x", ch);
		} else {
			putchar(ch);
		}
	}
	putchar('"');
}

static void json_meta(const struct rdc_meta *m)
{
	printf("\"term\":%" PRIu64 ",\"index\":%" PRIu64, m->term, m->index);
}

static void print_ok(const struct cli *cli, const struct rdc_meta *m)
{
	if (cli->json) {
		printf("{\"ok\":true,");
		json_meta(m);
		printf("}\n");
	} else {
		printf("OK term=%" PRIu64 " index=%" PRIu64 "\n", m->term,
		       m->index);
	}
}

/* Report a failed call; returns the exit code. */
static int fail(const struct cli *cli, int rc)
{
	const char *msg = rdc_errmsg(cli->c);

	switch (rc) {
	case RDC_UNCERTAIN:
		fputs("outcome unknown: the write may or may not have been applied\n",
		      stderr);
		return EXIT_UNKNOWN;
	case RDC_UNAVAILABLE:
		fprintf(stderr,
			"raftctl: %s: %s; check that the cluster is running at %s (set -e or RAFTD_ENDPOINTS)\n",
			cli->cmd, msg, cli->endpoints);
		return EXIT_UNAVAILABLE;
	case RDC_TIMEOUT:
		fprintf(stderr, "raftctl: %s: %s; nothing was changed: retry, or raise --timeout\n",
			cli->cmd, msg);
		return EXIT_UNAVAILABLE;
	case RDC_NOTFOUND:
	case RDC_CONDITION:
		fprintf(stderr, "raftctl: %s: %s\n", cli->cmd, msg);
		return EXIT_NO;
	}
	fprintf(stderr, "raftctl: %s: %s: %s\n", cli->cmd, rdc_strerror(rc),
		msg[0] ? msg : "no details");
	return EXIT_ERROR;
}

/* ---- argument parsing helpers ------------------------------------------ */

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || end == s)
		return -1;
	*out = v;
	return 0;
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

/* ---- commands ---------------------------------------------------------- */

#define ARG(i) (cli->argv[i]), strlen(cli->argv[i])

static int cmd_put(struct cli *cli)
{
	struct rdc_meta m;
	int rc = rdc_put(cli->c, ARG(0), ARG(1), cli->put_flags, &m);

	if (rc == RDC_CONDITION) {
		fprintf(stderr, "raftctl: put: %s; nothing was changed\n",
			cli->put_flags & RDC_PUT_NX
				? "the key already exists (--nx)"
				: "the key does not exist (--xx)");
		return EXIT_NO;
	}
	if (rc != RDC_OK)
		return fail(cli, rc);
	print_ok(cli, &m);
	return EXIT_OK;
}

static int cmd_get(struct cli *cli)
{
	struct rdc_kv *kv;
	struct rdc_meta m;
	int rc = rdc_get(cli->c, ARG(0), &kv, &m);

	if (rc == RDC_NOTFOUND) {
		fprintf(stderr, "raftctl: get: key not found: %s\n", cli->argv[0]);
		return EXIT_NO;
	}
	if (rc != RDC_OK)
		return fail(cli, rc);
	if (cli->json) {
		printf("{\"key\":");
		json_str(kv->key, kv->klen);
		printf(",\"value\":");
		json_str(kv->value, kv->vlen);
		printf(",\"create_index\":%" PRIu64 ",\"mod_index\":%" PRIu64 ",",
		       kv->create_index, kv->mod_index);
		json_meta(&m);
		printf("}\n");
	} else {
		fwrite(kv->value, 1, kv->vlen, stdout);
		putchar('\n');
		if (cli->verbose)
			printf("create_index=%" PRIu64 " mod_index=%" PRIu64
			       " term=%" PRIu64 " index=%" PRIu64 "\n",
			       kv->create_index, kv->mod_index, m.term, m.index);
	}
	rdc_free(kv);
	return EXIT_OK;
}

static int cmd_cas(struct cli *cli)
{
	struct rdc_meta m;
	int rc = rdc_cas(cli->c, ARG(0), ARG(1), ARG(2), &m);

	if (rc == RDC_CONDITION) {
		fprintf(stderr,
			"raftctl: cas: the value of %s is not '%s' (or the key does not exist); nothing was changed\n",
			cli->argv[0], cli->argv[1]);
		return EXIT_NO;
	}
	if (rc != RDC_OK)
		return fail(cli, rc);
	print_ok(cli, &m);
	return EXIT_OK;
}

static int cmd_cas_index(struct cli *cli)
{
	struct rdc_meta m;
	uint64_t idx;
	int rc;

	if (parse_u64(cli->argv[1], &idx) != 0)
		return usage_error("cas-index: MODINDEX must be a non-negative integer, not '%s'",
				   cli->argv[1]);
	rc = rdc_cas_index(cli->c, ARG(0), idx, ARG(2), &m);
	if (rc == RDC_CONDITION) {
		if (idx == 0)
			fprintf(stderr, "raftctl: cas-index: %s already exists; nothing was changed\n",
				cli->argv[0]);
		else
			fprintf(stderr,
				"raftctl: cas-index: the mod_index of %s is not %" PRIu64 " (see raftctl get -v %s); nothing was changed\n",
				cli->argv[0], idx, cli->argv[0]);
		return EXIT_NO;
	}
	if (rc != RDC_OK)
		return fail(cli, rc);
	print_ok(cli, &m);
	return EXIT_OK;
}

static int cmd_del(struct cli *cli)
{
	size_t lens[MAX_ARGS];
	uint64_t removed;
	struct rdc_meta m;
	int rc;

	for (int i = 0; i < cli->argc; i++)
		lens[i] = strlen(cli->argv[i]);
	rc = rdc_del(cli->c, (size_t)cli->argc, (const char *const *)cli->argv,
		     lens, &removed, &m);
	if (rc != RDC_OK)
		return fail(cli, rc);
	if (cli->json) {
		printf("{\"ok\":true,\"deleted\":%" PRIu64 ",", removed);
		json_meta(&m);
		printf("}\n");
	} else {
		printf("OK deleted=%" PRIu64 " term=%" PRIu64 " index=%" PRIu64 "\n",
		       removed, m.term, m.index);
	}
	return EXIT_OK;
}

static int cmd_incr(struct cli *cli)
{
	int64_t delta = 1, value;
	struct rdc_meta m;
	int rc;

	if (cli->argc == 2 && parse_i64(cli->argv[1], &delta) != 0)
		return usage_error("incr: DELTA must be an integer, not '%s'",
				   cli->argv[1]);
	rc = rdc_incrby(cli->c, ARG(0), delta, &value, &m);
	if (rc != RDC_OK)
		return fail(cli, rc);
	if (cli->json) {
		printf("{\"value\":%" PRId64 ",", value);
		json_meta(&m);
		printf("}\n");
	} else {
		printf("%" PRId64 "\n", value);
		if (cli->verbose)
			printf("term=%" PRIu64 " index=%" PRIu64 "\n", m.term,
			       m.index);
	}
	return EXIT_OK;
}

static void print_entry(const struct cli *cli, const struct rdc_kv *kv,
			bool first)
{
	if (cli->json) {
		printf("%s{\"key\":", first ? "" : ",");
		json_str(kv->key, kv->klen);
		printf(",\"value\":");
		json_str(kv->value, kv->vlen);
		printf(",\"create_index\":%" PRIu64 ",\"mod_index\":%" PRIu64 "}",
		       kv->create_index, kv->mod_index);
		return;
	}
	fwrite(kv->key, 1, kv->klen, stdout);
	putchar('\t');
	fwrite(kv->value, 1, kv->vlen, stdout);
	if (cli->verbose)
		printf("\tcreate_index=%" PRIu64 "\tmod_index=%" PRIu64,
		       kv->create_index, kv->mod_index);
	putchar('\n');
}

/* Pages of at most LIST_PAGE entries, each starting after the last key of
 * the previous one, until the server returns a short page or the limit is
 * reached. */
static int cmd_list(struct cli *cli)
{
	const char *prefix = cli->argc ? cli->argv[0] : "";
	char *after = NULL;
	size_t alen = 0, total = 0;
	int rc = RDC_OK;

	if (cli->json)
		printf("[");
	for (;;) {
		size_t want = LIST_PAGE, n;
		struct rdc_kv *items;

		if (cli->limit && cli->limit - total < want)
			want = cli->limit - total;
		rc = rdc_list(cli->c, prefix, strlen(prefix), after, alen,
			      want, &items, &n, NULL);
		if (rc != RDC_OK)
			break;
		for (size_t i = 0; i < n; i++)
			print_entry(cli, &items[i], total + i == 0);
		total += n;
		free(after);
		after = NULL;
		if (n > 0) {
			alen = items[n - 1].klen;
			after = malloc(alen + 1);
			if (after != NULL)
				memcpy(after, items[n - 1].key, alen + 1);
		}
		rdc_list_free(items);
		if (n < want || (cli->limit && total >= cli->limit))
			break;
		if (after == NULL) {
			rc = RDC_NOMEM;
			break;
		}
	}
	free(after);
	if (rc != RDC_OK) {
		fflush(stdout);
		return fail(cli, rc);
	}
	if (cli->json)
		printf("]\n");
	return EXIT_OK;
}

static void json_member(const struct rdc_member *m)
{
	printf("{\"id\":%" PRIu64 ",\"raft_addr\":", m->id);
	json_str(m->raft_addr, strlen(m->raft_addr));
	printf(",\"client_addr\":");
	json_str(m->client_addr, strlen(m->client_addr));
	printf(",\"reachable\":%s,\"role\":", m->reachable ? "true" : "false");
	json_str(m->role, strlen(m->role));
	printf(",\"state\":");
	json_str(m->state, strlen(m->state));
	printf(",\"term\":%" PRIu64 ",\"commit_index\":%" PRIu64
	       ",\"applied_index\":%" PRIu64 ",\"last_index\":%" PRIu64
	       ",\"leader_id\":%" PRIu64 "}",
	       m->term, m->commit_index, m->applied_index, m->last_index,
	       m->leader_id);
}

enum { COL_ID, COL_RAFT, COL_CLIENT, COL_REACH, COL_ROLE, COL_STATE, COL_TERM,
       COL_COMMIT, COL_APPLIED, COL_LAST, NCOLS };

static const char *const headers[NCOLS] = {
	"ID", "RAFT ADDRESS", "CLIENT ADDRESS", "REACHABLE", "ROLE", "STATE",
	"TERM", "COMMIT", "APPLIED", "LAST INDEX"};

static void number_cell(char cell[64], const struct rdc_member *m,
			uint64_t v)
{
	if (m->reachable)
		snprintf(cell, 64, "%" PRIu64, v);
	else
		snprintf(cell, 64, "-");
}

static void member_cells(const struct rdc_member *m, char cells[NCOLS][64])
{
	snprintf(cells[COL_ID], 64, "%" PRIu64, m->id);
	snprintf(cells[COL_RAFT], 64, "%s", m->raft_addr);
	snprintf(cells[COL_CLIENT], 64, "%s", m->client_addr);
	snprintf(cells[COL_REACH], 64, "%s", m->reachable ? "yes" : "no");
	snprintf(cells[COL_ROLE], 64, "%s", m->role);
	snprintf(cells[COL_STATE], 64, "%s", m->state);
	/* The numbers of a member nobody could reach are not known. */
	number_cell(cells[COL_TERM], m, m->term);
	number_cell(cells[COL_COMMIT], m, m->commit_index);
	number_cell(cells[COL_APPLIED], m, m->applied_index);
	number_cell(cells[COL_LAST], m, m->last_index);
}

static void print_row(const char *mark, char cells[NCOLS][64],
		      const int width[NCOLS])
{
	printf("%s", mark);
	for (int i = 0; i + 1 < NCOLS; i++)
		printf("%-*s  ", width[i], cells[i]);
	printf("%s\n", cells[NCOLS - 1]);
}

static void status_table(const struct rdc_member *ms, size_t n)
{
	char cells[NCOLS][64];
	int width[NCOLS];

	for (int i = 0; i < NCOLS; i++)
		width[i] = (int)strlen(headers[i]);
	for (size_t r = 0; r < n; r++) {
		member_cells(&ms[r], cells);
		for (int i = 0; i < NCOLS; i++)
			if ((int)strlen(cells[i]) > width[i])
				width[i] = (int)strlen(cells[i]);
	}
	for (int i = 0; i < NCOLS; i++)
		snprintf(cells[i], 64, "%s", headers[i]);
	print_row("  ", cells, width);
	for (size_t r = 0; r < n; r++) {
		member_cells(&ms[r], cells);
		print_row(strcmp(ms[r].state, "leader") == 0 ? "* " : "  ",
			  cells, width);
	}
}

static int cmd_status(struct cli *cli)
{
	struct rdc_member *ms;
	struct rdc_meta m;
	size_t n;
	int rc = rdc_status(cli->c, &ms, &n, &m);

	if (rc != RDC_OK)
		return fail(cli, rc);
	if (cli->json) {
		printf("{");
		json_meta(&m);
		printf(",\"members\":[");
		for (size_t i = 0; i < n; i++) {
			if (i > 0)
				putchar(',');
			json_member(&ms[i]);
		}
		printf("]}\n");
	} else {
		status_table(ms, n);
	}
	rdc_status_free(ms);
	return EXIT_OK;
}

static const struct command commands[] = {
	{"put", 2, 2, "KEY VALUE [--nx|--xx]", cmd_put},
	{"get", 1, 1, "KEY", cmd_get},
	{"cas", 3, 3, "KEY EXPECTED NEW", cmd_cas},
	{"cas-index", 3, 3, "KEY MODINDEX NEW", cmd_cas_index},
	{"del", 1, MAX_ARGS, "KEY...", cmd_del},
	{"incr", 1, 2, "KEY [DELTA]", cmd_incr},
	{"list", 0, 1, "[PREFIX] [--limit N]", cmd_list},
	{"status", 0, 0, "", cmd_status},
};

/* ---- option parsing ---------------------------------------------------- */

enum { OPT_NX = 256, OPT_XX };

static const struct option long_options[] = {
	{"endpoints", required_argument, NULL, 'e'},
	{"timeout", required_argument, NULL, 't'},
	{"json", no_argument, NULL, 'j'},
	{"verbose", no_argument, NULL, 'v'},
	{"limit", required_argument, NULL, 'n'},
	{"nx", no_argument, NULL, OPT_NX},
	{"xx", no_argument, NULL, OPT_XX},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static int set_timeout(struct cli *cli, const char *s)
{
	char *end;
	double secs;

	errno = 0;
	secs = strtod(s, &end);
	if (errno || *end || end == s || !(secs > 0) || secs > 86400)
		return usage_error("--timeout: expected seconds between 0 and 86400, not '%s'", s);
	cli->deadline_ms = (unsigned)(secs * 1000 + 0.5);
	if (cli->deadline_ms == 0)
		cli->deadline_ms = 1;
	return EXIT_OK;
}

/* One option from getopt_long; returns EXIT_OK to go on, -1 when the
 * program should stop with status 0 (--help, --version), else an exit code. */
static int apply_option(struct cli *cli, int opt)
{
	uint64_t n;

	switch (opt) {
	case 'e':
		cli->endpoints = optarg;
		return EXIT_OK;
	case 't':
		return set_timeout(cli, optarg);
	case 'j':
		cli->json = true;
		return EXIT_OK;
	case 'v':
		cli->verbose = true;
		return EXIT_OK;
	case 'n':
		if (parse_u64(optarg, &n) != 0 || n == 0 || n > SIZE_MAX)
			return usage_error("--limit: expected a positive integer, not '%s'", optarg);
		cli->limit = (size_t)n;
		return EXIT_OK;
	case OPT_NX:
	case OPT_XX:
		if (cli->put_flags)
			return usage_error("put: give at most one of --nx and --xx");
		cli->put_flags = opt == OPT_NX ? RDC_PUT_NX : RDC_PUT_XX;
		return EXIT_OK;
	case 'h':
		fputs(usage_text, stdout);
		return -1;
	case 'V':
		printf("raftctl (raftd) %s\n", PACKAGE_VERSION);
		return -1;
	}
	return EXIT_USAGE; /* getopt already said what was wrong */
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
		opt = getopt_long(argc, argv, "+:e:t:jvn:hV", long_options,
				  NULL);
		if (opt == -1)
			break;
		if (opt == ':' || opt == '?')
			return bad_option(opt, argv[optind - 1]);
		rc = apply_option(cli, opt);
	}
	return rc;
}

/* Options that belong to one command must not be given to another. */
static int check_command(const struct cli *cli, const struct command *cmd)
{
	if (cli->argc < cmd->min_args || cli->argc > cmd->max_args)
		return usage_error("%s: expected %s%s", cmd->name,
				   cmd->args[0] ? cmd->args : "no arguments",
				   cli->argc > cmd->max_args ? " (too many arguments)" : "");
	if (cli->put_flags && strcmp(cmd->name, "put") != 0)
		return usage_error("%s: --nx and --xx apply to put only", cmd->name);
	if (cli->limit && strcmp(cmd->name, "list") != 0)
		return usage_error("%s: --limit applies to list only", cmd->name);
	return EXIT_OK;
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
	if (rdc_errcode(cli->c) == RDC_INVALID)
		rc = usage_error("%s", rdc_errmsg(cli->c));
	else if (rdc_errcode(cli->c) != RDC_OK)
		rc = fail(cli, rdc_errcode(cli->c));
	else
		rc = cmd->run(cli);
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
