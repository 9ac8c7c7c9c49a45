/* session.h - the table of client sessions inside the fsm.
 *
 * Three views of the same sessions, each for one question asked often:
 *   - a hash on the id: which session does this command name? O(1);
 *   - a binary min-heap on (deadline, id): is any session overdue? O(1) to
 *     ask, O(log n) to expire one or to push one's deadline back when it
 *     acts (deadlines only grow, so that is a sift down, no allocation);
 *   - a list in id order (ids are handed out increasing and never reused,
 *     so a new session goes at the tail): the order snapshots are written
 *     in, with no sorting.
 * Each session keeps its stored results in an array sorted by seq, used as
 * a queue: new seqs go at the end (a retried older one is rare and takes a
 * memmove), acknowledged ones leave from the front.
 *
 * The table owns every session; sess_remove frees one. Functions that
 * allocate return NULL or -1 and leave the table as it was.
 */
#ifndef RD_FSM_SESSION_H
#define RD_FSM_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "fsm/state.h"

struct sess {
	uint64_t id;
	uint64_t timeout_ms;
	uint64_t last_ms;
	uint64_t deadline; /* fsm_session_deadline(last_ms, timeout_ms) */
	uint64_t highest_seq;
	uint64_t ack;
	struct fsm_seq_result *res; /* res[start .. start + n), seq ascending */
	uint32_t start, n, cap;
	size_t heap_pos;
	struct sess *prev, *next; /* id order */
};

struct sess_table {
	struct sess **slots; /* open addressing by id, 2^bits of them */
	unsigned bits;
	size_t count;
	struct sess **heap; /* count of them, earliest deadline first */
	size_t heap_cap;
	struct sess *first, *last;
	uint64_t next_id;
	uint64_t results; /* stored results over all sessions */
};

/* 0, or -1 when out of memory. */
int sess_table_init(struct sess_table *t);
void sess_table_free(struct sess_table *t);

struct sess *sess_find(const struct sess_table *t, uint64_t id);

/* Add a session with this id (above every id in the table) and no results;
 * t->next_id becomes id + 1 when it was not above. NULL when out of
 * memory. */
struct sess *sess_add(struct sess_table *t, uint64_t id, uint64_t timeout_ms,
		      uint64_t last_ms);
void sess_remove(struct sess_table *t, struct sess *s);

/* The session acted at cluster time now (>= its last_ms). */
void sess_touch(struct sess_table *t, struct sess *s, uint64_t now);

/* The session with the earliest deadline when that deadline is before now,
 * else NULL. */
struct sess *sess_overdue(const struct sess_table *t, uint64_t now);

/* The stored result for seq, or NULL. O(log n). */
const struct fsm_seq_result *sess_result(const struct sess *s, uint64_t seq);
/* How many stored results have a seq >= ack. */
uint32_t sess_results_from(const struct sess *s, uint64_t ack);
/* Forget the results below ack and raise s->ack to it (never lowers). */
void sess_forget_below(struct sess_table *t, struct sess *s, uint64_t ack);
/* Store r (its seq not stored yet); raises highest_seq. 0, or -1 when out
 * of memory (nothing changed). */
int sess_store(struct sess_table *t, struct sess *s,
	       const struct fsm_seq_result *r);

#endif
