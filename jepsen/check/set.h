/* set.h - the set checker (Jepsen's set-full).
 *
 * The set workload adds unique integers to a set (f "add") and reads the
 * whole set (f "read", an ok read's value is the list of elements); each key
 * is an independent set. After the faults are healed every set is read one
 * last time. For each element:
 *  - lost: it was acknowledged (its add ok) or seen in a read, but the
 *    final read lacks it;
 *  - stale: a read invoked after the element was known to be present (its
 *    add acknowledged, or a read containing it completed) lacks it, though
 *    the final read has it;
 *  - unexpected: a read has it but its add failed, or nobody added it;
 *  - duplicated: a read lists it twice;
 *  - recovered (not an error): an add of unknown outcome that did happen.
 * A set with acknowledged adds and no ok read at all cannot be judged.
 *
 * The append workload's lists are judged the same way element by element
 * (with f "append" in place of "add"); its order checks are in append.h.
 */
#ifndef JEPSEN_SET_H
#define JEPSEN_SET_H

#include "common/buf.h"
#include "jepsen/check/wgl.h"
#include "jepsen/lib/history.h"

/* add_f is JH_F_ADD for sets, JH_F_APPEND for lists.
 * Appends {"valid":..,"sets":n,"adds":{ok,fail,info},"reads":n,
 * "lost":[..],"lost_count":n, ... "unjudged_sets":[..]} to out and returns
 * the verdict: invalid if any element is lost, stale, unexpected or
 * duplicated; else unknown if a set could not be judged; else valid. */
enum jl_verdict js_check_history(const struct jh_history *h, enum jh_f add_f,
				 struct buf *out);

#endif
