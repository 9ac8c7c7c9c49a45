/* cmd_write.c - write commands: RESP arguments to fsm commands and back.
 *
 * Each start function validates its arguments, builds one fsm command and
 * submits it to the write path (write.c). When the batch holding it has been
 * applied, write_done formats the reply with the command's reply function;
 * a write that could not be proposed, or whose outcome became unknown, gets
 * the matching error from rd_cmd_reply_status.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "raftd/cmd.h"

/* Slices for the command being submitted (the loop is single-threaded). */
static struct fsm_slice *write_slices;
static size_t write_slices_cap;

/* The session a command names: the RD.SEQ prefix, or a session op's own. */
static uint64_t write_session_id(const struct rd_req *req)
{
	return req->has_session ? req->session : req->op_session;
}

static void write_done(void *arg, int status, const struct fsm_result *res,
		       uint64_t term)
{
	struct rd_req *req = arg;

	if (status != RD_OK) {
		rd_cmd_reply_status(req, status, term);
	} else if (res->status == FSM_NOT_INTEGER) {
		resp_w_error(&req->out, "ERR value is not an integer or out of range");
	} else if (res->status == FSM_OVERFLOW) {
		resp_w_error(&req->out, "ERR increment or decrement would overflow");
	} else if (res->status == FSM_BAD_COMMAND) {
		resp_w_error(&req->out, "ERR the state machine rejected the command");
	} else if (res->status == FSM_SESSION_EXPIRED) {
		resp_w_error(&req->out, "SESSIONEXPIRED unknown or expired session %llu; "
			     "nothing was applied", (unsigned long long)write_session_id(req));
	} else if (res->status == FSM_BAD_SEQ) {
		resp_w_error(&req->out, "BADSEQ sequence number %llu is below the "
			     "session's acknowledged replies, too far ahead, or the "
			     "session holds too many unacknowledged replies",
			     (unsigned long long)req->seq);
	} else if (res->status == FSM_FENCED) {
		resp_w_error(&req->out, "FENCED token %llu is not the newest issued "
			     "for lock '%.*s'; nothing was applied",
			     (unsigned long long)req->fence_token,
			     (int)(req->fence_lock.len > 200 ? 200 : req->fence_lock.len),
			     req->fence_lock.p);
	} else {
		req->cmd->reply(req, res, term);
	}
	rd_req_done(req);
}

void rd_cmd_submit_write(struct rd_req *req, uint8_t op, uint8_t flags,
			 int64_t num, size_t nargs, const struct resp_arg *args)
{
	struct fsm_cmd cmd;
	int rv;

	if (nargs > write_slices_cap) {
		size_t cap = nargs < 16 ? 16 : nargs;
		struct fsm_slice *s = realloc(write_slices, cap * sizeof *s);

		if (s == NULL) {
			rd_cmd_reply_status(req, RD_ENOMEM, 0);
			rd_req_done(req);
			return;
		}
		write_slices = s;
		write_slices_cap = cap;
	}
	for (size_t i = 0; i < nargs; i++) {
		write_slices[i].p = args[i].p;
		write_slices[i].len = args[i].len;
	}
	cmd.op = op;
	cmd.flags = flags;
	cmd.nargs = (uint32_t)nargs;
	cmd.num = num;
	cmd.args = write_slices;
	cmd.session = cmd.seq = cmd.ack = 0;
	cmd.fence_lock.p = NULL;
	cmd.fence_lock.len = 0;
	cmd.fence_token = 0;
	if (req->has_session) {
		cmd.flags |= FSM_F_SESSION;
		cmd.session = req->session;
		cmd.seq = req->seq;
		cmd.ack = req->ack;
	}
	if (req->has_fence) {
		cmd.flags |= FSM_F_FENCE;
		cmd.fence_lock.p = req->fence_lock.p;
		cmd.fence_lock.len = req->fence_lock.len;
		cmd.fence_token = req->fence_token;
	}
	rv = rd_write_submit(rd_req_node(req), &cmd, write_done, req);
	if (rv != RD_OK) {
		rd_cmd_reply_status(req, rv, rd_req_node(req)->raft.current_term);
		rd_req_done(req);
	}
}

static bool write_check_pairs(struct rd_req *req, size_t argc,
			      const struct resp_arg *argv, size_t first)
{
	for (size_t i = first; i + 1 < argc; i += 2)
		if (!rd_cmd_check_key(req, &argv[i]) ||
		    !rd_cmd_check_value(req, &argv[i + 1]))
			return false;
	return true;
}

