/* linear.h - the linearizability checker over a whole history.
 *
 * Linearizability is compositional (Herlihy and Wing's locality; Horn and
 * Kroening's P-compositionality): a history of independent keys is
 * linearizable when each key's sub-history is. So the history is split per
 * key and each key is searched alone (wgl.h), which keeps the search small
 * because the workloads bound the operations per key.
 *
 * For a key that is not linearizable, the checker also finds a small
 * failing window:
 *  1. the shortest prefix of the key's history (cut at an ok completion)
 *     that is already not linearizable; operations still running at the cut
 *     count as unknown. Its last completion is the culprit, usually the
 *     stale read or the impossible cas;
 *  2. the latest start S such that the operations invoked from S to the cut
 *     cannot be linearized from any initial state, operations running
 *     across S counting as unknown. That window alone proves the violation:
 *     were the key linearizable, the window would be linearizable from the
 *     state the key had at S.
 */
#ifndef JEPSEN_LINEAR_H
#define JEPSEN_LINEAR_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "jepsen/check/model.h"
#include "jepsen/check/wgl.h"
#include "jepsen/lib/history.h"

struct jl_options {
	int64_t deadline_ns;     /* CLOCK_MONOTONIC time to stop at; 0: none */
	size_t max_bytes;        /* memo budget per search; 0: none */
	size_t max_reported;     /* failing keys described in full */
};

/* Check every key of h that has operations m accepts. Appends one JSON
 * object to out:
 *   {"valid":true|false|"unknown","model":..,"keys":n,"ops":n,
 *    "invalid_keys":[..],"unknown_keys":[..],"failures":[{"key":k,
 *    "op":{..},"window":[{..}..],"window_from_start":b}..],"error":".."?}
 * Returns the overall verdict: invalid if any key is, else unknown if any
 * key is (or the history has values the model cannot hold), else valid.
 * On memory exhaustion the verdict is unknown and out may be incomplete. */
enum jl_verdict jl_check_history(const struct jh_history *h, const struct jm_model *m,
				 const struct jl_options *o, struct buf *out);

#endif
