/* cmd.c - the command table and dispatch.
 *
 * Every request is looked up by name (case-insensitive), checked for arity,
 * and handed to its start function: local commands answer at once, writes
 * go to cmd_write.c, reads to cmd_read.c. Whatever happens, the request ends
 * in rd_req_done exactly once.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "raftd/cmd.h"
#include "snapshot/crc32c.h"

struct rd_node *rd_req_node(struct rd_req *req)
{
	return req->conn->node;
}

bool rd_cmd_check_key(struct rd_req *req, const struct resp_arg *key)
{
	size_t max = rd_req_node(req)->cfg->max_key;

	if (key->len <= max)
		return true;
	resp_w_error(&req->out, "TOOLARGE key is %zu bytes, the limit is %zu",
		     key->len, max);
	return false;
}

bool rd_cmd_check_value(struct rd_req *req, const struct resp_arg *val)
{
	size_t max = rd_req_node(req)->cfg->max_value;

	if (val->len <= max)
		return true;
	resp_w_error(&req->out, "TOOLARGE value is %zu bytes, the limit is %zu",
		     val->len, max);
	return false;
}

int rd_cmd_parse_i64(const struct resp_arg *a, int64_t *out)
{
	char tmp[24], *end;
	long long v;

	if (a->len == 0 || a->len >= sizeof tmp)
		return -1;
	memcpy(tmp, a->p, a->len);
	tmp[a->len] = '\0';
	if (!isdigit((unsigned char)tmp[0]) && tmp[0] != '-')
		return -1;
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

void rd_cmd_envelope_tail(struct buf *out, uint64_t term, uint64_t index)
{
	resp_w_int(out, (long long)term);
	resp_w_int(out, (long long)index);
}

void rd_cmd_read_envelope_head(struct rd_req *req)
{
	resp_w_array(&req->out, req->read_mode == RD_READ_LINEARIZABLE ? 3 : 5);
}

void rd_cmd_read_envelope_tail(struct rd_req *req, uint64_t term, uint64_t index)
{
	struct rd_node *n = rd_req_node(req);
	struct raft *r = &n->raft;
	uint64_t lag, contact = 0;

	rd_cmd_envelope_tail(&req->out, term, index);
	if (req->read_mode == RD_READ_LINEARIZABLE)
		return;
	lag = r->commit_index > index ? r->commit_index - index : 0;
	if (raft_state(r) != RAFT_LEADER)
		contact = r->io->time(r->io) - r->election_timer_start;
	resp_w_int(&req->out, (long long)lag);
	resp_w_int(&req->out, (long long)contact);
}

void rd_cmd_reply_status(struct rd_req *req, int status, uint64_t term)
{
	struct rd_node *n = rd_req_node(req);
	const char *leader;

	switch (status) {
	case RD_ENOTLEADER:
		leader = rd_node_leader_client_addr(n);
		if (leader != NULL && !rd_node_is_leader(n))
			resp_w_error(&req->out, "MOVED 0 %s", leader);
		else
			resp_w_error(&req->out, "TRYAGAIN no leader is known yet "
				     "(election in progress); retry shortly");
		break;
	case RD_EUNCERTAIN:
		resp_w_error(&req->out, "UNCERTAIN outcome unknown: leadership "
			     "changed after the write was proposed in term %llu; "
			     "it may or may not have been applied",
			     (unsigned long long)term);
		break;
	case RD_EBUSY:
		resp_w_error(&req->out, "BUSY too many proposals in flight; retry shortly");
		break;
	case RD_ETOOLARGE:
		resp_w_error(&req->out, "TOOLARGE command exceeds the state machine's limits");
		break;
	case RD_ESHUTDOWN:
		resp_w_error(&req->out, "TRYAGAIN this node is shutting down");
		break;
	case RD_ENOSPACE:
		resp_w_error(&req->out, "NOSPACE the state is at its size limit "
			     "(--max-state-bytes %zu); nothing was written: "
			     "delete keys, or raise the limit on every node",
			     rd_req_node(req)->cfg->max_state_bytes);
		break;
	default:
		resp_w_error(&req->out, "ERR out of memory");
		break;
	}
}

/* ---- local commands ------------------------------------------------------ */

