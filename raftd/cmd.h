/* cmd.h - the command table shared by cmd.c, cmd_write.c and cmd_read.c. */
#ifndef RD_CMD_H
#define RD_CMD_H

#include "raftd/conn.h"

typedef void (*rd_cmd_fn)(struct rd_req *req, size_t argc,
			  const struct resp_arg *argv);
/* Format the reply of a write whose entry was applied. */
typedef void (*rd_cmd_reply_fn)(struct rd_req *req, const struct fsm_result *res,
				uint64_t term);
/* Serve a read once its barrier is applied (args are in req->argv). */
typedef void (*rd_cmd_exec_fn)(struct rd_req *req, uint64_t term, uint64_t index);

struct rd_cmd {
	const char *name;   /* upper case */
	int arity;          /* Redis style: n exact, -n at least n (name included) */
	rd_cmd_fn start;
	rd_cmd_reply_fn reply;  /* writes */
	rd_cmd_exec_fn exec;    /* reads */
};

/* Shared helpers (cmd.c). */
struct rd_node *rd_req_node(struct rd_req *req);
bool rd_cmd_check_key(struct rd_req *req, const struct resp_arg *key);
bool rd_cmd_check_value(struct rd_req *req, const struct resp_arg *val);
int rd_cmd_parse_i64(const struct resp_arg *a, int64_t *out);
/* Write the RD.* envelope head: *3 then the caller writes <result>, then
 * rd_cmd_envelope_tail writes :term :index. */
void rd_cmd_envelope_tail(struct buf *out, uint64_t term, uint64_t index);
/* A read's envelope: *3 for linearizable reads, *5 (adding the entries this
 * node's applied index lags its known commit index, and the milliseconds
 * since it last heard from a leader) for session and stale reads. */
void rd_cmd_read_envelope_head(struct rd_req *req);
void rd_cmd_read_envelope_tail(struct rd_req *req, uint64_t term, uint64_t index);

/* cmd_write.c */
void rd_cmd_submit_write(struct rd_req *req, uint8_t op, uint8_t flags,
			 int64_t num, size_t nargs, const struct resp_arg *args);
void rd_cmd_set(struct rd_req *, size_t, const struct resp_arg *);
void rd_cmd_setnx(struct rd_req *, size_t, const struct resp_arg *);
void rd_cmd_del(struct rd_req *, size_t, const struct resp_arg *);
void rd_cmd_incr(struct rd_req *, size_t, const struct resp_arg *);
void rd_cmd_mset(struct rd_req *, size_t, const struct resp_arg *);
void rd_cmd_cas(struct rd_req *, size_t, const struct resp_arg *);
void rd_cmd_casidx(struct rd_req *, size_t, const struct resp_arg *);
void rd_cmd_append(struct rd_req *, size_t, const struct resp_arg *);
void rd_cmd_session(struct rd_req *, size_t, const struct resp_arg *);
void rd_cmd_lock(struct rd_req *, size_t, const struct resp_arg *);
void rd_reply_env_num(struct rd_req *, const struct fsm_result *, uint64_t);
void rd_reply_env_lock(struct rd_req *, const struct fsm_result *, uint64_t);
void rd_reply_set(struct rd_req *, const struct fsm_result *, uint64_t);
void rd_reply_int(struct rd_req *, const struct fsm_result *, uint64_t);
void rd_reply_ok(struct rd_req *, const struct fsm_result *, uint64_t);
void rd_reply_env_int(struct rd_req *, const struct fsm_result *, uint64_t);
void rd_reply_env_flag(struct rd_req *, const struct fsm_result *, uint64_t);
void rd_reply_flag(struct rd_req *, const struct fsm_result *, uint64_t);

/* cmd_config.c: RD.CONFIG GET | SET, this node's snapshot settings */
void rd_cmd_config(struct rd_req *, size_t, const struct resp_arg *);

/* cmd_backup.c: RD.BACKUP BEGIN | READ | END (docs/backup.md) */
void rd_cmd_backup(struct rd_req *, size_t, const struct resp_arg *);

/* cmd_member.c */
void rd_cmd_member(struct rd_req *, size_t, const struct resp_arg *);
void rd_cmd_transfer(struct rd_req *, size_t, const struct resp_arg *);

/* cmd_read.c */
void rd_cmd_submit_read(struct rd_req *req, size_t argc, const struct resp_arg *argv);
/* Strip a trailing LINEARIZABLE | STALE | SESSION <index> from argv, setting
 * req's mode; returns the new argc, or 0 after replying with an error. */
size_t rd_cmd_read_mode(struct rd_req *req, size_t argc, const struct resp_arg *argv);
void rd_exec_get(struct rd_req *, uint64_t, uint64_t);
void rd_exec_mget(struct rd_req *, uint64_t, uint64_t);
void rd_exec_exists(struct rd_req *, uint64_t, uint64_t);
void rd_exec_strlen(struct rd_req *, uint64_t, uint64_t);
void rd_exec_dbsize(struct rd_req *, uint64_t, uint64_t);
void rd_exec_list(struct rd_req *, uint64_t, uint64_t);
void rd_exec_rd_get(struct rd_req *, uint64_t, uint64_t);
void rd_exec_rd_list(struct rd_req *, uint64_t, uint64_t);

#endif
