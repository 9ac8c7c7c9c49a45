/* fsm_glue.h - the raft_fsm libraft drives, over raftd's fsm library.
 *
 * Independent of the rest of the daemon so that raft_fixture tests run the
 * very same apply/snapshot/restore code as raftd does. */
#ifndef RD_FSM_GLUE_H
#define RD_FSM_GLUE_H

#include <raft.h>

#include <stdbool.h>

#include "fsm/fsm.h"
#include "raftd/snapfork.h"

/* Find this node's pending proposal (term, seq). Returns the opaque value
 * libraft hands to the raft_apply callback as `result` (NULL when the batch
 * is not pending here) and, through res/cap, where its results go. */
typedef void *(*rd_glue_find_fn)(void *arg, uint64_t term, uint64_t seq,
				 struct fsm_result **res, size_t *cap);

struct rd_glue {
	struct raft_fsm rfsm;     /* give &glue->rfsm to raft_init */
	struct raft *raft;        /* set before raft_start */
	fsm *fsm;                 /* owned; replaced on restore */
	uint64_t self_id;
	uint64_t applied_term;    /* term of the last batch applied */
	rd_glue_find_fn find;     /* may be NULL (followers only, tests) */
	void *find_arg;
	uint64_t snapshots;       /* taken (stats) */
	uint64_t restores;
	uint64_t snapshot_failures;
	size_t snapshot_bytes_last;
	uint64_t fork_us_last;    /* fork() time of the last snapshot */
	uint64_t fork_us_max;
	uint64_t snapshot_ms_last; /* fork to finalize, last snapshot */
	/* the byte trigger (raftd/snappolicy.c) */
	uint64_t log_bytes;       /* entry bytes applied since the last
				   * snapshot started (or was restored) */
	bool policy_armed;        /* libraft's threshold lowered to 1 */
	uint64_t log_bytes_taken; /* log_bytes when the snapshot started */
	/* Trailing entries kept after a snapshot, bounded in bytes too: the
	 * sizes of the last RD_GLUE_RECENT applied entries, newest at
	 * recent_head - 1. At each snapshot libraft keeps the newest entries
	 * that fit in trailing_bytes, at most trailing_max and at least
	 * RD_GLUE_MIN_TRAILING of them (0 bytes: trailing_max alone). */
	uint32_t *recent;
	size_t recent_head, recent_n;
	unsigned trailing_max;
	uint64_t trailing_bytes;
	unsigned trailing_last;   /* what the last snapshot kept */
	/* the snapshot being taken, if any */
	bool taking;
	uint64_t taking_start_us;
	uint64_t taking_index;
	uint64_t taking_keys;
	struct rd_snapfork fork;
	uv_loop_t *loop;          /* for releasing snapshots off the loop;
				   * NULL (the fixture): released inline */
};

#define RD_GLUE_RECENT 65536u
#define RD_GLUE_MIN_TRAILING 16u

/* Prepare g over f (g takes ownership of f). Returns 0, or -1 when out of
 * memory (g is then unusable; f was not taken). */
int rd_glue_init(struct rd_glue *g, fsm *f, uint64_t self_id);

/* How many trailing entries to keep: the newest entries whose sizes add up
 * to at most g->trailing_bytes, within [RD_GLUE_MIN_TRAILING,
 * g->trailing_max]. */
unsigned rd_glue_trailing(const struct rd_glue *g);
void rd_glue_close(struct rd_glue *g);

#endif