static void cmd_ping(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	if (argc == 1)
		resp_w_simple(&req->out, "PONG");
	else
		resp_w_bulk(&req->out, argv[1].p, argv[1].len);
	rd_req_done(req);
}

static void cmd_echo(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	resp_w_bulk(&req->out, argv[1].p, argv[1].len);
	rd_req_done(req);
}

static void cmd_command(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	resp_w_array(&req->out, 0);
	rd_req_done(req);
}

static void cmd_ok(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	resp_w_simple(&req->out, "OK");
	rd_req_done(req);
}

static void cmd_select(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	if (argv[1].len == 1 && argv[1].p[0] == '0')
		resp_w_simple(&req->out, "OK");
	else
		resp_w_error(&req->out, "ERR DB index is out of range (raftd has only database 0)");
	rd_req_done(req);
}

static void cmd_quit(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	req->conn->quit = true;
	resp_w_simple(&req->out, "OK");
	rd_req_done(req);
}

static void cmd_hello(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	resp_w_error(&req->out, "NOPROTO raftd speaks RESP2 only");
	rd_req_done(req);
}

static void cmd_nodeinfo(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	rd_status_nodeinfo(req);
}

static void cmd_rd_status(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	rd_status_cluster(req, true);
}

static void cmd_status(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	rd_status_cluster(req, false);
}

static void cmd_info(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	struct rd_node *n = rd_req_node(req);
	struct buf text;

	buf_init(&text);
	buf_printf(&text, "# raftd\r\nversion:%s\r\nnode_id:%llu\r\nrole:%s\r\n"
		   "term:%llu\r\ncommit_index:%llu\r\napplied_index:%llu\r\n"
		   "keys:%llu\r\ndata_bytes:%llu\r\nconnected_clients:%u\r\n"
		   "proposals:%llu\r\ncommands:%llu\r\nbarriers:%llu\r\nreads:%llu\r\n",
		   PACKAGE_VERSION, (unsigned long long)n->cfg->id,
		   rd_node_is_leader(n) ? "leader" : "follower",
		   (unsigned long long)n->raft.current_term,
		   (unsigned long long)n->raft.commit_index,
		   (unsigned long long)raft_last_applied(&n->raft),
		   (unsigned long long)fsm_count(rd_node_fsm(n)),
		   (unsigned long long)fsm_data_bytes(rd_node_fsm(n)), n->server.n_conns,
		   (unsigned long long)n->writer.batches,
		   (unsigned long long)n->writer.commands,
		   (unsigned long long)n->reader.barriers,
		   (unsigned long long)n->reader.reads);
	buf_printf(&text, "snapshots:%llu\r\nsnapshot_failures:%llu\r\n"
		   "snapshot_in_progress:%d\r\nsnapshot_last_ms:%llu\r\n"
		   "snapshot_last_bytes:%zu\r\nsnapshot_fork_last_us:%llu\r\n"
		   "snapshot_fork_max_us:%llu\r\nlog_bytes_since_snapshot:%llu\r\n"
		   "snapshots_restored:%llu\r\nsnapshot_trailing_last:%u\r\n"
		   "peer_sends_refused:%llu\r\n",
		   (unsigned long long)n->glue.snapshots,
		   (unsigned long long)n->glue.snapshot_failures,
		   n->glue.taking ? 1 : 0,
		   (unsigned long long)n->glue.snapshot_ms_last,
		   n->glue.snapshot_bytes_last,
		   (unsigned long long)n->glue.fork_us_last,
		   (unsigned long long)n->glue.fork_us_max,
		   (unsigned long long)n->glue.log_bytes,
		   (unsigned long long)n->glue.restores, n->glue.trailing_last,
		   (unsigned long long)rd_sendcap_refused());
	resp_w_bulk(&req->out, text.data, text.len);
	buf_free(&text);
	rd_req_done(req);
}

