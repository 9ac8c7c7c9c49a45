/* cmd_member.c - RD.MEMBER ADD | PROMOTE | DEMOTE | REMOVE | LIST and
 * RD.TRANSFER: membership changes through libraft, with the addresses kept
 * in the fsm's member table (raftd/member.c).
 *
 * Each change is a small chain of asynchronous steps, one struct member_op
 * per request, freed when the request is answered:
 *   ADD:     MEMBER_SET through the log (so every node can reach the new
 *            member's client port), raft_add (spare), raft_assign(standby):
 *            it then receives the log or a snapshot. Answered when assigned.
 *   PROMOTE: raft_assign(voter); libraft runs its catch-up rounds first.
 *   DEMOTE:  raft_assign(standby).
 *   REMOVE:  raft_remove, then MEMBER_DEL. Removing the leader itself first
 *            hands leadership over and answers with a MOVED redirect to the
 *            new leader, which the client retries the removal on.
 * libraft takes one change at a time and none before the leader has
 * committed an entry of its term: RAFT_CANTCHANGE is answered -TRYAGAIN
 * (clients retry with backoff), which also needs no retry timers that a
 * shutdown would have to cancel.
 *
 * Successful replies are enveloped like every other RD.* reply
 * ("*3 <result> :term :index"): a change names the index of its
 * configuration entry (a removal, of the MEMBER_DEL entry that completes
 * it), LIST and TRANSFER this node's applied index.
 *
 * The leadership transfer request must stay alive until raft closes (its
 * embedded send can outlive the transfer: docs/consensus.md), so there is
 * one per process, reused once its callback has fired.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "raftd/cmd.h"

enum member_kind { MK_ADD, MK_PROMOTE, MK_DEMOTE, MK_REMOVE };

struct member_op {
	struct rd_req *req;
	struct rd_node *n;
	enum member_kind kind;
	uint64_t id;
	char raft_addr[FSM_MAX_ADDR + 1];
	struct raft_change change;
};

static struct raft_transfer member_transfer;
static struct rd_req *member_transfer_req;   /* waiting for the transfer */
static bool member_transfer_busy;

/* "*3 +OK :term :index". */
static void op_reply_ok(struct member_op *op, uint64_t term, uint64_t index)
{
	resp_w_array(&op->req->out, 3);
	resp_w_simple(&op->req->out, "OK");
	rd_cmd_envelope_tail(&op->req->out, term, index);
}

static void op_finish(struct member_op *op)
{
	rd_req_done(op->req);
	free(op);
}

static void op_fail_raft(struct member_op *op, int rv)
{
	struct buf *out = &op->req->out;

	if (rv == RAFT_CANTCHANGE)
		resp_w_error(out, "TRYAGAIN another membership change is in "
			     "progress, or the leader has not committed an "
			     "entry of its term yet; retry shortly");
	else if (rv == RAFT_NOTFOUND || rv == RAFT_BADID)
		resp_w_error(out, "ERR no member %" PRIu64 " in the "
			     "configuration", op->id);
	else if (rv == RAFT_BADROLE)
		resp_w_error(out, "ERR member %" PRIu64 " already has that "
			     "role", op->id);
	else if (rv == RAFT_NOTLEADER || rv == RAFT_LEADERSHIPLOST)
		rd_cmd_reply_status(op->req, RD_ENOTLEADER, 0);
	else
		resp_w_error(out, "ERR membership change failed: %s",
			     raft_strerror(rv));
	op_finish(op);
}

static void op_write_done(void *arg, int status, const struct fsm_result *res,
			  uint64_t term);

/* Propose MEMBER_SET (ADD) or MEMBER_DEL (REMOVE) for op->id. */
static void op_write_table(struct member_op *op, const struct resp_arg *client)
{
	struct fsm_slice args[2] = {{op->raft_addr, strlen(op->raft_addr)},
				    {NULL, 0}};
	struct fsm_cmd cmd = {.num = (int64_t)op->id};
	int st;

	if (op->kind == MK_ADD) {
		args[1].p = client->p;
		args[1].len = client->len;
		cmd.op = FSM_OP_MEMBER_SET;
		cmd.nargs = 2;
		cmd.args = args;
	} else {
		cmd.op = FSM_OP_MEMBER_DEL;
	}
	st = rd_write_submit(op->n, &cmd, op_write_done, op);
	if (st != RD_OK) {
		rd_cmd_reply_status(op->req, st, 0);
		op_finish(op);
	}
}

static void op_change_done(struct raft_change *c, int status)
{
	struct member_op *op = c->data;
	int rv;

	if (status != 0) {
		op_fail_raft(op, status);
		return;
	}
	if (op->kind == MK_ADD) {
		/* added as a spare: now let it replicate */
		op->kind = MK_DEMOTE;
		rv = raft_assign(&op->n->raft, &op->change, op->id,
				 RAFT_STANDBY, op_change_done);
		if (rv != 0)
			op_fail_raft(op, rv);
		return;
	}
	if (op->kind == MK_REMOVE) {
		op_write_table(op, NULL);
		return;
	}
	/* committed: configuration_index is this change's entry */
	op_reply_ok(op, op->n->raft.current_term,
		    op->n->raft.configuration_index);
	op_finish(op);
}

