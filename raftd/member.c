/* member.c - the daemon's side of the fsm's member table.
 *
 * The table (fsm/member.h) maps every raft server id to its raft and client
 * addresses through the log, so every node can send a client to any member,
 * including one added after bootstrap that no --member list names. The
 * bootstrap members enter it here: a node that becomes leader proposes
 * MEMBER_SET for each --member that is in raft's configuration and missing
 * from the table. Its fsm may not have applied every committed entry yet,
 * so it may propose a member that is already known: SET replaces with the
 * same addresses, no harm done. Members no longer in raft's configuration
 * are never seeded back, so a removed member stays removed.
 */
#include <inttypes.h>
#include <string.h>

#include "common/log.h"
#include "raftd/raftd.h"

const char *rd_member_client_addr(struct rd_node *n, uint64_t id)
{
	struct fsm_member m;
	const struct rd_member *cm;

	if (fsm_member_get(rd_node_fsm(n), id, &m))
		return m.client_addr;
	cm = rd_config_member(n->cfg, id);
	return cm != NULL ? cm->client_addr : NULL;
}

static bool member_in_config(struct rd_node *n, uint64_t id)
{
	const struct raft_configuration *c = &n->raft.configuration;

	for (unsigned i = 0; i < c->n; i++)
		if (c->servers[i].id == id)
			return true;
	return false;
}

static void member_seed_cb(void *arg, int status, const struct fsm_result *res,
			   uint64_t term)
{
	uint64_t id = (uint64_t)(uintptr_t)arg;

	(void)term;
	if (status == RD_OK && res->status == FSM_OK)
		rd_info("member %" PRIu64 " entered the member table", id);
	else
		rd_warn("member %" PRIu64 " not entered in the member table "
			"(status %d); the next leader retries", id, status);
}

void rd_member_seed(struct rd_node *n)
{
	for (unsigned i = 0; i < n->cfg->n_members; i++) {
		const struct rd_member *m = &n->cfg->members[i];
		const struct fsm_slice args[2] = {
			{m->raft_addr, strlen(m->raft_addr)},
			{m->client_addr, strlen(m->client_addr)}};
		const struct fsm_cmd cmd = {.op = FSM_OP_MEMBER_SET,
					    .num = (int64_t)m->id,
					    .nargs = 2,
					    .args = args};
		struct fsm_member have;

		if (!member_in_config(n, m->id) ||
		    fsm_member_get(rd_node_fsm(n), m->id, &have))
			continue;
		if (rd_write_submit(n, &cmd, member_seed_cb,
				    (void *)(uintptr_t)m->id) != RD_OK)
			rd_warn("cannot propose member %" PRIu64 " for the "
				"member table", m->id);
	}
}
