/* raftctl_session.c - raftctl's session and lock commands.
 *
 * A one-shot CLI cannot hold a session across invocations by itself, so
 * sessions are named by number: "session open" prints one, and the other
 * commands take it back with --session SID (or as an argument). A session
 * nobody keeps alive expires after its timeout and releases its locks;
 * that is what "lock --hold" is for, and what makes the fencing walkthrough
 * in docs/fencing.md possible by hand.
 *
 * Sequenced writes by hand: "--session SID --seq N" sends the write as
 * RD.SEQ SID N N: the ack is N, since a one-shot process has no earlier
 * reply outstanding. Sending the same SID and N again shows the server's
 * exactly-once answer: the first result, not a second application.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client/raftctl.h"

int cli_write_opts(struct cli *cli, struct rdc_write_opts *w,
		   rdc_session **s)
{
	memset(w, 0, sizeof(*w));
	*s = NULL;
	if (cli->fence_lock != NULL) {
		w->fence_lock = cli->fence_lock;
		w->fence_len = strlen(cli->fence_lock);
		w->fence_token = cli->fence_token;
	}
	if (cli->session_id == 0)
		return EXIT_OK;
	*s = rdc_session_attach(cli->c, cli->session_id,
				cli->session_timeout_ms, cli->seq);
	if (*s == NULL) {
		fputs("raftctl: out of memory\n", stderr);
		return EXIT_ERROR;
	}
	w->session = *s;
	return EXIT_OK;
}

/* A session the command line names, attached to the client. */
static rdc_session *attach(struct cli *cli, uint64_t sid)
{
	/* Only lock and unlock are sent through it: no sequence number is
	 * used, so any will do. */
	rdc_session *s = rdc_session_attach(cli->c, sid,
					    cli->session_timeout_ms, 1);

	if (s == NULL)
		fputs("raftctl: out of memory\n", stderr);
	return s;
}

static int session_sid(const struct cli *cli, uint64_t *sid)
{
	if (cli->argc != 2)
		return usage_error("session %s: expected SID", cli->argv[0]);
	if (parse_u64(cli->argv[1], sid) != 0 || *sid == 0)
		return usage_error("session %s: SID must be a positive integer, not '%s'",
				   cli->argv[0], cli->argv[1]);
	return EXIT_OK;
}

static int session_open(struct cli *cli)
{
	struct rdc_meta m;
	rdc_session *s;
	int rc;

	if (cli->argc != 1)
		return usage_error("session open: expected no SID");
	rc = rdc_session_open(cli->c, cli->session_timeout_ms, &s, &m);
	if (rc != RDC_OK)
		return fail(cli, rc);
	if (cli->json) {
		printf("{\"session\":%" PRIu64 ",", rdc_session_id(s));
		json_meta(&m);
		printf("}\n");
	} else {
		printf("%" PRIu64 "\n", rdc_session_id(s));
	}
	/* Left open: the id is the whole point. */
	rdc_session_free(s);
	return EXIT_OK;
}

/* session close SID / session keepalive SID */
static int session_sid_cmd(struct cli *cli, bool close)
{
	struct rdc_meta m;
	rdc_session *s;
	uint64_t sid;
	int rc = session_sid(cli, &sid);

	if (rc != EXIT_OK)
		return rc;
	s = attach(cli, sid);
	if (s == NULL)
		return EXIT_ERROR;
	if (close) {
		rc = rdc_session_close(s, &m);
	} else {
		rc = rdc_session_keepalive(s, &m);
		rdc_session_free(s);
	}
	if (rc != RDC_OK)
		return fail(cli, rc);
	print_ok(cli, &m);
	return EXIT_OK;
}

int cmd_session(struct cli *cli)
{
	const char *sub = cli->argv[0];

	if (strcmp(sub, "open") == 0)
		return session_open(cli);
	if (strcmp(sub, "close") == 0)
		return session_sid_cmd(cli, true);
	if (strcmp(sub, "keepalive") == 0)
		return session_sid_cmd(cli, false);
	return usage_error("session: expected open, close or keepalive, not '%s'",
			   sub);
}

/* ---- lock --hold ------------------------------------------------------- */

