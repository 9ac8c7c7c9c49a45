/* model.h - sequential specifications the linearizability checker tests
 * histories against.
 *
 * A model is a pure function from (state, operation) to "legal, and the next
 * state". States are 64-bit integers so that the search can memoize them
 * cheaply; the register's state is its value, JM_ABSENT when the key does
 * not exist. When a check starts from an unknown state (a window cut out of
 * the middle of a history), jm_candidates lists every state that could make
 * a difference: each value the window mentions, absence, and JM_OTHER, which
 * stands for every value the window never mentions (all such values behave
 * alike since the model only compares them for equality).
 */
#ifndef JEPSEN_MODEL_H
#define JEPSEN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "jepsen/lib/history.h"

#define JM_ABSENT INT64_MIN
#define JM_OTHER (INT64_MIN + 1)

struct jm_model {
	const char *name;
	int64_t init;
	/* 1 when op may take effect in state s (observing what op->ret says
	 * when op completed ok), with *next the state after it; 0 otherwise. */
	int (*step)(int64_t s, const struct jh_op *op, int64_t *next);
	/* 1 when op belongs to this model's checks at all. */
	int (*accepts)(const struct jh_op *op);
	/* NULL when an accepted op has the shape step() relies on, else why
	 * not (the checker then refuses to call the history valid). */
	const char *(*malformed)(const struct jh_op *op);
};

/* A read/write/compare-and-set register whose key starts absent. Values must
 * be integers above JM_OTHER. */
extern const struct jm_model jm_register;

/* The initial states worth trying for ops[0..n): at most 3n + 2 of them are
 * written to out (the caller provides that room); returns how many. */
size_t jm_candidates(const struct jh_op *const *ops, size_t n, int64_t *out);

#endif
