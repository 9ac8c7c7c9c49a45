/* apply_member.c - the member ops and the public view of the member table.
 *
 * MEMBER_SET and MEMBER_DEL are validated here rather than in the codec
 * (which only bounds lengths): an id of 0 or an empty address gets
 * FSM_BAD_COMMAND and changes nothing, on every replica alike.
 */
#include "fsm/fsm.h"

#include "fsm/fsm_impl.h"

int fsm_member_addr_ok(size_t len)
{
	return len >= 1 && len <= FSM_MAX_ADDR;
}

static void member_set_op(fsm *f, uint64_t index, const struct codec_cmd *c,
			  struct fsm_result *res)
{
	struct fsm_slice raft, client;
	struct codec_args a;

	codec_args_begin(&a, c);
	codec_arg(&a, &raft);
	codec_arg(&a, &client);
	if (!fsm_member_addr_ok(raft.len) || !fsm_member_addr_ok(client.len)) {
		res->status = FSM_BAD_COMMAND;
		return;
	}
	if (member_set(&f->members, (uint64_t)c->num, raft.p, raft.len,
		       client.p, client.len) != 0)
		fsm__die(index);
	res->num = 1;
}

void fsm__apply_member_op(fsm *f, uint64_t index, const struct codec_cmd *c,
			  struct fsm_result *res)
{
	if (c->num <= 0) {
		res->status = FSM_BAD_COMMAND;
		return;
	}
	if (c->op == FSM_OP_MEMBER_SET)
		member_set_op(f, index, c, res);
	else
		res->num = member_del(&f->members, (uint64_t)c->num);
}

static void member_view(const struct member_ent *e, struct fsm_member *out)
{
	out->id = e->id;
	out->raft_addr = e->raft_addr;
	out->raft_len = e->raft_len;
	out->client_addr = e->client_addr;
	out->client_len = e->client_len;
}

int fsm_member_get(const fsm *f, uint64_t id, struct fsm_member *out)
{
	const struct member_ent *e = member_find(&f->members, id);

	if (e == NULL)
		return 0;
	member_view(e, out);
	return 1;
}

uint64_t fsm_member_count(const fsm *f)
{
	return f->members.n;
}

void fsm_members_visit(const fsm *f, fsm_member_cb cb, void *arg)
{
	size_t i;

	for (i = 0; i < f->members.n; i++) {
		struct fsm_member m;

		member_view(&f->members.v[i], &m);
		if (cb(arg, &m) != 0)
			return;
	}
}