/* RD.DIGEST: this node's applied index, key count and a checksum over every
 * key, value and index, served locally with no barrier. Replicas that have
 * applied the same index must show the same digest: tests and the fault
 * harness compare them to prove the replicas converged. */
static int cmd_digest_visit(void *arg, const struct fsm_kv *kv)
{
	uint32_t *crc = arg;
	uint64_t meta[4] = {kv->klen, kv->vlen, kv->create_index, kv->mod_index};

	*crc = crc32c(*crc, meta, sizeof meta);
	*crc = crc32c(*crc, kv->key, kv->klen);
	*crc = crc32c(*crc, kv->val, kv->vlen);
	return 0;
}

static void cmd_digest(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	struct rd_node *n = rd_req_node(req);
	uint32_t crc = 0;
	char hex[16];

	fsm_scan(rd_node_fsm(n), "", 0, NULL, 0, SIZE_MAX, cmd_digest_visit, &crc);
	snprintf(hex, sizeof hex, "%08x", crc);
	resp_w_array(&req->out, 3);
	resp_w_int(&req->out, (long long)raft_last_applied(&n->raft));
	resp_w_int(&req->out, (long long)fsm_count(rd_node_fsm(n)));
	resp_w_bulk_str(&req->out, hex);
	rd_req_done(req);
}

/* ---- read starters: validate, then wait for a barrier -------------------- */

static void cmd_read_keys(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	req->read_mode = req->conn->readonly ? RD_READ_STALE : RD_READ_LINEARIZABLE;
	for (size_t i = 1; i < argc; i++)
		if (!rd_cmd_check_key(req, &argv[i])) {
			rd_req_done(req);
			return;
		}
	rd_cmd_submit_read(req, argc, argv);
}

static void cmd_read_any(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	req->read_mode = req->conn->readonly ? RD_READ_STALE : RD_READ_LINEARIZABLE;
	rd_cmd_submit_read(req, argc, argv);
}

/* RD.GET / RD.LIST: an optional trailing consistency mode. */
static void cmd_read_moded(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	argc = rd_cmd_read_mode(req, argc, argv);
	if (argc == 0)
		return;
	if (req->cmd->exec == rd_exec_rd_get && argc != 2) {
		resp_w_error(&req->out, "ERR syntax error: RD.GET key "
			     "[LINEARIZABLE | SESSION index | STALE]");
		rd_req_done(req);
		return;
	}
	if (!rd_cmd_check_key(req, &argv[1])) {
		rd_req_done(req);
		return;
	}
	rd_cmd_submit_read(req, argc, argv);
}

/* READONLY / READWRITE: as in Redis Cluster, let plain reads on this
 * connection be served by any node from its local state (stale reads). */
static void cmd_readonly(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	req->conn->readonly = toupper((unsigned char)argv[0].p[4]) == 'O';
	resp_w_simple(&req->out, "OK");
	rd_req_done(req);
}

/* ---- the table ----------------------------------------------------------- */

static void cmd_prefix_seq(struct rd_req *, size_t, const struct resp_arg *);
static void cmd_prefix_fence(struct rd_req *, size_t, const struct resp_arg *);

