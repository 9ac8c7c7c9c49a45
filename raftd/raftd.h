/* raftd.h - the daemon's node: one libuv loop, one raft instance, one fsm.
 *
 * The pieces and where they live:
 *   node.c      lifecycle: raft setup, bootstrap, leadership monitor, shutdown
 *   fsm_glue.c  raft_fsm adapter over fsm/ (apply, snapshot, restore)
 *   write.c     the write path: batching commands into one raft_apply
 *   read.c      the read path: linearizable reads behind shared barriers
 *   server.c    client listener; conn.c one client connection
 *   cmd.c       the command table: RESP requests to reads and writes
 *   status.c    RD.NODEINFO / RD.STATUS, gathering every member's view
 *   member.c    the member table: bootstrap members, client addresses
 */
#ifndef RD_RAFTD_H
#define RD_RAFTD_H

#include <raft.h>
#include <raft/uv.h>
#include <stdbool.h>
#include <uv.h>

#include "common/buf.h"
#include "common/resp.h"
#include "fsm/fsm.h"
#include "raftd/config.h"
#include "raftd/fsm_glue.h"

/* Outcomes the read and write paths report to their callers. */
enum rd_status {
	RD_OK = 0,
	RD_ENOTLEADER,  /* not proposed: this node is not (or no longer) leader */
	RD_EUNCERTAIN,  /* proposed, outcome unknown */
	RD_EBUSY,       /* not proposed: too many proposals in flight */
	RD_ENOMEM,      /* not proposed: out of memory */
	RD_ETOOLARGE,   /* not proposed: command over the hard limits */
	RD_ESHUTDOWN,   /* not proposed: the node is shutting down */
	RD_ENOSPACE,    /* not proposed: the state is at --max-state-bytes */
	RD_ELAGGING     /* session read: this node has not applied the index
			   the client has seen, within the wait bound */
};

struct rd_node;

/* ---- write.c ------------------------------------------------------------ */

/* Called once per submitted command. On RD_OK, res is the command's result
 * and term the term it was proposed in (res->index its log index). */
typedef void (*rd_write_cb)(void *arg, int status,
			    const struct fsm_result *res, uint64_t term);

struct rd_batch;

struct rd_writer {
	struct rd_batch *open;       /* collecting commands this iteration */
	struct rd_batch *inflight;   /* proposed, oldest first */
	struct rd_batch *inflight_tail;
	unsigned n_inflight;
	uint64_t next_seq;
	uint64_t last_time_ms;       /* cluster time stamped last */
	uint64_t batches;            /* proposed so far (stats) */
	uint64_t commands;
};

/* Queue cmd for the next proposal. Returns RD_OK (cb will be called exactly
 * once, later) or an error status (cb is not called). */
int rd_write_submit(struct rd_node *n, const struct fsm_cmd *cmd,
		    rd_write_cb cb, void *arg);
/* Propose what was queued in this loop iteration. */
void rd_write_flush(struct rd_node *n);
/* Fail everything queued but not yet proposed (leadership lost, shutdown). */
void rd_write_abort_open(struct rd_node *n, int status);
/* raft_transfer, made reliable on raft 0.15: hold proposals until the target
 * (id, or 0 for the most up-to-date voter) has stored the whole log, then
 * transfer. Returns 0 (cb(req) is called exactly once, later: check
 * raft_leader() there) or a RAFT_* error (cb is not called). req must stay
 * alive until raft is closed, as for raft_transfer. */
int rd_write_transfer(struct rd_node *n, struct raft_transfer *req,
		      raft_id id, raft_transfer_cb cb);
/* Whether a transfer is under way: writes and reads are held, not proposed. */
bool rd_write_holding(struct rd_node *n);
/* The proposal this node made as (term, seq) and has not heard back of. */
struct rd_batch *rd_write_find(struct rd_node *n, uint64_t term, uint64_t seq);
/* rd_glue_find_fn for the node's pending batches (arg: the node). */
void *rd_write_find_results(void *node, uint64_t term, uint64_t seq,
			    struct fsm_result **res, size_t *cap);

/* ---- read.c ------------------------------------------------------------- */

/* Called once per read. On RD_OK the fsm reflects every write committed
 * before the read arrived; index is the log index that backs the read. */
typedef void (*rd_read_cb)(void *arg, int status, uint64_t term,
			   uint64_t index);

struct rd_read;
struct rd_barrier;

struct rd_wait;