static void op_write_done(void *arg, int status, const struct fsm_result *res,
			  uint64_t term)
{
	struct member_op *op = arg;
	int rv;

	if (status != RD_OK) {
		rd_cmd_reply_status(op->req, status, term);
		op_finish(op);
		return;
	}
	if (res->status != FSM_OK) {
		resp_w_error(&op->req->out, "ERR the member table refused it");
		op_finish(op);
		return;
	}
	if (op->kind == MK_REMOVE) {
		op_reply_ok(op, term, res->index);
		op_finish(op);
		return;
	}
	op->change.data = op;
	rv = raft_add(&op->n->raft, &op->change, op->id, op->raft_addr,
		      op_change_done);
	if (rv != 0)
		op_fail_raft(op, rv);
}

/* ---- leadership transfer ------------------------------------------------- */

static void transfer_done(struct raft_transfer *t)
{
	struct rd_req *req = member_transfer_req;
	struct rd_node *n = t->data;
	raft_id id;
	const char *addr;
	const char *client;

	member_transfer_busy = false;
	member_transfer_req = NULL;
	if (req == NULL)
		return;
	raft_leader(&n->raft, &id, &addr);
	client = id != 0 ? rd_member_client_addr(n, id) : NULL;
	if (id == 0 || id == n->cfg->id) {
		resp_w_error(&req->out, "TRYAGAIN leadership did not move (no "
			     "leader known, or still this node); retry");
	} else if (req->op != NULL && client != NULL) { /* a removal of itself */
		resp_w_error(&req->out, "MOVED 0 %s", client);
	} else {
		resp_w_array(&req->out, 3); /* the envelope */
		resp_w_int(&req->out, (long long)id);
		rd_cmd_envelope_tail(&req->out, n->raft.current_term,
				     raft_last_applied(&n->raft));
	}
	rd_req_done(req);
}

/* Hand leadership to id (0: the most up-to-date voter). The request is
 * answered by transfer_done. */
static void transfer_start(struct rd_req *req, uint64_t id)
{
	struct rd_node *n = rd_req_node(req);
	int rv;

	if (member_transfer_busy) {
		resp_w_error(&req->out, "TRYAGAIN a leadership transfer is in "
			     "progress");
		rd_req_done(req);
		return;
	}
	memset(&member_transfer, 0, sizeof(member_transfer));
	member_transfer.data = n;
	rv = rd_write_transfer(n, &member_transfer, id, transfer_done);
	if (rv != 0) {
		if (rv == RAFT_NOTLEADER)
			rd_cmd_reply_status(req, RD_ENOTLEADER, 0);
		else
			resp_w_error(&req->out, "ERR transfer failed: %s",
				     raft_strerror(rv));
		rd_req_done(req);
		return;
	}
	member_transfer_busy = true;
	member_transfer_req = req;
}

void rd_cmd_transfer(struct rd_req *req, size_t argc,
		     const struct resp_arg *argv)
{
	struct rd_node *n = rd_req_node(req);
	int64_t id = 0;

	req->op = NULL;
	if (argc > 2 ||
	    (argc == 2 && (rd_cmd_parse_i64(&argv[1], &id) != 0 || id <= 0))) {
		resp_w_error(&req->out, "ERR syntax error: RD.TRANSFER [id] "
			     "(a positive raft id)");
		rd_req_done(req);
		return;
	}
	if (!rd_node_is_leader(n)) {
		rd_cmd_reply_status(req, RD_ENOTLEADER, 0);
		rd_req_done(req);
		return;
	}
	if ((uint64_t)id == n->cfg->id) {
		/* leadership is already where it was asked to go */
		resp_w_array(&req->out, 3);
		resp_w_int(&req->out, id);
		rd_cmd_envelope_tail(&req->out, n->raft.current_term,
				     raft_last_applied(&n->raft));
		rd_req_done(req);
		return;
	}
	transfer_start(req, (uint64_t)id);
}

/* ---- RD.MEMBER ----------------------------------------------------------- */

static const char *role_name(int role)
{
	switch (role) {
	case RAFT_VOTER: return "voter";
	case RAFT_STANDBY: return "standby";
	default: return "spare";
	}
}

/* One array per server in raft's configuration: id, raft address, client
 * address (empty when unknown), role. */