static const struct rd_cmd cmd_table[] = {
	{"APPEND", 3, rd_cmd_append, rd_reply_int, NULL},
	{"CAS", 4, rd_cmd_cas, rd_reply_flag, NULL},
	{"CLIENT", -1, cmd_ok, NULL, NULL},
	{"COMMAND", -1, cmd_command, NULL, NULL},
	{"DBSIZE", 1, cmd_read_any, NULL, rd_exec_dbsize},
	{"DECR", 2, rd_cmd_incr, rd_reply_int, NULL},
	{"DECRBY", 3, rd_cmd_incr, rd_reply_int, NULL},
	{"DEL", -2, rd_cmd_del, rd_reply_int, NULL},
	{"ECHO", 2, cmd_echo, NULL, NULL},
	{"EXISTS", -2, cmd_read_keys, NULL, rd_exec_exists},
	{"GET", 2, cmd_read_keys, NULL, rd_exec_get},
	{"HELLO", -1, cmd_hello, NULL, NULL},
	{"INCR", 2, rd_cmd_incr, rd_reply_int, NULL},
	{"INCRBY", 3, rd_cmd_incr, rd_reply_int, NULL},
	{"INFO", -1, cmd_info, NULL, NULL},
	{"LIST", -2, cmd_read_any, NULL, rd_exec_list},
	{"MGET", -2, cmd_read_keys, NULL, rd_exec_mget},
	{"MSET", -3, rd_cmd_mset, rd_reply_ok, NULL},
	{"PING", -1, cmd_ping, NULL, NULL},
	{"QUIT", -1, cmd_quit, NULL, NULL},
	{"RD.APPEND", 3, rd_cmd_append, rd_reply_env_int, NULL},
	{"RD.BACKUP", -2, rd_cmd_backup, NULL, NULL},
	{"RD.CAS", 4, rd_cmd_cas, rd_reply_env_flag, NULL},
	{"RD.CASIDX", 4, rd_cmd_casidx, rd_reply_env_flag, NULL},
	{"RD.CONFIG", -3, rd_cmd_config, NULL, NULL},
	{"RD.DEL", -2, rd_cmd_del, rd_reply_env_int, NULL},
	{"RD.DIGEST", 1, cmd_digest, NULL, NULL},
	{"RD.FENCE", -5, cmd_prefix_fence, NULL, NULL},
	{"RD.GET", -2, cmd_read_moded, NULL, rd_exec_rd_get},
	{"RD.INCRBY", 3, rd_cmd_incr, rd_reply_env_int, NULL},
	{"RD.LIST", -2, cmd_read_moded, NULL, rd_exec_rd_list},
	{"RD.LOCK", 3, rd_cmd_lock, rd_reply_env_lock, NULL},
	{"RD.MEMBER", -2, rd_cmd_member, NULL, NULL},
	{"RD.NODEINFO", 1, cmd_nodeinfo, NULL, NULL},
	{"RD.PUT", -3, rd_cmd_set, rd_reply_env_flag, NULL},
	{"RD.SEQ", -6, cmd_prefix_seq, NULL, NULL},
	{"RD.SESSION", -2, rd_cmd_session, rd_reply_env_num, NULL},
	{"RD.STATUS", 1, cmd_rd_status, NULL, NULL},
	{"RD.TRANSFER", -1, rd_cmd_transfer, NULL, NULL},
	{"RD.UNLOCK", 3, rd_cmd_lock, rd_reply_env_flag, NULL},
	{"READONLY", 1, cmd_readonly, NULL, NULL},
	{"READWRITE", 1, cmd_readonly, NULL, NULL},
	{"SELECT", 2, cmd_select, NULL, NULL},
	{"SET", -3, rd_cmd_set, rd_reply_set, NULL},
	{"SETNX", 3, rd_cmd_setnx, rd_reply_flag, NULL},
	{"STATUS", 1, cmd_status, NULL, NULL},
	{"STRLEN", 2, cmd_read_keys, NULL, rd_exec_strlen},
};

static int cmd_compare(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct rd_cmd *)elem)->name);
}

int rd_cmd_table_check(void)
{
	size_t n = sizeof cmd_table / sizeof cmd_table[0];

	for (size_t i = 1; i < n; i++)
		if (strcasecmp(cmd_table[i - 1].name, cmd_table[i].name) >= 0)
			return -1;
	return 0;
}

static const struct rd_cmd *cmd_lookup(const struct resp_arg *name)
{
	char tmp[32];

	if (name->len == 0 || name->len >= sizeof tmp || memchr(name->p, 0, name->len))
		return NULL;
	memcpy(tmp, name->p, name->len);
	tmp[name->len] = '\0';
	return bsearch(tmp, cmd_table, sizeof cmd_table / sizeof cmd_table[0],
		       sizeof cmd_table[0], cmd_compare);
}

