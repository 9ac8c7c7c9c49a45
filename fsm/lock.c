/* lock.c - the lock table over two maps (see lock.h).
 *
 * Every change keeps the two maps in step: a lock is in `held` under its
 * holder exactly when its holder in `names` is not 0. Changing a held
 * lock's value in `names` rewrites 16 bytes in place (same length), which
 * map_put does without allocating; only a new name or a new `held` entry
 * allocates, and those are made before anything else changes.
 */
#include "fsm/lock.h"

#include <stdlib.h>
#include <string.h>

#include "fsm/fsm.h" /* FSM_MAX_KEY */

#define LOCK_VAL_LEN 16
#define HOLDER_LEN 8

static void put_le64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void encode_state(unsigned char *v, const struct lock_state *st)
{
	put_le64(v, st->holder);
	put_le64(v + 8, st->newest);
}

void lock_entry(const struct map_entry *e, struct lock_state *out)
{
	const unsigned char *v = map_entry_val(e);

	out->holder = get_le64(v);
	out->newest = get_le64(v + 8);
}

/* The held-map key: holder big-endian (so one holder's locks are adjacent),
 * then the name. The caller frees it. */
static unsigned char *held_key(uint64_t holder, const void *name, size_t len)
{
	unsigned char *k = malloc(HOLDER_LEN + len);
	int i;

	if (k == NULL)
		return NULL;
	for (i = 0; i < HOLDER_LEN; i++)
		k[i] = (unsigned char)(holder >> (8 * (HOLDER_LEN - 1 - i)));
	if (len > 0)
		memcpy(k + HOLDER_LEN, name, len);
	return k;
}

int lock_table_init(struct lock_table *t)
{
	t->names = map_new();
	t->held = map_new();
	if (t->names == NULL || t->held == NULL) {
		lock_table_free(t);
		return -1;
	}
	return 0;
}

void lock_table_free(struct lock_table *t)
{
	map_free(t->names);
	map_free(t->held);
	t->names = NULL;
	t->held = NULL;
}

struct lock_state lock_get(const struct lock_table *t, const void *name,
			   size_t len)
{
	const struct map_entry *e = map_get(t->names, name, len);
	struct lock_state st = {0, 0};

	if (e != NULL)
		lock_entry(e, &st);
	return st;
}

int lock_acquire(struct lock_table *t, const void *name, size_t len,
		 uint64_t holder, uint64_t token)
{
	const struct lock_state st = {holder, token};
	unsigned char v[LOCK_VAL_LEN], *k = held_key(holder, name, len);

	if (k == NULL)
		return -1;
	if (map_put(t->held, k, HOLDER_LEN + len, NULL, 0, 0) < 0) {
		free(k);
		return -1;
	}
	encode_state(v, &st);
	if (map_put(t->names, name, len, v, sizeof(v), 0) < 0) {
		map_del(t->held, k, HOLDER_LEN + len);
		free(k);
		return -1;
	}
	free(k);
	return 0;
}

/* Rewrite the held lock's value with holder 0, in place. */
static void mark_free(struct lock_table *t, const void *name, size_t len,
		      uint64_t newest)
{
	const struct lock_state st = {0, newest};
	unsigned char v[LOCK_VAL_LEN];

	encode_state(v, &st);
	(void)map_put(t->names, name, len, v, sizeof(v), 0); /* same length:
								 cannot fail */
}

void lock_release(struct lock_table *t, const void *name, size_t len,
		  uint64_t holder)
{
	struct lock_state st = lock_get(t, name, len);
	/* the held-map key on the stack (at most 64 KiB + 8, on a path that
	 * never recurses), so that a release cannot fail halfway */
	unsigned char k[HOLDER_LEN + FSM_MAX_KEY];
	int i;

	mark_free(t, name, len, st.newest);
	for (i = 0; i < HOLDER_LEN; i++)
		k[i] = (unsigned char)(holder >> (8 * (HOLDER_LEN - 1 - i)));
	memcpy(k + HOLDER_LEN, name, len);
	map_del(t->held, k, HOLDER_LEN + len);
}

void lock_release_all(struct lock_table *t, uint64_t holder)
{
	unsigned char prefix[HOLDER_LEN];
	const struct map_entry *e;
	struct map_iter it;
	int i;

	for (i = 0; i < HOLDER_LEN; i++)
		prefix[i] =
			(unsigned char)(holder >> (8 * (HOLDER_LEN - 1 - i)));
	for (;;) {
		struct lock_state st;
		const unsigned char *key;

		/* seek again each time: a delete invalidates the iterator */
		map_seek(t->held, prefix, HOLDER_LEN, 0, &it);
		e = map_next(&it);
		if (e == NULL || e->klen < HOLDER_LEN ||
		    memcmp(map_entry_key(e), prefix, HOLDER_LEN) != 0)
			return;
		key = map_entry_key(e);
		st = lock_get(t, key + HOLDER_LEN, e->klen - HOLDER_LEN);
		mark_free(t, key + HOLDER_LEN, e->klen - HOLDER_LEN, st.newest);
		/* map_del reads the key only while searching, before it frees
		 * the entry that holds it */
		map_del(t->held, key, e->klen);
	}
}

uint64_t lock_count(const struct lock_table *t)
{
	return map_count(t->names);
}

uint64_t lock_name_bytes(const struct lock_table *t)
{
	return map_data_bytes(t->names) - LOCK_VAL_LEN * map_count(t->names);
}

int lock_load(struct lock_table *t, const void *name, size_t len,
	      const struct lock_state *st)
{
	unsigned char v[LOCK_VAL_LEN], *k = NULL;

	if (st->holder != 0) {
		k = held_key(st->holder, name, len);
		if (k == NULL ||
		    map_put(t->held, k, HOLDER_LEN + len, NULL, 0, 0) < 0) {
			free(k);
			return -1;
		}
	}
	encode_state(v, st);
	if (map_append(t->names, name, len, v, sizeof(v), 0, 0) != 0) {
		if (k != NULL)
			map_del(t->held, k, HOLDER_LEN + len);
		free(k);
		return -1;
	}
	free(k);
	return 0;
}
