/* wgl.h - the Wing-Gong-Lowe linearizability search, for one key.
 *
 * Input: operations, each with the position of its invocation and of its
 * completion in the history (positions only need to be ordered like the
 * events were). An operation whose completion is JL_INF is one whose outcome
 * is unknown (info): it may take effect at any point after its invocation,
 * or never. Failed operations and unknown reads must not be passed: they
 * constrain nothing.
 *
 * The search (Lowe, "Testing for linearizability", 2017) walks the events in
 * order, tentatively linearizing each invoked operation that the model
 * accepts in the current state, and backtracks when it meets the completion
 * of an operation it has not linearized. Every (set of linearized ops,
 * model state) pair reached is remembered, so no configuration is explored
 * twice. The history is linearizable when every operation with a known
 * completion has been linearized.
 *
 * Limits: a deadline and a memory budget for the memo table. When either
 * runs out the answer is JL_UNKNOWN; JL_VALID is only ever returned after a
 * complete search found a linearization.
 */
#ifndef JEPSEN_WGL_H
#define JEPSEN_WGL_H

#include <stddef.h>
#include <stdint.h>

#include "jepsen/check/model.h"
#include "jepsen/lib/history.h"

#define JL_INF UINT64_MAX

enum jl_verdict { JL_VALID, JL_INVALID, JL_UNKNOWN };

struct jl_item {
	const struct jh_op *op;
	uint64_t call; /* position of the invocation */
	uint64_t ret;  /* position of the completion, JL_INF when unknown */
};

struct jl_limits {
	int64_t deadline_ns;  /* CLOCK_MONOTONIC time to give up at; 0: none */
	size_t max_bytes;     /* memo table budget; 0: none */
};

struct jl_stats {
	uint64_t steps;       /* configurations tried */
	size_t memo_bytes;    /* memory the memo table reached */
	size_t deepest;       /* most operations linearized at once */
};

/* Search items[0..n) (any order; not modified) from state init. stats may
 * be NULL. Returns JL_VALID, JL_INVALID or JL_UNKNOWN (limits reached, or
 * memory could not be allocated). */
enum jl_verdict jl_check(const struct jm_model *m, int64_t init,
			 const struct jl_item *items, size_t n,
			 const struct jl_limits *lim, struct jl_stats *stats);

const char *jl_verdict_name(enum jl_verdict v);
/* The verdict as a JSON value for results: true, false or "unknown". */
const char *jl_verdict_json(enum jl_verdict v);

/* CLOCK_MONOTONIC now, in nanoseconds. */
int64_t jl_now_ns(void);

#endif
