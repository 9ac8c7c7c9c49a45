/* test_fsm_map.c - the B+tree under the fsm, against a sorted array.
 *
 * The randomized tests drive the map and a plain sorted array with the same
 * operations and compare every answer, then compare the whole contents and
 * check the tree's invariants. Keys come from tiny alphabets (0x00, 0xFF and
 * a few letters) so that keys share prefixes, differ only past the cached
 * 8 bytes, or are prefixes of one another: the cases an ordering bug hides
 * in. Seeds are fixed, so a failure repeats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fsm/map.h"

/* ---- a deterministic generator ------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static unsigned rng_below(unsigned n)
{
	return (unsigned)(rng() % n);
}

#define KEY_MAX 24

struct key {
	unsigned char b[KEY_MAX];
	size_t len;
};

static void gen_key(struct key *k, unsigned mode)
{
	static const unsigned char alpha[] = {0x00, 0x01, 'a', 'b', 0x7f, 0xff};
	size_t i;

	switch (mode % 3) {
	case 0: /* short, from a tiny alphabet: prefixes of one another */
		k->len = rng_below(6);
		for (i = 0; i < k->len; i++)
			k->b[i] = alpha[rng_below(sizeof(alpha))];
		break;
	case 1: /* long, equal in the first 10 bytes */
		k->len = 10 + rng_below(KEY_MAX - 10 + 1);
		memset(k->b, 0xff, 10);
		for (i = 10; i < k->len; i++)
			k->b[i] = alpha[rng_below(3)];
		break;
	default: /* ids: many distinct keys */
		k->len = (size_t)snprintf((char *)k->b, KEY_MAX, "id:%u",
					  rng_below(5000));
		break;
	}
}

/* ---- the reference: a sorted array --------------------------------------- */

struct ref_ent {
	struct key k;
	uint32_t val;
	uint64_t create, mod;
};

struct ref {
	struct ref_ent *e;
	size_t n, cap;
};

static size_t ref_lower(const struct ref *r, const struct key *k, int strict)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = map_keycmp(r->e[mid].k.b, r->e[mid].k.len, k->b, k->len);

		if (c < 0 || (c == 0 && strict))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int ref_find(const struct ref *r, const struct key *k, size_t *pos)
{
	*pos = ref_lower(r, k, 0);
	return *pos < r->n && map_keycmp(r->e[*pos].k.b, r->e[*pos].k.len,
					 k->b, k->len) == 0;
}

static int ref_put(struct ref *r, const struct key *k, uint32_t val,
		   uint64_t index)
{
	size_t pos;

	if (ref_find(r, k, &pos)) {
		r->e[pos].val = val;
		r->e[pos].mod = index;
		return 0;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->e = realloc(r->e, r->cap * sizeof(r->e[0]));
		assert_non_null(r->e);
	}
	memmove(&r->e[pos + 1], &r->e[pos], (r->n - pos) * sizeof(r->e[0]));
	r->e[pos].k = *k;
	r->e[pos].val = val;
	r->e[pos].create = index;
	r->e[pos].mod = index;
	r->n++;
	return 1;
}

static int ref_del(struct ref *r, const struct key *k)
{
	size_t pos;

	if (!ref_find(r, k, &pos))
		return 0;
	memmove(&r->e[pos], &r->e[pos + 1], (r->n - pos - 1) * sizeof(r->e[0]));
	r->n--;
	return 1;
}

/* ---- comparing ------------------------------------------------------------ */

static void assert_same_entry(const struct map_entry *e,
			      const struct ref_ent *re)
{
	uint32_t v;

	assert_non_null(e);
	assert_int_equal(e->klen, re->k.len);
	assert_memory_equal(map_entry_key(e), re->k.b, re->k.len);
	assert_int_equal(e->vlen, sizeof(v));
	memcpy(&v, map_entry_val(e), sizeof(v));
	assert_int_equal(v, re->val);
	assert_int_equal(e->create_index, re->create);
	assert_int_equal(e->mod_index, re->mod);
}

static void assert_same(const map *m, const struct ref *r)
{
	struct map_iter it;
	struct key empty = {.len = 0};
	size_t i;

	assert_int_equal(map_check(m), 0);
	assert_int_equal(map_count(m), r->n);
	map_seek(m, empty.b, 0, 0, &it);
	for (i = 0; i < r->n; i++)
		assert_same_entry(map_next(&it), &r->e[i]);
	assert_null(map_next(&it));
}

