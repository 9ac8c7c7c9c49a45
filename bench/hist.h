/* hist.h - a latency histogram with bounded memory and ~1% precision.
 *
 * HDR-style log-linear buckets: values below 256 are counted exactly; above
 * that, every power-of-two range [2^k, 2^(k+1)) is split into 128 equal
 * buckets, so a bucket is never wider than 1/128 of its lower bound (0.8%),
 * and quantiles report the bucket's middle (error under 0.4%). The whole
 * range of uint64_t fits in a fixed array of 7,424 counters (58 KiB), no
 * matter how many values are recorded. Exact count, sum, min and max are
 * kept beside the buckets.
 *
 * Units are the caller's (raftd-bench records nanoseconds). Not thread-safe.
 */
#ifndef RB_HIST_H
#define RB_HIST_H

#include <stdint.h>

#define RB_HIST_SUB_BITS 7
#define RB_HIST_SUB (1u << RB_HIST_SUB_BITS)           /* 128 */
#define RB_HIST_EXACT (2u * RB_HIST_SUB)                /* 256 */
#define RB_HIST_BUCKETS (RB_HIST_EXACT + (64u - (RB_HIST_SUB_BITS + 1)) * RB_HIST_SUB)

struct rb_hist {
	uint64_t count;
	uint64_t sum; /* saturates at UINT64_MAX instead of wrapping */
	uint64_t min; /* UINT64_MAX while empty */
	uint64_t max;
	uint64_t buckets[RB_HIST_BUCKETS];
};

/* Empty h (also how a histogram is initialised). */
void rb_hist_reset(struct rb_hist *h);
void rb_hist_record(struct rb_hist *h, uint64_t v);
/* Add every value recorded in src to dst. */
void rb_hist_merge(struct rb_hist *dst, const struct rb_hist *src);
/* The value at quantile q (0 <= q <= 1): the middle of the bucket holding
 * the ceil(q * count)-th smallest value, clamped to [min, max]; 0 when
 * empty. q = 1 gives the exact max. */
uint64_t rb_hist_quantile(const struct rb_hist *h, double q);
/* Mean of the recorded values; 0 when empty. */
double rb_hist_mean(const struct rb_hist *h);

/* Bucket mapping, exposed for the unit test: the index of v, and the
 * smallest value and width of bucket i. */
unsigned rb_hist_index(uint64_t v);
uint64_t rb_hist_lower(unsigned i);
uint64_t rb_hist_width(unsigned i);

#endif
