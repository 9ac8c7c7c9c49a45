/* node.c - a raftd node's lifecycle.
 *
 * Start-up follows the order libraft 0.15 needs (see docs/consensus.md):
 * transport, disk I/O, raft_init, settings, bootstrap (fresh directory only),
 * raft_start. A uv_check handle runs at the end of every loop iteration and
 * does the per-iteration work in a fixed order:
 *
 *   1. watch raft's state (0.15 has no state callback): log transitions, and
 *      on winning an election propose a barrier at once, so that an entry of
 *      the new term commits and brings every earlier entry with it, and
 *      enter the bootstrap members in the member table (member.c);
 *   2. propose the commands that arrived this iteration as one entry;
 *   3. propose a barrier for the reads that arrived this iteration;
 *   4. send the replies that are ready.
 *
 * Shutdown: stop listening and close connections, fail what was not yet
 * proposed, then raft_close, whose callback closes the raft I/O and the
 * transport. The loop then runs dry and main() frees the fsm.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "raftd/raftd.h"
#include "raftd/restore.h"

static const char *node_state_name(int state)
{
	switch (state) {
	case RAFT_UNAVAILABLE: return "unavailable";
	case RAFT_FOLLOWER: return "follower";
	case RAFT_CANDIDATE: return "candidate";
	case RAFT_LEADER: return "leader";
	default: return "unknown";
	}
}

bool rd_node_is_leader(struct rd_node *n)
{
	return !n->closing && raft_state(&n->raft) == RAFT_LEADER;
}

const char *rd_node_leader_client_addr(struct rd_node *n)
{
	raft_id id;
	const char *addr;

	raft_leader(&n->raft, &id, &addr);
	if (id == 0)
		return NULL;
	return rd_member_client_addr(n, id);
}

static void node_monitor(struct rd_node *n)
{
	int state = raft_state(&n->raft);
	raft_term term = n->raft.current_term;

	if (state == n->last_state && term == n->last_term)
		return;
	if (state != n->last_state)
		rd_info("%s -> %s in term %llu", node_state_name(n->last_state),
			node_state_name(state), (unsigned long long)term);
	if (state == RAFT_LEADER) {
		rd_read_leader_barrier(n);
		rd_member_seed(n);
	}
	if (state == RAFT_UNAVAILABLE && !n->closing) {
		rd_error("raft became unavailable (%s); exiting so the node restarts "
			 "from its data directory", raft_errmsg(&n->raft));
		n->exit_code = 1;
		rd_node_stop(n);
	}
	n->last_state = state;
	n->last_term = term;
}

static void node_check_cb(uv_check_t *h)
{
	struct rd_node *n = h->data;

	if (n->failed && !n->closing)
		rd_node_stop(n);
	if (!n->closing) {
		node_monitor(n);
		rd_snappolicy_check(n);
		rd_write_flush(n);
		rd_read_flush(n);
		if (n->reader.n_applied_waits)
			rd_read_check_waits(n);
	}
	rd_server_flush(n);
}

static void node_signal_cb(uv_signal_t *h, int signum)
{
	struct rd_node *n = h->data;

	rd_info("signal %d: shutting down", signum);
	rd_node_stop(n);
}

static int node_data_dir(const struct rd_config *cfg)
{
	struct stat st;

	if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST) {
		rd_error("cannot create data directory %s: %s", cfg->data_dir,
			 strerror(errno));
		return -1;
	}
	if (stat(cfg->data_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rd_error("data directory %s is not a directory", cfg->data_dir);
		return -1;
	}
	if (access(cfg->data_dir, R_OK | W_OK | X_OK) != 0) {
		rd_error("data directory %s is not writable: %s", cfg->data_dir,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static void node_limits(struct rd_node *n)
{
	const struct rd_config *cfg = n->cfg;

	n->limits.max_args = 1024 * 1024;
	/* Keys and values over their limits get a TOOLARGE reply from the
	 * command, not a protocol error: only the request size closes. */
	n->limits.max_bulk = cfg->max_request;
	n->limits.max_inline = 64 * 1024;
	n->limits.max_request = cfg->max_request;
}

static int node_bootstrap(struct rd_node *n)
{
	struct raft_configuration conf;
	int rv = 0;

	if (n->cfg->join) {
		rd_info("join mode: not bootstrapping; waiting to be added to "
			"the cluster (RD.MEMBER ADD %llu ...)",
			(unsigned long long)n->cfg->id);
		return 0;
	}
	raft_configuration_init(&conf);
	for (unsigned i = 0; i < n->cfg->n_members && rv == 0; i++)
		rv = raft_configuration_add(&conf, n->cfg->members[i].id,
					    n->cfg->members[i].raft_addr, RAFT_VOTER);
	if (rv == 0)
		rv = raft_bootstrap(&n->raft, &conf);
	raft_configuration_close(&conf);
	if (rv == 0) {
		rd_info("bootstrapped a new cluster of %u members", n->cfg->n_members);
		return 0;
	}
	if (rv == RAFT_CANTBOOTSTRAP) {
		rd_info("restarting from the existing data in %s", n->cfg->data_dir);
		return 0;
	}
	rd_error("bootstrap failed: %s", raft_errmsg(&n->raft));
	return -1;
}

