/* raftctl.h - what raftctl's files share: the parsed command line, the exit
 * codes, and the output helpers.
 *
 * raftctl.c parses the command line into struct cli and runs one command;
 * raftctl_kv.c has the key-value commands, raftctl_session.c the session
 * and lock commands, raftctl_out.c the printing and the error reports.
 */
#ifndef RAFTCTL_H
#define RAFTCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raftd/client.h"

#define MAX_ARGS 64

/* The machine-readable outcome (raftctl --help lists them). */
enum exit_code {
	EXIT_OK = 0,
	EXIT_NO = 1,          /* not found, condition not met, lock held */
	EXIT_USAGE = 2,
	EXIT_UNAVAILABLE = 3, /* no node answered, timeout: nothing changed */
	EXIT_UNKNOWN = 4,     /* a write's outcome is unknown */
	EXIT_ERROR = 5,
	EXIT_EXPIRED = 6,     /* the session is gone: nothing was applied */
	EXIT_FENCED = 7       /* the fencing token is stale: nothing changed */
};

struct cli {
	const char *endpoints;
	unsigned deadline_ms;  /* 0: the library's default */
	bool json;
	bool verbose;
	int put_flags;
	size_t limit;          /* list: 0 means everything */
	enum rdc_consistency mode;
	bool mode_set;
	uint64_t min_index;    /* --min-index, 0 when not given */
	uint64_t session_id;   /* --session, 0 when not given */
	uint64_t seq;          /* --seq, 0 when not given */
	const char *fence_lock; /* --fence LOCK TOKEN */
	uint64_t fence_token;
	unsigned session_timeout_ms; /* --session-timeout, 0: default */
	unsigned wait_ms;      /* lock --wait */
	unsigned hold_ms;      /* lock --hold */
	bool hold_set;
	const char *cmd;
	int argc;              /* the command's arguments */
	char *argv[MAX_ARGS];
	rdc_client *c;
};

/* Key-value commands (raftctl_kv.c). */
int cmd_put(struct cli *cli);
int cmd_get(struct cli *cli);
int cmd_cas(struct cli *cli);
int cmd_cas_index(struct cli *cli);
int cmd_del(struct cli *cli);
int cmd_incr(struct cli *cli);
int cmd_append(struct cli *cli);
int cmd_list(struct cli *cli);
int cmd_status(struct cli *cli);

/* Session and lock commands (raftctl_session.c). */
int cmd_session(struct cli *cli);
int cmd_lock(struct cli *cli);
int cmd_unlock(struct cli *cli);

/* Membership commands (raftctl_member.c). */
int cmd_member(struct cli *cli);
int cmd_transfer(struct cli *cli);

/* The write options the command line asks for: a session given with
 * --session/--seq (attached to cli->c; *s receives it, to be freed with
 * rdc_session_free) and a fence. Returns EXIT_OK or an exit code. */
int cli_write_opts(struct cli *cli, struct rdc_write_opts *w,
		   rdc_session **s);

/* Output (raftctl_out.c). */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report a failed call with what to do next; returns the exit code. */
int fail(const struct cli *cli, int rc);
void json_str(const char *s, size_t n);
void json_meta(const struct rdc_meta *m);
/* "OK term=T index=I" (or its JSON form) after a write. */
void print_ok(const struct cli *cli, const struct rdc_meta *m);
/* The consistency fields of a session or stale read's reply, as
 * " lag=.. last_contact_ms=.. served_by=.." or ",\"lag\":..." (JSON). */
void print_read_meta(const struct cli *cli, const struct rdc_meta *m);
void print_status(const struct cli *cli, const struct rdc_member *ms,
		  size_t n, const struct rdc_meta *m);

int parse_u64(const char *s, uint64_t *out);
int parse_i64(const char *s, int64_t *out);

#endif