static void write_reject(struct rd_req *req, const char *msg)
{
	if (msg != NULL)
		resp_w_error(&req->out, "ERR %s", msg);
	rd_req_done(req);
}

/* SET key value [NX|XX], RD.PUT key value [NX|XX] */
void rd_cmd_set(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	uint8_t flags = 0;

	for (size_t i = 3; i < argc; i++) {
		if (argv[i].len == 2 && strncasecmp(argv[i].p, "NX", 2) == 0)
			flags |= FSM_PUT_NX;
		else if (argv[i].len == 2 && strncasecmp(argv[i].p, "XX", 2) == 0)
			flags |= FSM_PUT_XX;
		else {
			write_reject(req, "syntax error (raftd's SET takes only NX or XX)");
			return;
		}
	}
	if (flags == (FSM_PUT_NX | FSM_PUT_XX)) {
		write_reject(req, "syntax error: NX and XX exclude each other");
		return;
	}
	if (!write_check_pairs(req, 3, argv, 1)) {
		write_reject(req, NULL);
		return;
	}
	rd_cmd_submit_write(req, FSM_OP_PUT, flags, 0, 2, argv + 1);
}

void rd_cmd_setnx(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	if (!write_check_pairs(req, 3, argv, 1)) {
		write_reject(req, NULL);
		return;
	}
	rd_cmd_submit_write(req, FSM_OP_PUT, FSM_PUT_NX, 0, 2, argv + 1);
}

void rd_cmd_del(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	for (size_t i = 1; i < argc; i++)
		if (!rd_cmd_check_key(req, &argv[i])) {
			write_reject(req, NULL);
			return;
		}
	rd_cmd_submit_write(req, FSM_OP_DEL, 0, 0, argc - 1, argv + 1);
}

/* INCR, DECR, INCRBY, DECRBY, RD.INCRBY */
void rd_cmd_incr(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	const char *name = req->cmd->name;
	bool decr = strncasecmp(name, "DECR", 4) == 0;
	int64_t delta = 1;

	if (!rd_cmd_check_key(req, &argv[1])) {
		write_reject(req, NULL);
		return;
	}
	if (argc == 3 && rd_cmd_parse_i64(&argv[2], &delta) != 0) {
		write_reject(req, "value is not an integer or out of range");
		return;
	}
	if (decr) {
		if (delta == INT64_MIN) {
			write_reject(req, "decrement would overflow");
			return;
		}
		delta = -delta;
	}
	rd_cmd_submit_write(req, FSM_OP_INCRBY, 0, delta, 1, argv + 1);
}

void rd_cmd_mset(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	if ((argc - 1) % 2 != 0) {
		write_reject(req, "wrong number of arguments for 'MSET' command");
		return;
	}
	if (!write_check_pairs(req, argc, argv, 1)) {
		write_reject(req, NULL);
		return;
	}
	rd_cmd_submit_write(req, FSM_OP_MPUT, 0, 0, argc - 1, argv + 1);
}

/* CAS key expected new, RD.CAS key expected new */
void rd_cmd_cas(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	if (!rd_cmd_check_key(req, &argv[1]) || !rd_cmd_check_value(req, &argv[2]) ||
	    !rd_cmd_check_value(req, &argv[3])) {
		write_reject(req, NULL);
		return;
	}
	rd_cmd_submit_write(req, FSM_OP_CAS, 0, 0, 3, argv + 1);
}

/* RD.CASIDX key mod_index new */
void rd_cmd_casidx(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	struct resp_arg args[2] = {argv[1], argv[3]};
	int64_t idx;

	if (rd_cmd_parse_i64(&argv[2], &idx) != 0 || idx < 0) {
		write_reject(req, "mod_index must be a non-negative integer");
		return;
	}
	if (!rd_cmd_check_key(req, &argv[1]) || !rd_cmd_check_value(req, &argv[3])) {
		write_reject(req, NULL);
		return;
	}
	rd_cmd_submit_write(req, FSM_OP_CAS_INDEX, 0, idx, 2, args);
}

/* APPEND key value, RD.APPEND key value */
void rd_cmd_append(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	if (!write_check_pairs(req, 3, argv, 1)) {
		write_reject(req, NULL);
		return;
	}
	rd_cmd_submit_write(req, FSM_OP_APPEND, 0, 0, 2, argv + 1);
}