struct rd_reader {
	struct rd_read *waiting, *waiting_tail; /* arrived, no barrier yet */
	struct rd_wait *applied_waits;           /* session reads waiting */
	unsigned n_applied_waits;
	uv_timer_t wait_timer;
	unsigned n_waiting;
	struct rd_barrier *inflight;             /* proposed barriers */
	unsigned n_inflight;
	uint64_t barriers;                       /* proposed so far (stats) */
	uint64_t reads;                          /* served so far (stats) */
};

int rd_read_submit(struct rd_node *n, rd_read_cb cb, void *arg);
void rd_read_flush(struct rd_node *n);
void rd_read_abort_waiting(struct rd_node *n, int status);
/* Session reads: call cb once this node has applied min_index (at once,
 * from inside this call, when it already has), or with RD_ELAGGING after
 * wait_ms. */
int rd_read_wait_applied(struct rd_node *n, uint64_t min_index, unsigned wait_ms,
			 rd_read_cb cb, void *arg);
/* Serve session reads whose index has been applied (each iteration). */
void rd_read_check_waits(struct rd_node *n);
void rd_read_init(struct rd_node *n);
void rd_read_close(struct rd_node *n);
/* Propose a barrier with no read behind it: a new leader's first entry of
 * its own term, which commits every entry before it. */
void rd_read_leader_barrier(struct rd_node *n);

/* ---- server.c / conn.c -------------------------------------------------- */

struct rd_conn;

struct rd_server {
	uv_tcp_t listener;
	struct rd_conn *conns;      /* all open connections */
	struct rd_conn *dirty;      /* connections with output to send */
	unsigned n_conns;
	bool listening;              /* listener initialised */
	bool closing;
};

int rd_server_start(struct rd_node *n);
/* Send what connections have queued (end of each loop iteration). */
void rd_server_flush(struct rd_node *n);
void rd_server_close(struct rd_node *n);

/* ---- the node ----------------------------------------------------------- */

struct rd_node {
	uv_loop_t *loop;
	struct rd_config *cfg;
	struct raft raft;
	struct raft_io io;
	struct raft_uv_transport transport;
	struct rd_glue glue;         /* the fsm, as libraft sees it */

	struct rd_writer writer;
	struct rd_reader reader;
	struct rd_server server;
	struct resp_limits limits;

	uv_check_t check;            /* end-of-iteration work */
	uv_signal_t sigterm, sigint;
	int last_state;              /* raft_state() seen by the monitor */
	raft_term last_term;
	bool closing;
	bool failed;                 /* stop at the end of this iteration */
	int exit_code;
};

int rd_node_init(struct rd_node *n, uv_loop_t *loop, struct rd_config *cfg);
int rd_node_start(struct rd_node *n);
/* Begin an orderly shutdown; the loop ends when everything is closed. */
void rd_node_stop(struct rd_node *n);
/* A raft I/O error: libraft 0.15 cannot recover from a failed disk write
 * (docs/consensus.md), so log it and shut down with exit status 1 at the end
 * of this loop iteration (raft_close must not run inside a raft callback);
 * the node then restarts from what its disk holds. */
void rd_node_fail(struct rd_node *n, const char *what, int status);

bool rd_node_is_leader(struct rd_node *n);
/* The leader's client address, or NULL when no leader is known. */
const char *rd_node_leader_client_addr(struct rd_node *n);

/* ---- member.c ----------------------------------------------------------- */

/* Member id's client address: from the fsm's member table, else from the
 * --member list; NULL when neither knows it. The string belongs to the fsm
 * or the config: use it before the next apply. */
const char *rd_member_client_addr(struct rd_node *n, uint64_t id);
/* On becoming leader: propose MEMBER_SET for every --member that raft's
 * configuration holds and the member table lacks. */
void rd_member_seed(struct rd_node *n);

/* snappolicy.c: arm libraft's snapshot trigger once the log applied since
 * the last snapshot is large against the state (called every iteration). */
void rd_snappolicy_check(struct rd_node *n);

/* transport.c: TCP_NODELAY on every raft peer connection (call after
 * raft_uv_tcp_init, before raft_uv_init). */
void rd_transport_nodelay(struct raft_uv_transport *t);

/* sendcap.c: refuse AppendEntries to a peer with `limit` bytes of them
 * still queued (0: no limit). Call after raft_uv_init, before raft_init. */
void rd_sendcap_install(struct raft_io *io, uint64_t limit);
uint64_t rd_sendcap_refused(void); /* sends refused so far */

/* The node's state machine (replaced when a snapshot is restored). */
static inline fsm *rd_node_fsm(struct rd_node *n)
{
	return n->glue.fsm;
}

#endif
