/* config.h - raftd's settings, from flags and an optional config file. */
#ifndef RD_CONFIG_H
#define RD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RD_ADDR_MAX 64
#define RD_MAX_MEMBERS 16

struct rd_member {
	uint64_t id;
	char raft_addr[RD_ADDR_MAX];   /* IPv4 "a.b.c.d:port" */
	char client_addr[RD_ADDR_MAX]; /* IPv4 "a.b.c.d:port" */
};

/* Bounds of the snapshot settings, for the flags (config.c) and for
 * RD.CONFIG SET (cmd_config.c) alike. */
#define RD_SNAP_THRESHOLD_MIN 2
#define RD_SNAP_COUNT_MAX (1u << 30)   /* threshold and trailing entries */
#define RD_SNAP_TRAILING_MIN 1
#define RD_SNAP_BYTES_MAX ((uint64_t)1 << 40) /* log and trailing bytes */
#define RD_SNAP_RATIO_MIN 1
#define RD_SNAP_RATIO_MAX 10000u

struct rd_config {
	uint64_t id;
	char data_dir[4096];
	struct rd_member members[RD_MAX_MEMBERS];
	unsigned n_members;
	const struct rd_member *self; /* points into members */

	unsigned election_timeout_ms;
	unsigned heartbeat_ms;
	unsigned install_snapshot_timeout_ms;
	unsigned snapshot_threshold;
	unsigned snapshot_trailing;
	size_t snapshot_log_bytes;    /* byte trigger floor; 0: off */
	unsigned snapshot_log_ratio;  /* percent of the last snapshot's size */
	size_t snapshot_trailing_bytes; /* trailing entries bounded in bytes */
	size_t peer_send_limit;       /* AppendEntries bytes queued per peer */

	size_t max_key;
	size_t max_value;
	size_t max_request;
	size_t max_state_bytes;       /* quota on the snapshot encoding size */
	size_t max_pending_per_conn;
	size_t max_out_per_conn;
	unsigned max_conns;
	unsigned max_batch_bytes;
	unsigned max_inflight_batches;
	unsigned max_read_wait_ms;    /* session reads wait at most this */
	int log_level;
	/* Known-bad mode for proving the fault tests bite: serve every read at
	 * once from this node's local state, with no barrier and no redirect. */
	int unsafe_read_without_barrier;
	/* Known-bad mode: re-apply retried sequenced writes (no exactly-once). */
	int unsafe_no_session_dedup;
	/* --join: never bootstrap; wait for the leader to add this node. */
	int join;
	/* --restore FILE: seed a new cluster from this backup instead of
	 * bootstrapping an empty one ("" when not given; raftd/restore.h). */
	char restore[4096];
};

/* Fill cfg from argv (and a --config file, whose "name = value" lines take
 * the long option names). Returns 0 to run, 1 when --help/--version printed
 * something and the program should exit 0, -1 after printing a one-line error
 * to stderr (exit non-zero). */
int rd_config_parse(struct rd_config *cfg, int argc, char **argv);

/* Is p[0..len) an address raftd and libraft 0.15 can use: an IPv4 literal,
 * a colon and a port in 1..65535, shorter than RD_ADDR_MAX? */
bool rd_addr_valid(const char *p, size_t len);

/* The member with this id, or NULL. */
const struct rd_member *rd_config_member(const struct rd_config *cfg,
					 uint64_t id);

#endif
