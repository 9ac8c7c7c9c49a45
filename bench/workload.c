/* workload.c - keys, values and the read/write draw (see workload.h). */
#include "bench/workload.h"

#include <stdlib.h>
#include <string.h>

int rb_workload_init(struct rb_workload *w, const struct rb_options *o)
{
	memset(w, 0, sizeof *w);
	w->o = o;
	w->rng = o->seed ? o->seed : 0x9e3779b97f4a7c15ull;
	w->value = malloc(o->value_size ? o->value_size : 1);
	w->key = malloc(o->key_size);
	if (w->value == NULL || w->key == NULL) {
		rb_workload_free(w);
		return -1;
	}
	/* Printable and not trivially compressible by a run-length scheme:
	 * the server stores what it is sent, so content does not matter much,
	 * but a snapshot compressor (lz4) would flatter a constant value. */
	for (size_t i = 0; i < o->value_size; i++)
		w->value[i] = (char)('a' + rb_rand(w) % 26);
	return 0;
}

void rb_workload_free(struct rb_workload *w)
{
	free(w->value);
	free(w->key);
	w->value = w->key = NULL;
}

uint64_t rb_rand(struct rb_workload *w)
{
	uint64_t x = w->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	w->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

void rb_format_key(struct rb_workload *w, uint64_t n)
{
	size_t i = w->o->key_size;

	while (i > 0) {
		w->key[--i] = (char)('0' + n % 10);
		n /= 10;
	}
}

void rb_next_key(struct rb_workload *w)
{
	uint64_t n;

	if (w->o->sequential) {
		n = w->next_key++;
		if (w->next_key == w->o->key_space)
			w->next_key = 0;
	} else {
		n = rb_rand(w) % w->o->key_space;
	}
	rb_format_key(w, n);
}

bool rb_next_is_read(struct rb_workload *w)
{
	unsigned r = w->o->read_weight, t = r + w->o->write_weight;

	if (r == 0)
		return false;
	if (r == t)
		return true;
	return rb_rand(w) % t < r;
}
