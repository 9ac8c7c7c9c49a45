/* cmd_config.c - RD.CONFIG GET name | SET name value: this node's snapshot
 * settings at run time.
 *
 * Like Redis's CONFIG SET, the change is local to the node that receives it
 * and lasts until it restarts (the command line wins again then). Only the
 * settings that are safe to change under load are offered: when and how
 * much to snapshot. They never affect what the state machine computes, so
 * nodes may differ in them. Operators use it to take a snapshot sooner
 * before maintenance; bench/snapshot-cost uses it to measure writers with
 * and without snapshots on one loaded cluster.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/resp.h"
#include "raftd/cmd.h"
#include "raftd/conn.h"
#include "raftd/raftd.h"

enum cfg_key {
	CK_THRESHOLD, CK_TRAILING, CK_TRAILING_BYTES, CK_LOG_BYTES,
	CK_LOG_RATIO, CK_N
};

static const struct {
	const char *name;
	uint64_t min, max; /* the flags' bounds (raftd/config.h) */
} cfg_keys[CK_N] = {
	[CK_THRESHOLD] = {"snapshot-threshold", RD_SNAP_THRESHOLD_MIN,
			  RD_SNAP_COUNT_MAX},
	[CK_TRAILING] = {"snapshot-trailing", RD_SNAP_TRAILING_MIN,
			 RD_SNAP_COUNT_MAX},
	[CK_TRAILING_BYTES] = {"snapshot-trailing-bytes", 0, RD_SNAP_BYTES_MAX},
	[CK_LOG_BYTES] = {"snapshot-log-bytes", 0, RD_SNAP_BYTES_MAX},
	[CK_LOG_RATIO] = {"snapshot-log-ratio", RD_SNAP_RATIO_MIN,
			  RD_SNAP_RATIO_MAX},
};

static int cfg_key_find(const struct resp_arg *a)
{
	for (int k = 0; k < CK_N; k++)
		if (strlen(cfg_keys[k].name) == a->len &&
		    strncasecmp(cfg_keys[k].name, a->p, a->len) == 0)
			return k;
	return -1;
}

static uint64_t cfg_key_get(const struct rd_config *cfg, int k)
{
	switch (k) {
	case CK_THRESHOLD: return cfg->snapshot_threshold;
	case CK_TRAILING: return cfg->snapshot_trailing;
	case CK_TRAILING_BYTES: return cfg->snapshot_trailing_bytes;
	case CK_LOG_BYTES: return cfg->snapshot_log_bytes;
	default: return cfg->snapshot_log_ratio;
	}
}

/* Store v and hand it to libraft. A threshold set while the byte trigger
 * has libraft's threshold lowered takes effect when it is restored. */
static void cfg_key_set(struct rd_node *n, int k, uint64_t v)
{
	struct rd_config *cfg = n->cfg;

	switch (k) {
	case CK_THRESHOLD:
		cfg->snapshot_threshold = (unsigned)v;
		if (!n->glue.policy_armed)
			raft_set_snapshot_threshold(&n->raft, (unsigned)v);
		break;
	case CK_TRAILING:
		cfg->snapshot_trailing = (unsigned)v;
		n->glue.trailing_max = (unsigned)v; /* used at the next snapshot */
		break;
	case CK_TRAILING_BYTES:
		cfg->snapshot_trailing_bytes = (size_t)v;
		n->glue.trailing_bytes = v;
		break;
	case CK_LOG_BYTES:
		cfg->snapshot_log_bytes = (size_t)v;
		break;
	default:
		cfg->snapshot_log_ratio = (unsigned)v;
	}
}

static int cfg_is(const struct resp_arg *a, const char *word)
{
	return strlen(word) == a->len && strncasecmp(word, a->p, a->len) == 0;
}

static void cfg_get(struct rd_req *req, int k)
{
	resp_w_array(&req->out, 2);
	resp_w_bulk_str(&req->out, cfg_keys[k].name);
	resp_w_int(&req->out, (long long)cfg_key_get(rd_req_node(req)->cfg, k));
}

static void cfg_set(struct rd_req *req, int k, const struct resp_arg *val)
{
	int64_t v;

	if (rd_cmd_parse_i64(val, &v) != 0 || v < 0 ||
	    (uint64_t)v < cfg_keys[k].min || (uint64_t)v > cfg_keys[k].max) {
		resp_w_error(&req->out, "ERR %s must be an integer from %llu to "
			     "%llu", cfg_keys[k].name,
			     (unsigned long long)cfg_keys[k].min,
			     (unsigned long long)cfg_keys[k].max);
		return;
	}
	cfg_key_set(rd_req_node(req), k, (uint64_t)v);
	resp_w_simple(&req->out, "OK");
}

void rd_cmd_config(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	bool get = argc == 3 && cfg_is(&argv[1], "GET");
	bool set = argc == 4 && cfg_is(&argv[1], "SET");
	int k = argc >= 3 ? cfg_key_find(&argv[2]) : -1;

	if (!get && !set)
		resp_w_error(&req->out, "ERR syntax error: RD.CONFIG GET name | "
			     "RD.CONFIG SET name value");
	else if (k < 0)
		resp_w_error(&req->out, "ERR unknown setting (snapshot-threshold, "
			     "snapshot-trailing, snapshot-trailing-bytes, snapshot-log-bytes, "
			     "snapshot-log-ratio)");
	else if (get)
		cfg_get(req, k);
	else
		cfg_set(req, k, &argv[3]);
	rd_req_done(req);
}
