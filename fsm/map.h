/* map.h - the ordered byte-string map under the fsm: a B+tree.
 *
 * Each key lives with its value and its two log indexes in one allocation
 * (struct map_entry); the tree's leaves hold pointers to entries, ordered by
 * the keys' bytes (memcmp order, a shorter key before its extensions). The
 * map owns every entry: pointers returned by lookups stay valid until the
 * next change to the map.
 *
 * Nothing here allocates except for entries and tree nodes; every function
 * that may allocate reports failure and leaves the map as it was.
 */
#ifndef RD_FSM_MAP_H
#define RD_FSM_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct map map;

struct map_entry {
	uint64_t create_index;
	uint64_t mod_index;
	uint32_t klen;
	uint32_t vlen;
	unsigned char data[]; /* klen key bytes, then vlen value bytes */
};

static inline const void *map_entry_key(const struct map_entry *e)
{
	return e->data;
}

static inline const void *map_entry_val(const struct map_entry *e)
{
	return e->data + e->klen;
}

/* A position in the map, between two entries. Invalidated by any change. */
struct map_iter {
	const void *leaf;
	unsigned pos;
};

/* NULL when out of memory. map_free releases the map and every entry. */
map *map_new(void);
void map_free(map *m);

size_t map_count(const map *m);
/* Sum of the lengths of all keys and values. */
uint64_t map_data_bytes(const map *m);

/* The entry for key, or NULL. */
const struct map_entry *map_get(const map *m, const void *key, size_t klen);

/* Set key to val at log index `index`: a new key gets create_index and
 * mod_index = index, an existing one mod_index = index. Returns 1 when the
 * key was created, 0 when it was replaced, -1 when memory ran out or a
 * length does not fit in 32 bits (the map is then unchanged). */
int map_put(map *m, const void *key, size_t klen, const void *val,
	    size_t vlen, uint64_t index);

/* Append val's bytes to key's value at log index `index` (an absent key is
 * created holding val, as map_put would). *new_len receives the value's
 * length afterwards. Returns 1 when the key was created, 0 when it was
 * extended, -1 when memory ran out or the length would not fit in 32 bits
 * (the map is then unchanged and *new_len unset). */
int map_extend(map *m, const void *key, size_t klen, const void *val,
	       size_t vlen, uint64_t index, uint64_t *new_len);

/* Add an entry after every key in the map, with its indexes as given (for
 * loading a snapshot). Returns 0, or -1 when key is not greater than the
 * last key or memory runs out (the map is then unchanged). */
int map_append(map *m, const void *key, size_t klen, const void *val,
	       size_t vlen, uint64_t create_index, uint64_t mod_index);

/* Remove key; returns 1 when it was there, 0 when it was not. Never fails:
 * removal only frees memory. */
int map_del(map *m, const void *key, size_t klen);

/* Place it before the first entry >= key (> key when `strict`). An empty
 * key with strict == 0 gives the first entry. Cost O(log n). */
void map_seek(const map *m, const void *key, size_t klen, int strict,
	      struct map_iter *it);
/* The entry at it, advancing it; NULL at the end. Cost O(1). */
const struct map_entry *map_next(struct map_iter *it);

/* Compare two keys in map order: <0, 0, >0. */
int map_keycmp(const void *a, size_t alen, const void *b, size_t blen);

/* Check the tree's invariants (order, separators, fill, leaf chain, count);
 * returns 0 when they hold, or a negative code naming the first broken
 * rule. For tests and fuzzers; O(n). Only a failed allocation inside
 * map_del can leave a node underfull (still correct), which this reports. */
int map_check(const map *m);

#endif
