/* lock.h - the fsm's named locks and their fencing tokens.
 *
 * Two ordered maps (map.h, the same B+tree as the keys):
 *   - names: lock name -> (holder session id or 0, newest token issued),
 *     16 bytes little-endian. A name stays once a token has been issued
 *     for it, held or not, because fencing compares against the newest
 *     token for as long as anyone may present an old one;
 *   - held: (holder id, 8 bytes big-endian) followed by the name -> empty,
 *     so a session's locks are one contiguous range: releasing them when it
 *     closes or expires costs O(its locks x log n), never a walk of all
 *     locks.
 * The maps' own indexes (create/mod) are unused here.
 */
#ifndef RD_FSM_LOCK_H
#define RD_FSM_LOCK_H

#include <stddef.h>
#include <stdint.h>

#include "fsm/map.h"

struct lock_table {
	map *names;
	map *held;
};

struct lock_state {
	uint64_t holder; /* session id, 0 when free */
	uint64_t newest; /* newest token issued; 0: never issued */
};

/* 0, or -1 when out of memory. lock_table_free releases both maps. */
int lock_table_init(struct lock_table *t);
void lock_table_free(struct lock_table *t);

/* The lock's state; all zero for a name never locked. */
struct lock_state lock_get(const struct lock_table *t, const void *name,
			   size_t len);

/* Give the lock to holder with a new token (the lock must be free, token
 * above its newest). 0, or -1 when out of memory (nothing changed). */
int lock_acquire(struct lock_table *t, const void *name, size_t len,
		 uint64_t holder, uint64_t token);
/* Free a held lock (holder is its current holder). Never fails. */
void lock_release(struct lock_table *t, const void *name, size_t len,
		  uint64_t holder);
/* Free every lock holder holds. Never fails. */
void lock_release_all(struct lock_table *t, uint64_t holder);

uint64_t lock_count(const struct lock_table *t);
uint64_t lock_name_bytes(const struct lock_table *t);

/* Decode an entry of the names map. */
void lock_entry(const struct map_entry *e, struct lock_state *out);
/* Add a lock after every name in the table (loading a snapshot): -1 when
 * name is not above the last one or memory runs out. */
int lock_load(struct lock_table *t, const void *name, size_t len,
	      const struct lock_state *st);

#endif
