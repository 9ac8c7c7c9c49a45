/* append.h - order checks for the append workload.
 *
 * Each key holds a list; "append" adds a unique integer at its end and an ok
 * "read" returns the whole list. Element by element (lost, stale,
 * unexpected, duplicated) the lists are judged by the set checker (set.h);
 * this checker judges their order:
 *  - incompatible: two reads of a key that are not both prefixes of one
 *    order (the longest read);
 *  - reordered: append A acknowledged before append B was invoked, yet B
 *    comes before A in the list.
 */
#ifndef JEPSEN_APPEND_H
#define JEPSEN_APPEND_H

#include "common/buf.h"
#include "jepsen/check/wgl.h"
#include "jepsen/lib/history.h"

/* Appends {"valid":..,"lists":n,"incompatible":[{"key":k,"read":op,
 * "longest":op}..],"incompatible_count":n,"reordered":[[a,b]..],
 * "reordered_count":n} to out and returns the verdict (invalid if anything
 * was found, unknown only when memory ran out). */
enum jl_verdict ja_check_history(const struct jh_history *h, struct buf *out);

#endif
