/* workload.h - what each benchmark request is: which key, read or write.
 *
 * Keys are the decimal numbers 0 .. key_space-1, zero-padded to key_size
 * bytes ("00000042"), so they are printable, sort in numeric order and are
 * all the same size, like the 8-byte keys of etcd's benchmark. Sequential
 * order walks the key space round-robin (a put run of key_space requests
 * writes every key once); random order draws uniformly.
 */
#ifndef RB_WORKLOAD_H
#define RB_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/options.h"

struct rb_workload {
	const struct rb_options *o;
	uint64_t rng;      /* xorshift64* state, never 0 */
	uint64_t next_key; /* sequential order */
	char *value;       /* value_size bytes, owned */
	char *key;         /* key_size bytes, rewritten by rb_next_key */
};

/* Returns 0, or -1 when memory runs out. Free with rb_workload_free. */
int rb_workload_init(struct rb_workload *w, const struct rb_options *o);
void rb_workload_free(struct rb_workload *w);

/* Write the key with this number into w->key (key_size bytes). */
void rb_format_key(struct rb_workload *w, uint64_t n);
/* Choose the next key (into w->key) by the configured order. */
void rb_next_key(struct rb_workload *w);
/* true: the next request reads; false: it writes (by --mix weights). */
bool rb_next_is_read(struct rb_workload *w);
/* A uniform random number. */
uint64_t rb_rand(struct rb_workload *w);

#endif