static volatile sig_atomic_t stop_holding;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_holding = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sleep ms, or less when a stop signal arrives. */
static void nap(uint64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};

	while (!stop_holding && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Keep s alive for hold_ms (SIGINT/SIGTERM end it early), then close it,
 * which releases its locks. */
static int hold(struct cli *cli, rdc_session *s)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	uint64_t end = now_ms() + cli->hold_ms;
	uint64_t period = rdc_session_timeout_ms(s) / 3;
	struct rdc_meta m;
	int rc;

	if (period == 0)
		period = 1;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop_holding && now_ms() < end) {
		uint64_t left = end - now_ms();

		nap(left < period ? left : period);
		if (stop_holding || now_ms() >= end)
			break;
		rc = rdc_session_keepalive(s, NULL);
		if (rc == RDC_SESSION_EXPIRED) {
			rdc_session_free(s);
			return fail(cli, rc);
		}
		/* Anything else (no leader for a moment): the next period
		 * tries again, well before the session could expire. */
	}
	rc = rdc_session_close(s, &m);
	if (rc != RDC_OK)
		return fail(cli, rc);
	if (cli->verbose)
		fprintf(stderr, "raftctl: lock: session %" PRIu64
			" closed; its locks are released\n", cli->session_id);
	return EXIT_OK;
}

/* ---- lock / unlock ----------------------------------------------------- */

static void print_lock(const struct cli *cli, uint64_t sid, uint64_t token,
		       const struct rdc_meta *m)
{
	if (cli->json) {
		printf("{\"session\":%" PRIu64 ",\"token\":%" PRIu64 ",", sid,
		       token);
		json_meta(m);
		printf("}\n");
	} else {
		printf("session=%" PRIu64 " token=%" PRIu64 "\n", sid, token);
	}
	fflush(stdout); /* a script may be waiting for it while we hold */
}

/* The session to lock with: the one given, or a new one (*opened). */
static int lock_session(struct cli *cli, rdc_session **s, bool *opened)
{
	int rc;

	*opened = cli->session_id == 0;
	if (!*opened) {
		*s = attach(cli, cli->session_id);
		return *s ? EXIT_OK : EXIT_ERROR;
	}
	rc = rdc_session_open(cli->c, cli->session_timeout_ms, s, NULL);
	if (rc != RDC_OK)
		return fail(cli, rc);
	cli->session_id = rdc_session_id(*s);
	return EXIT_OK;
}

int cmd_lock(struct cli *cli)
{
	struct rdc_meta m;
	rdc_session *s;
	uint64_t token;
	bool opened;
	int rc = lock_session(cli, &s, &opened);

	if (rc != EXIT_OK)
		return rc;
	rc = rdc_lock(s, cli->argv[0], strlen(cli->argv[0]), cli->wait_ms,
		      &token, &m);
	if (rc != RDC_OK) {
		/* A session opened just for this must not linger. */
		if (opened && rc == RDC_CONDITION)
			rdc_session_close(s, NULL);
		else
			rdc_session_free(s);
		if (rc == RDC_CONDITION) {
			fprintf(stderr, "raftctl: lock: %s is held by another session%s\n",
				cli->argv[0], cli->wait_ms ? " (waited --wait seconds)" : "");
			return EXIT_NO;
		}
		return fail(cli, rc);
	}
	print_lock(cli, cli->session_id, token, &m);
	if (cli->hold_set)
		return hold(cli, s);
	/* Without --hold the session stays open in the cluster, holding the
	 * lock until it is closed or expires. */
	rdc_session_free(s);
	return EXIT_OK;
}

int cmd_unlock(struct cli *cli)
{
	struct rdc_meta m;
	rdc_session *s = attach(cli, cli->session_id);
	int rc;

	if (s == NULL)
		return EXIT_ERROR;
	rc = rdc_unlock(s, cli->argv[0], strlen(cli->argv[0]), &m);
	rdc_session_free(s);
	if (rc == RDC_CONDITION) {
		fprintf(stderr, "raftctl: unlock: session %" PRIu64
			" does not hold %s; nothing was changed\n",
			cli->session_id, cli->argv[0]);
		return EXIT_NO;
	}
	if (rc != RDC_OK)
		return fail(cli, rc);
	print_ok(cli, &m);
	return EXIT_OK;
}