static int write_parse_id(const struct resp_arg *a, uint64_t *out)
{
	int64_t v;

	if (rd_cmd_parse_i64(a, &v) != 0 || v <= 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* RD.SESSION OPEN [timeout_ms] | KEEPALIVE sid | CLOSE sid */
void rd_cmd_session(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	const struct resp_arg *sub = &argv[1];
	int64_t timeout = 30000;
	uint64_t sid;

	if (sub->len == 4 && strncasecmp(sub->p, "OPEN", 4) == 0 && argc <= 3) {
		if (argc == 3 && (rd_cmd_parse_i64(&argv[2], &timeout) != 0 ||
				  timeout < FSM_SESSION_MIN_TIMEOUT ||
				  timeout > FSM_SESSION_MAX_TIMEOUT)) {
			write_reject(req, "session timeout must be 1000 to 3600000 ms");
			return;
		}
		rd_cmd_submit_write(req, FSM_OP_SESSION_OPEN, 0, timeout, 0, NULL);
		return;
	}
	if (argc != 3 || write_parse_id(&argv[2], &sid) != 0) {
		write_reject(req, "syntax error: RD.SESSION OPEN [timeout_ms] | "
			     "KEEPALIVE sid | CLOSE sid");
		return;
	}
	req->op_session = sid;
	if (sub->len == 9 && strncasecmp(sub->p, "KEEPALIVE", 9) == 0)
		rd_cmd_submit_write(req, FSM_OP_SESSION_KEEPALIVE, 0, (int64_t)sid, 0, NULL);
	else if (sub->len == 5 && strncasecmp(sub->p, "CLOSE", 5) == 0)
		rd_cmd_submit_write(req, FSM_OP_SESSION_CLOSE, 0, (int64_t)sid, 0, NULL);
	else
		write_reject(req, "syntax error: RD.SESSION OPEN [timeout_ms] | "
			     "KEEPALIVE sid | CLOSE sid");
}

/* RD.LOCK name sid, RD.UNLOCK name sid */
void rd_cmd_lock(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	bool unlock = toupper((unsigned char)argv[0].p[3]) == 'U';
	uint64_t sid;

	if (write_parse_id(&argv[2], &sid) != 0) {
		write_reject(req, "the session id must be a positive integer");
		return;
	}
	if (!rd_cmd_check_key(req, &argv[1])) {
		write_reject(req, NULL);
		return;
	}
	req->op_session = sid;
	rd_cmd_submit_write(req, unlock ? FSM_OP_UNLOCK : FSM_OP_LOCK, 0,
			    (int64_t)sid, 1, argv + 1);
}

/* ---- replies ------------------------------------------------------------- */

/* RD.SESSION: OPEN answers the new id; KEEPALIVE and CLOSE answer 1. */
void rd_reply_env_num(struct rd_req *req, const struct fsm_result *res, uint64_t term)
{
	resp_w_array(&req->out, 3);
	resp_w_int(&req->out, res->num);
	rd_cmd_envelope_tail(&req->out, term, res->index);
}

/* RD.LOCK: the token, or 0 when another session holds the lock. */
void rd_reply_env_lock(struct rd_req *req, const struct fsm_result *res, uint64_t term)
{
	resp_w_array(&req->out, 3);
	resp_w_int(&req->out, res->status == FSM_OK ? res->num : 0);
	rd_cmd_envelope_tail(&req->out, term, res->index);
}

void rd_reply_set(struct rd_req *req, const struct fsm_result *res, uint64_t term)
{
	if (res->status == FSM_OK)
		resp_w_simple(&req->out, "OK");
	else
		resp_w_nil(&req->out);
}

void rd_reply_int(struct rd_req *req, const struct fsm_result *res, uint64_t term)
{
	resp_w_int(&req->out, res->num);
}

void rd_reply_ok(struct rd_req *req, const struct fsm_result *res, uint64_t term)
{
	resp_w_simple(&req->out, "OK");
}

void rd_reply_flag(struct rd_req *req, const struct fsm_result *res, uint64_t term)
{
	resp_w_int(&req->out, res->status == FSM_OK ? 1 : 0);
}

void rd_reply_env_int(struct rd_req *req, const struct fsm_result *res, uint64_t term)
{
	resp_w_array(&req->out, 3);
	resp_w_int(&req->out, res->num);
	rd_cmd_envelope_tail(&req->out, term, res->index);
}

void rd_reply_env_flag(struct rd_req *req, const struct fsm_result *res, uint64_t term)
{
	resp_w_array(&req->out, 3);
	resp_w_int(&req->out, res->status == FSM_OK ? 1 : 0);
	rd_cmd_envelope_tail(&req->out, term, res->index);
}