int rd_node_init(struct rd_node *n, uv_loop_t *loop, struct rd_config *cfg)
{
	const struct rd_member *self = cfg->self;
	fsm *f;
	int rv;

	memset(n, 0, sizeof *n);
	n->loop = loop;
	n->cfg = cfg;
	n->last_state = -1;
	node_limits(n);
	/* --restore: validate the whole backup before anything is created */
	if (cfg->restore[0] != '\0' && rd_restore_prepare(cfg) != 0)
		return -1;
	if (node_data_dir(cfg) != 0)
		return -1;
	f = fsm_new();
	if (f == NULL)
		return -1;
	fsm_set_unsafe_no_session_dedup(cfg->unsafe_no_session_dedup);
	if (rd_glue_init(&n->glue, f, cfg->id) != 0) {
		fsm_free(f);
		return -1;
	}
	n->glue.trailing_max = cfg->snapshot_trailing;
	n->glue.loop = loop;
	n->glue.trailing_bytes = cfg->snapshot_trailing_bytes;
	n->glue.find = rd_write_find_results;
	n->glue.find_arg = n;
	if (raft_uv_tcp_init(&n->transport, loop) != 0) {
		rd_error("cannot initialise the raft transport");
		goto err_fsm;
	}
	rd_transport_nodelay(&n->transport);
	rv = raft_uv_init(&n->io, loop, cfg->data_dir, &n->transport);
	if (rv != 0) {
		rd_error("cannot use data directory %s: %s", cfg->data_dir, n->io.errmsg);
		goto err_transport;
	}
	/* A corrupt closed segment must stop the node, not be dropped silently:
	 * it may hold committed entries (see docs/consensus.md). */
	raft_uv_set_auto_recovery(&n->io, false);
	/* raft_uv implements async_work, but raft_uv_init leaves io->version
	 * at 1 and raft_init then refuses asynchronous snapshots (fsm_glue.c) */
	n->io.version = 2;
	rd_sendcap_install(&n->io, cfg->peer_send_limit);
	rv = raft_init(&n->raft, &n->io, &n->glue.rfsm, cfg->id, self->raft_addr);
	if (rv != 0) {
		rd_error("raft_init: %s", raft_errmsg(&n->raft));
		goto err_io;
	}
	n->raft.data = n;
	n->glue.raft = &n->raft;
	raft_set_election_timeout(&n->raft, cfg->election_timeout_ms);
	raft_set_heartbeat_timeout(&n->raft, cfg->heartbeat_ms);
	raft_set_install_snapshot_timeout(&n->raft,
					  cfg->install_snapshot_timeout_ms);
	raft_set_snapshot_threshold(&n->raft, cfg->snapshot_threshold);
	raft_set_snapshot_trailing(&n->raft, cfg->snapshot_trailing);
	/* A node that rejoins after a partition must not depose a healthy
	 * leader by bumping the term: ask for pre-votes first. */
	raft_set_pre_vote(&n->raft, true);
	if ((cfg->restore[0] != '\0' ? rd_restore_install(n)
				      : node_bootstrap(n)) != 0)
		goto err_raft;
	return 0;

err_raft:
	/* raft_init succeeded: closing raft closes io and transport in its
	 * callback, which needs a loop run; the caller runs it. */
	n->closing = true;
	raft_close(&n->raft, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	raft_uv_close(&n->io);
	raft_uv_tcp_close(&n->transport);
	uv_run(loop, UV_RUN_DEFAULT);
	rd_glue_close(&n->glue);
	return -1;
err_io:
	raft_uv_close(&n->io);
err_transport:
	raft_uv_tcp_close(&n->transport);
	uv_run(loop, UV_RUN_DEFAULT);
err_fsm:
	rd_glue_close(&n->glue);
	rd_restore_discard();
	return -1;
}

int rd_node_start(struct rd_node *n)
{
	int rv;

	/* Every handle rd_node_stop closes exists before anything can fail. */
	rd_read_init(n);
	uv_check_init(n->loop, &n->check);
	n->check.data = n;
	uv_signal_init(n->loop, &n->sigterm);
	uv_signal_init(n->loop, &n->sigint);
	n->sigterm.data = n->sigint.data = n;
	rv = raft_start(&n->raft);
	if (rv != 0) {
		rd_error("raft_start: %s", raft_errmsg(&n->raft));
		return -1;
	}
	if (rd_server_start(n) != 0)
		return -1;
	uv_check_start(&n->check, node_check_cb);
	uv_signal_start(&n->sigterm, node_signal_cb, SIGTERM);
	uv_signal_start(&n->sigint, node_signal_cb, SIGINT);
	rd_info("raft on %s, clients on %s, data in %s", n->cfg->self->raft_addr,
		n->cfg->self->client_addr, n->cfg->data_dir);
	return 0;
}

void rd_node_fail(struct rd_node *n, const char *what, int status)
{
	rd_error("%s failed: %s (%s); shutting down so the node restarts from its "
		 "disk", what, raft_strerror(status), raft_errmsg(&n->raft));
	n->exit_code = 1;
	n->failed = true;
}

static void node_raft_closed(struct raft *r)
{
	struct rd_node *n = r->data;

	raft_uv_close(&n->io);
	raft_uv_tcp_close(&n->transport);
	uv_close((uv_handle_t *)&n->check, NULL);
	rd_info("raft closed");
}

void rd_node_stop(struct rd_node *n)
{
	if (n->closing)
		return;
	n->closing = true;
	uv_close((uv_handle_t *)&n->sigterm, NULL);
	uv_close((uv_handle_t *)&n->sigint, NULL);
	rd_server_close(n);
	rd_write_abort_open(n, RD_ESHUTDOWN);
	rd_read_abort_waiting(n, RD_ESHUTDOWN);
	rd_read_close(n);
	raft_close(&n->raft, node_raft_closed);
}
