/* cmd_read.c - read commands, served from the fsm after a barrier.
 *
 * Starting a read copies its arguments into the request (the read buffer
 * they point into is reused before the barrier is applied) and queues it on
 * the read path (read.c). Once a barrier proposed after the read arrived has
 * been applied, the exec function answers from the fsm: the answer reflects
 * every write acknowledged before the read was received.
 */
#include <string.h>
#include <strings.h>

#include "raftd/cmd.h"

#define LIST_DEFAULT_LIMIT 1000
#define LIST_MAX_LIMIT 10000

static void read_done(void *arg, int status, uint64_t term, uint64_t index)
{
	struct rd_req *req = arg;

	if (status == RD_OK)
		req->cmd->exec(req, term, index);
	else if (status == RD_ELAGGING)
		resp_w_error(&req->out, "TRYAGAIN this node has applied index %llu, "
			     "behind the session's %llu; retry, or read from the leader",
			     (unsigned long long)index,
			     (unsigned long long)req->min_index);
	else
		rd_cmd_reply_status(req, status, term);
	rd_req_done(req);
}

size_t rd_cmd_read_mode(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	const struct resp_arg *last = &argv[argc - 1];
	int64_t idx;

	req->read_mode = req->conn->readonly ? RD_READ_STALE : RD_READ_LINEARIZABLE;
	req->min_index = 0;
	if (argc >= 3 && last->len == 5 && strncasecmp(last->p, "STALE", 5) == 0) {
		req->read_mode = RD_READ_STALE;
		return argc - 1;
	}
	if (argc >= 3 && last->len == 12 && strncasecmp(last->p, "LINEARIZABLE", 12) == 0) {
		req->read_mode = RD_READ_LINEARIZABLE;
		return argc - 1;
	}
	if (argc >= 4 && argv[argc - 2].len == 7 &&
	    strncasecmp(argv[argc - 2].p, "SESSION", 7) == 0) {
		if (rd_cmd_parse_i64(last, &idx) != 0 || idx < 0) {
			resp_w_error(&req->out, "ERR SESSION takes the highest log index "
				     "the client has seen (a non-negative integer)");
			rd_req_done(req);
			return 0;
		}
		req->read_mode = RD_READ_SESSION;
		req->min_index = (uint64_t)idx;
		return argc - 2;
	}
	return argc;
}

void rd_cmd_submit_read(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	struct rd_node *n = rd_req_node(req);
	int rv;

	if (n->cfg->unsafe_read_without_barrier || req->read_mode == RD_READ_STALE) {
		/* Served at once from local state: the arguments are lent to
		 * the request for the duration of exec, not copied. */
		struct resp_arg *owned = req->argv;

		req->argc = argc;
		req->argv = (struct resp_arg *)argv;
		req->cmd->exec(req, n->raft.current_term, raft_last_applied(&n->raft));
		req->argv = owned;
		req->argc = 0;
		rd_req_done(req);
		return;
	}
	if (rd_req_keep_args(req, argc, argv) != 0)
		rv = RD_ENOMEM;
	else if (req->read_mode == RD_READ_SESSION)
		rv = rd_read_wait_applied(n, req->min_index, n->cfg->max_read_wait_ms,
					  read_done, req);
	else
		rv = rd_read_submit(n, read_done, req);
	if (rv == RD_ELAGGING) {
		read_done(req, rv, n->raft.current_term, raft_last_applied(&n->raft));
		return;
	}
	if (rv != RD_OK) {
		rd_cmd_reply_status(req, rv, n->raft.current_term);
		rd_req_done(req);
	}
}

static fsm *read_fsm(struct rd_req *req)
{
	return rd_node_fsm(rd_req_node(req));
}

void rd_exec_get(struct rd_req *req, uint64_t term, uint64_t index)
{
	struct fsm_kv kv;

	if (fsm_get(read_fsm(req), req->argv[1].p, req->argv[1].len, &kv))
		resp_w_bulk(&req->out, kv.val, kv.vlen);
	else
		resp_w_nil(&req->out);
}

void rd_exec_mget(struct rd_req *req, uint64_t term, uint64_t index)
{
	struct fsm_kv kv;

	resp_w_array(&req->out, (long long)req->argc - 1);
	for (size_t i = 1; i < req->argc; i++) {
		if (fsm_get(read_fsm(req), req->argv[i].p, req->argv[i].len, &kv))
			resp_w_bulk(&req->out, kv.val, kv.vlen);
		else
			resp_w_nil(&req->out);
	}
}

