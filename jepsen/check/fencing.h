/* fencing.h - the lock workload's order check.
 *
 * Each holder of a lock writes under the fencing token its "acquire"
 * returned (an ok acquire's value); raftd must refuse a guarded write whose
 * token is older than the newest one issued, so along a list, in the order
 * the writes were applied (the key's final read), tokens never decrease.
 * An element's token is that of the last ok acquire by the same process
 * before the append was invoked. Lost, duplicated or refused-yet-present
 * elements are the elements checker's business (set.h).
 */
#ifndef JEPSEN_FENCING_H
#define JEPSEN_FENCING_H

#include "common/buf.h"
#include "jepsen/check/wgl.h"
#include "jepsen/lib/history.h"

/* Appends {"valid":..,"lists":n,"guarded":n,"out_of_order":[[a,b]..],
 * "out_of_order_count":n} to out: each pair is an element a applied before
 * element b although a's token is newer. Returns the verdict (unknown only
 * when memory ran out). */
enum jl_verdict jf_check_history(const struct jh_history *h, struct buf *out);

#endif