static void check_seek(const map *m, const struct ref *r, const struct key *k)
{
	struct map_iter it;
	int strict = (int)rng_below(2);
	size_t pos = ref_lower(r, k, strict), i, steps = rng_below(80);

	map_seek(m, k->b, k->len, strict, &it);
	for (i = 0; i < steps && pos + i < r->n; i++)
		assert_same_entry(map_next(&it), &r->e[pos + i]);
	if (pos + i == r->n)
		assert_null(map_next(&it));
}

static void check_get(const map *m, const struct ref *r, const struct key *k)
{
	size_t pos;
	const struct map_entry *e = map_get(m, k->b, k->len);

	if (ref_find(r, k, &pos))
		assert_same_entry(e, &r->e[pos]);
	else
		assert_null(e);
}

/* One run of n random operations; del_weight of 10 are deletes. */
static void random_run(uint64_t seed, unsigned n, unsigned del_weight)
{
	map *m = map_new();
	struct ref r = {0};
	uint64_t index = 0;
	unsigned i;

	assert_non_null(m);
	rng_state = seed;
	for (i = 0; i < n; i++) {
		struct key k;
		unsigned op = rng_below(10);
		uint32_t val = (uint32_t)rng();

		gen_key(&k, (unsigned)(seed + i / 1000));
		if (op < del_weight) {
			assert_int_equal(map_del(m, k.b, k.len), ref_del(&r, &k));
		} else if (op < 7) {
			index++;
			assert_int_equal(map_put(m, k.b, k.len, &val, sizeof(val),
						 index),
					 ref_put(&r, &k, val, index));
		} else if (op < 9) {
			check_get(m, &r, &k);
		} else {
			check_seek(m, &r, &k);
		}
		if (i % 2000 == 0)
			assert_same(m, &r);
	}
	assert_same(m, &r);
	/* Empty it again in random order: merges all the way to the root. */
	while (r.n > 0) {
		size_t pos = rng_below((unsigned)r.n);
		struct key k = r.e[pos].k;

		assert_int_equal(map_del(m, k.b, k.len), 1);
		assert_int_equal(ref_del(&r, &k), 1);
		if (r.n % 500 == 0)
			assert_same(m, &r);
	}
	assert_same(m, &r);
	free(r.e);
	map_free(m);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_random_mixed(void **state)
{
	(void)state;
	random_run(1, 60000, 3);
	random_run(2, 60000, 3);
	random_run(3, 60000, 3);
}

static void test_random_delete_heavy(void **state)
{
	(void)state;
	random_run(4, 60000, 5);
}

/* Enough keys for three levels of inner nodes, in each insertion order. */
static void test_many_keys_orders(void **state)
{
	const unsigned n = 200000;
	unsigned order, i;

	(void)state;
	for (order = 0; order < 3; order++) {
		map *m = map_new();
		char key[16];
		unsigned *perm = malloc(n * sizeof(*perm));

		assert_non_null(m);
		assert_non_null(perm);
		for (i = 0; i < n; i++)
			perm[i] = order == 0 ? i : order == 1 ? n - 1 - i : i;
		if (order == 2) {
			rng_state = 99;
			for (i = n - 1; i > 0; i--) {
				unsigned j = rng_below(i + 1), t = perm[i];

				perm[i] = perm[j];
				perm[j] = t;
			}
		}
		for (i = 0; i < n; i++) {
			int len = snprintf(key, sizeof(key), "%08u", perm[i]);

			assert_int_equal(map_put(m, key, (size_t)len, &i, sizeof(i),
						 i + 1),
					 1);
		}
		assert_int_equal(map_check(m), 0);
		assert_int_equal(map_count(m), n);
		for (i = 0; i < n; i += 7) {
			int len = snprintf(key, sizeof(key), "%08u", i);

			assert_non_null(map_get(m, key, (size_t)len));
		}
		/* Delete every other key, then the rest. */
		for (i = 0; i < n; i += 2) {
			int len = snprintf(key, sizeof(key), "%08u", perm[i]);

			assert_int_equal(map_del(m, key, (size_t)len), 1);
		}
		assert_int_equal(map_check(m), 0);
		for (i = 1; i < n; i += 2) {
			int len = snprintf(key, sizeof(key), "%08u", perm[i]);

			assert_int_equal(map_del(m, key, (size_t)len), 1);
		}
		assert_int_equal(map_check(m), 0);
		assert_int_equal(map_count(m), 0);
		free(perm);
		map_free(m);
	}
}

static void test_append_order_and_fill(void **state)
{
	map *m = map_new();
	char key[16];
	unsigned i;

	(void)state;
	assert_non_null(m);
	for (i = 0; i < 100000; i++) {
		int len = snprintf(key, sizeof(key), "k%07u", i);

		assert_int_equal(map_append(m, key, (size_t)len, "v", 1, i + 1,
					    i + 2),
				 0);
	}
	/* Not after the last key: refused, map unchanged. */
	assert_int_equal(map_append(m, "k0000005", 8, "v", 1, 1, 1), -1);
	assert_int_equal(map_append(m, "k0099999", 8, "v", 1, 1, 1), -1);
	assert_int_equal(map_count(m), 100000);
	assert_int_equal(map_check(m), 0);
	const struct map_entry *e = map_get(m, "k0000005", 8);

	assert_non_null(e);
	assert_int_equal(e->create_index, 6);
	assert_int_equal(e->mod_index, 7);
	/* Random deletes on a tree of full nodes. */
	rng_state = 7;
	for (i = 0; i < 50000; i++) {
		int len = snprintf(key, sizeof(key), "k%07u", rng_below(100000));

		map_del(m, key, (size_t)len);
	}
	assert_int_equal(map_check(m), 0);
	map_free(m);
}

static void test_empty_and_binary_keys(void **state)
{
	map *m = map_new();
	struct map_iter it;
	const struct map_entry *e;

	(void)state;
	assert_non_null(m);
	map_seek(m, "", 0, 0, &it);
	assert_null(map_next(&it));
	assert_null(map_get(m, "", 0));
	/* The empty key is a key like any other, and sorts first. */
	assert_int_equal(map_put(m, "b", 1, "2", 1, 1), 1);
	assert_int_equal(map_put(m, "", 0, "", 0, 2), 1);
	assert_int_equal(map_put(m, "\0", 1, "x", 1, 3), 1);
	assert_int_equal(map_put(m, "\xff\xff", 2, "y", 1, 4), 1);
	e = map_get(m, "", 0);
	assert_non_null(e);
	assert_int_equal(e->vlen, 0);
	map_seek(m, "", 0, 0, &it);
	assert_int_equal(map_next(&it)->klen, 0);
	assert_memory_equal(map_entry_key(map_next(&it)), "\0", 1);
	assert_memory_equal(map_entry_key(map_next(&it)), "b", 1);
	assert_memory_equal(map_entry_key(map_next(&it)), "\xff\xff", 2);
	assert_null(map_next(&it));
	/* Replacing changes the value and mod_index, not create_index. */
	assert_int_equal(map_put(m, "b", 1, "longer value", 12, 9), 0);
	e = map_get(m, "b", 1);
	assert_int_equal(e->create_index, 1);
	assert_int_equal(e->mod_index, 9);
	assert_memory_equal(map_entry_val(e), "longer value", 12);
	assert_int_equal(map_del(m, "", 0), 1);
	assert_int_equal(map_del(m, "", 0), 0);
	assert_int_equal(map_check(m), 0);
	map_free(m);
}

static void test_keycmp(void **state)
{
	(void)state;
	assert_true(map_keycmp("", 0, "a", 1) < 0);
	assert_true(map_keycmp("a", 1, "a\0", 2) < 0);
	assert_true(map_keycmp("a\xff", 2, "b", 1) < 0);
	assert_true(map_keycmp("\xff", 1, "\x01", 1) > 0);
	assert_int_equal(map_keycmp("abc", 3, "abc", 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keycmp),
		cmocka_unit_test(test_empty_and_binary_keys),
		cmocka_unit_test(test_append_order_and_fill),
		cmocka_unit_test(test_many_keys_orders),
		cmocka_unit_test(test_random_mixed),
		cmocka_unit_test(test_random_delete_heavy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