void rd_exec_exists(struct rd_req *req, uint64_t term, uint64_t index)
{
	struct fsm_kv kv;
	long long count = 0;

	for (size_t i = 1; i < req->argc; i++)
		count += fsm_get(read_fsm(req), req->argv[i].p, req->argv[i].len, &kv);
	resp_w_int(&req->out, count);
}

void rd_exec_strlen(struct rd_req *req, uint64_t term, uint64_t index)
{
	struct fsm_kv kv;

	if (fsm_get(read_fsm(req), req->argv[1].p, req->argv[1].len, &kv))
		resp_w_int(&req->out, (long long)kv.vlen);
	else
		resp_w_int(&req->out, 0);
}

void rd_exec_dbsize(struct rd_req *req, uint64_t term, uint64_t index)
{
	resp_w_int(&req->out, (long long)fsm_count(read_fsm(req)));
}

void rd_exec_rd_get(struct rd_req *req, uint64_t term, uint64_t index)
{
	struct fsm_kv kv;

	rd_cmd_read_envelope_head(req);
	if (fsm_get(read_fsm(req), req->argv[1].p, req->argv[1].len, &kv)) {
		resp_w_array(&req->out, 3);
		resp_w_bulk(&req->out, kv.val, kv.vlen);
		resp_w_int(&req->out, (long long)kv.create_index);
		resp_w_int(&req->out, (long long)kv.mod_index);
	} else {
		resp_w_nil(&req->out);
	}
	rd_cmd_read_envelope_tail(req, term, index);
}

/* ---- LIST prefix [LIMIT n] [AFTER key] ------------------------------------ */

struct list_args {
	const struct resp_arg *prefix;
	const struct resp_arg *after;
	size_t limit;
};

static int list_parse(struct rd_req *req, struct list_args *la)
{
	int64_t v;

	la->prefix = &req->argv[1];
	la->after = NULL;
	la->limit = LIST_DEFAULT_LIMIT;
	for (size_t i = 2; i < req->argc; i += 2) {
		const struct resp_arg *opt = &req->argv[i];

		if (i + 1 >= req->argc)
			goto syntax;
		if (opt->len == 5 && strncasecmp(opt->p, "LIMIT", 5) == 0) {
			if (rd_cmd_parse_i64(&req->argv[i + 1], &v) != 0 || v < 1 ||
			    v > LIST_MAX_LIMIT) {
				resp_w_error(&req->out, "ERR LIMIT must be 1 to %d", LIST_MAX_LIMIT);
				return -1;
			}
			la->limit = (size_t)v;
		} else if (opt->len == 5 && strncasecmp(opt->p, "AFTER", 5) == 0) {
			la->after = &req->argv[i + 1];
		} else {
			goto syntax;
		}
	}
	return 0;
syntax:
	resp_w_error(&req->out, "ERR syntax error: LIST prefix [LIMIT n] [AFTER key]");
	return -1;
}

struct list_walk {
	struct buf items;
	size_t count;
	bool envelope;
};

static int list_visit(void *arg, const struct fsm_kv *kv)
{
	struct list_walk *w = arg;

	if (w->envelope) {
		resp_w_array(&w->items, 4);
		resp_w_bulk(&w->items, kv->key, kv->klen);
		resp_w_bulk(&w->items, kv->val, kv->vlen);
		resp_w_int(&w->items, (long long)kv->create_index);
		resp_w_int(&w->items, (long long)kv->mod_index);
	} else {
		resp_w_bulk(&w->items, kv->key, kv->klen);
		resp_w_bulk(&w->items, kv->val, kv->vlen);
	}
	w->count++;
	return 0;
}

static void list_run(struct rd_req *req, uint64_t term, uint64_t index, bool envelope)
{
	struct list_args la;
	struct list_walk w = {.count = 0, .envelope = envelope};

	if (list_parse(req, &la) != 0)
		return;
	buf_init(&w.items);
	fsm_scan(read_fsm(req), la.prefix->p, la.prefix->len,
		 la.after ? la.after->p : NULL, la.after ? la.after->len : 0,
		 la.limit, list_visit, &w);
	if (envelope)
		rd_cmd_read_envelope_head(req);
	resp_w_array(&req->out, (long long)(envelope ? w.count : 2 * w.count));
	buf_append(&req->out, w.items.data, w.items.len);
	if (envelope)
		rd_cmd_read_envelope_tail(req, term, index);
	buf_free(&w.items);
}

void rd_exec_list(struct rd_req *req, uint64_t term, uint64_t index)
{
	list_run(req, term, index, false);
}

void rd_exec_rd_list(struct rd_req *req, uint64_t term, uint64_t index)
{
	list_run(req, term, index, true);
}