static void member_list(struct rd_req *req)
{
	struct rd_node *n = rd_req_node(req);
	const struct raft_configuration *c = &n->raft.configuration;

	resp_w_array(&req->out, 3); /* the envelope */
	resp_w_array(&req->out, (long long)c->n);
	for (unsigned i = 0; i < c->n; i++) {
		const char *client = rd_member_client_addr(n, c->servers[i].id);

		resp_w_array(&req->out, 4);
		resp_w_int(&req->out, (long long)c->servers[i].id);
		resp_w_bulk_str(&req->out, c->servers[i].address);
		resp_w_bulk_str(&req->out, client != NULL ? client : "");
		resp_w_bulk_str(&req->out, role_name(c->servers[i].role));
	}
	rd_cmd_envelope_tail(&req->out, n->raft.current_term,
			     raft_last_applied(&n->raft));
	rd_req_done(req);
}

static bool member_in_config(struct rd_node *n, uint64_t id)
{
	const struct raft_configuration *c = &n->raft.configuration;

	for (unsigned i = 0; i < c->n; i++)
		if (c->servers[i].id == id)
			return true;
	return false;
}

static bool arg_is(const struct resp_arg *a, const char *word)
{
	size_t len = strlen(word);

	return a->len == len && strncasecmp(a->p, word, len) == 0;
}

static bool member_kind(const struct resp_arg *a, enum member_kind *k,
			size_t *want_argc)
{
	*want_argc = 3;
	if (arg_is(a, "ADD")) {
		*k = MK_ADD;
		*want_argc = 5;
	} else if (arg_is(a, "PROMOTE")) {
		*k = MK_PROMOTE;
	} else if (arg_is(a, "DEMOTE")) {
		*k = MK_DEMOTE;
	} else if (arg_is(a, "REMOVE")) {
		*k = MK_REMOVE;
	} else {
		return false;
	}
	return true;
}

static void member_syntax(struct rd_req *req)
{
	resp_w_error(&req->out, "ERR syntax error: RD.MEMBER ADD id raft_addr "
		     "client_addr | PROMOTE id | DEMOTE id | REMOVE id | LIST "
		     "(id a positive integer, addresses IPv4 a.b.c.d:port)");
	rd_req_done(req);
}

/* Start the change op describes (the leader checked, arguments valid). */
static void member_start(struct member_op *op, const struct resp_arg *client)
{
	struct raft *r = &op->n->raft;
	int rv = 0;

	op->change.data = op;
	switch (op->kind) {
	case MK_ADD:
		op_write_table(op, client);
		return;
	case MK_PROMOTE:
		rv = raft_assign(r, &op->change, op->id, RAFT_VOTER,
				 op_change_done);
		break;
	case MK_DEMOTE:
		rv = raft_assign(r, &op->change, op->id, RAFT_STANDBY,
				 op_change_done);
		break;
	case MK_REMOVE:
		rv = raft_remove(r, &op->change, op->id, op_change_done);
		break;
	}
	if (rv != 0)
		op_fail_raft(op, rv);
}

static bool member_args_ok(enum member_kind k, const struct resp_arg *argv,
			   int64_t *id)
{
	if (rd_cmd_parse_i64(&argv[2], id) != 0 || *id <= 0)
		return false;
	/* the same rule as --member: libraft 0.15's transport takes IPv4
	 * literals only, and a bad raft address in the configuration would
	 * be a member nobody can reach */
	return k != MK_ADD || (rd_addr_valid(argv[3].p, argv[3].len) &&
			       rd_addr_valid(argv[4].p, argv[4].len));
}

void rd_cmd_member(struct rd_req *req, size_t argc,
		   const struct resp_arg *argv)
{
	struct rd_node *n = rd_req_node(req);
	struct member_op *op;
	enum member_kind k;
	size_t want;
	int64_t id;

	if (argc == 2 && arg_is(&argv[1], "LIST")) {
		member_list(req);
		return;
	}
	if (!member_kind(&argv[1], &k, &want) || argc != want ||
	    !member_args_ok(k, argv, &id)) {
		member_syntax(req);
		return;
	}
	if (!rd_node_is_leader(n)) {
		rd_cmd_reply_status(req, RD_ENOTLEADER, 0);
		rd_req_done(req);
		return;
	}
	if (k == MK_ADD && member_in_config(n, (uint64_t)id)) {
		/* MEMBER_SET would replace a live member's addresses */
		resp_w_error(&req->out, "ERR member %lld is already in the "
			     "configuration", (long long)id);
		rd_req_done(req);
		return;
	}
	if (k == MK_REMOVE && (uint64_t)id == n->cfg->id) {
		req->op = req; /* transfer_done: answer with a redirect */
		transfer_start(req, 0);
		return;
	}
	op = calloc(1, sizeof(*op));
	if (op == NULL) {
		rd_cmd_reply_status(req, RD_ENOMEM, 0);
		rd_req_done(req);
		return;
	}
	*op = (struct member_op){.req = req, .n = n, .kind = k,
				 .id = (uint64_t)id};
	if (k == MK_ADD)
		memcpy(op->raft_addr, argv[3].p, argv[3].len);
	member_start(op, k == MK_ADD ? &argv[4] : NULL);
}