static void cmd_unknown(struct rd_req *req, const struct resp_arg *name)
{
	char shown[64];
	size_t n = name->len < 40 ? name->len : 40;

	for (size_t i = 0; i < n; i++)
		shown[i] = isprint((unsigned char)name->p[i]) ? name->p[i] : '?';
	shown[n] = '\0';
	resp_w_error(&req->out, "ERR unknown command '%s'%s", shown,
		     name->len > 40 ? "..." : "");
}

static bool cmd_arity_ok(const struct rd_cmd *cmd, size_t argc)
{
	return (cmd->arity > 0 && argc == (size_t)cmd->arity) ||
	       (cmd->arity < 0 && argc >= (size_t)-cmd->arity);
}

void rd_cmd_dispatch(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	const struct rd_cmd *cmd = cmd_lookup(&argv[0]);

	if (cmd == NULL) {
		cmd_unknown(req, &argv[0]);
		rd_req_done(req);
		return;
	}
	if (!cmd_arity_ok(cmd, argc)) {
		resp_w_error(&req->out, "ERR wrong number of arguments for '%s' command",
			     cmd->name);
		rd_req_done(req);
		return;
	}
	req->cmd = cmd;
	cmd->start(req, argc, argv);
}

/* The command after a prefix's own arguments: a data write, each prefix at
 * most once. */
static void cmd_prefixed(struct rd_req *req, const char *prefix, size_t argc,
			 const struct resp_arg *argv)
{
	const struct rd_cmd *cmd = cmd_lookup(&argv[0]);

	if (cmd == NULL ||
	    (cmd->reply == NULL && cmd->start != cmd_prefix_seq &&
	     cmd->start != cmd_prefix_fence) ||
	    cmd->start == rd_cmd_session ||
	    cmd->start == rd_cmd_lock ||
	    (cmd->start == cmd_prefix_seq && req->has_session) ||
	    (cmd->start == cmd_prefix_fence && req->has_fence)) {
		resp_w_error(&req->out, "ERR %s must be followed by a data write "
			     "command (SET, RD.PUT, DEL, CAS, INCRBY, APPEND, ...)",
			     prefix);
		rd_req_done(req);
		return;
	}
	rd_cmd_dispatch(req, argc, argv);
}

/* RD.SEQ sid seq ack <write...>: exactly-once through a session. */
static void cmd_prefix_seq(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	int64_t sid, seq, ack;

	if (rd_cmd_parse_i64(&argv[1], &sid) != 0 || sid <= 0 ||
	    rd_cmd_parse_i64(&argv[2], &seq) != 0 || seq <= 0 ||
	    rd_cmd_parse_i64(&argv[3], &ack) != 0 || ack < 0) {
		resp_w_error(&req->out, "ERR syntax error: RD.SEQ session_id seq ack "
			     "<write command> (positive session id and seq)");
		rd_req_done(req);
		return;
	}
	req->has_session = true;
	req->session = (uint64_t)sid;
	req->seq = (uint64_t)seq;
	req->ack = (uint64_t)ack;
	cmd_prefixed(req, "RD.SEQ", argc - 4, argv + 4);
}

/* RD.FENCE lock token <write...>: applied only with the lock's newest token. */
static void cmd_prefix_fence(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	int64_t token;

	if (rd_cmd_parse_i64(&argv[2], &token) != 0 || token <= 0) {
		resp_w_error(&req->out, "ERR syntax error: RD.FENCE lock token "
			     "<write command> (a positive token)");
		rd_req_done(req);
		return;
	}
	if (!rd_cmd_check_key(req, &argv[1])) {
		rd_req_done(req);
		return;
	}
	req->has_fence = true;
	req->fence_lock = argv[1];
	req->fence_token = (uint64_t)token;
	cmd_prefixed(req, "RD.FENCE", argc - 3, argv + 3);
}
