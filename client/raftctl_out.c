/* raftctl_out.c - how raftctl prints results and reports failures.
 *
 * Results go to stdout (text, or JSON with --json); failures go to stderr,
 * one line each, saying what the outcome means for the caller and what to
 * do next. The exit code carries the same meaning for scripts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/raftctl.h"

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("raftctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see raftctl --help)\n", stderr);
	return EXIT_USAGE;
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

int parse_i64(const char *s, int64_t *out)
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

/* A byte string as a JSON string: valid UTF-8 passes through, other bytes
 * become \u00XX so the output is always valid JSON. */
void json_str(const char *s, size_t n)
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

void json_meta(const struct rdc_meta *m)
{
	printf("\"term\":%" PRIu64 ",\"index\":%" PRIu64, m->term, m->index);
}

void print_ok(const struct cli *cli, const struct rdc_meta *m)
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

void print_read_meta(const struct cli *cli, const struct rdc_meta *m)
{
	if (cli->mode == RDC_LINEARIZABLE)
		return;
	if (cli->json) {
		printf(",\"lag\":%" PRIu64 ",\"last_contact_ms\":%" PRIu64
		       ",\"served_by\":", m->lag, m->last_contact_ms);
		json_str(m->served_by, strlen(m->served_by));
		return;
	}
	printf(" lag=%" PRIu64 " last_contact_ms=%" PRIu64 " served_by=%s",
	       m->lag, m->last_contact_ms, m->served_by);
}

int fail(const struct cli *cli, int rc)
{
	const char *msg = rdc_errmsg(cli->c);

	switch (rc) {
	case RDC_UNCERTAIN:
		fprintf(stderr, "outcome unknown: the write may or may not have been applied (%s)\n",
			msg);
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
	case RDC_SESSION_EXPIRED:
		fprintf(stderr,
			"raftctl: %s: %s (its locks are released; open a new session: raftctl session open)\n",
			cli->cmd, msg);
		return EXIT_EXPIRED;
	case RDC_FENCED:
		fprintf(stderr,
			"raftctl: %s: %s (another session has taken the lock since this token was issued)\n",
			cli->cmd, msg);
		return EXIT_FENCED;
	}
	fprintf(stderr, "raftctl: %s: %s: %s\n", cli->cmd, rdc_strerror(rc),
		msg[0] ? msg : "no details");
	return EXIT_ERROR;
}

/* ---- status ------------------------------------------------------------ */

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
	       ",\"leader_id\":%" PRIu64 ",\"contact_ms\":%" PRIu64,
	       m->term, m->commit_index, m->applied_index, m->last_index,
	       m->leader_id, m->contact_ms);
	/* lags nobody could work out are null, not 0 */
	if (m->reachable && m->lag_known)
		printf(",\"lag_entries\":%" PRIu64 ",\"lag_ms\":%" PRIu64 "}",
		       m->lag_entries, m->lag_ms);
	else
		printf(",\"lag_entries\":null,\"lag_ms\":null}");
}

enum { COL_ID, COL_RAFT, COL_CLIENT, COL_REACH, COL_ROLE, COL_STATE, COL_TERM,
       COL_COMMIT, COL_APPLIED, COL_LAST, COL_LAG, COL_LAG_MS, NCOLS };

static const char *const headers[NCOLS] = {
	"ID", "RAFT ADDRESS", "CLIENT ADDRESS", "REACHABLE", "ROLE", "STATE",
	"TERM", "COMMIT", "APPLIED", "LAST INDEX", "LAG", "LAG MS"};

/* v, or "-" when known is false. */
static void number_cell(char cell[64], bool known, uint64_t v)
{
	if (known)
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
	/* The numbers of a member nobody could reach are not known, nor
	 * are the lags when no leader answered. */
	number_cell(cells[COL_TERM], m->reachable, m->term);
	number_cell(cells[COL_COMMIT], m->reachable, m->commit_index);
	number_cell(cells[COL_APPLIED], m->reachable, m->applied_index);
	number_cell(cells[COL_LAST], m->reachable, m->last_index);
	number_cell(cells[COL_LAG], m->reachable && m->lag_known,
		    m->lag_entries);
	number_cell(cells[COL_LAG_MS], m->reachable && m->lag_known,
		    m->lag_ms);
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

void print_status(const struct cli *cli, const struct rdc_member *ms,
		  size_t n, const struct rdc_meta *m)
{
	if (!cli->json) {
		status_table(ms, n);
		return;
	}
	printf("{");
	json_meta(m);
	printf(",\"members\":[");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			putchar(',');
		json_member(&ms[i]);
	}
	printf("]}\n");
}
