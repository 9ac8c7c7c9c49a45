/* hist.c - log-linear histogram buckets (see hist.h for the layout).
 *
 * For v >= 256, let m be the position of v's highest set bit (m >= 8). The
 * top 8 bits of v, (v >> (m - 7)), lie in [128, 256); they choose one of 128
 * buckets within the power-of-two range of v, each 2^(m-7) wide.
 */
#include "bench/hist.h"

#include <string.h>

unsigned rb_hist_index(uint64_t v)
{
	unsigned m, shift;

	if (v < RB_HIST_EXACT)
		return (unsigned)v;
	m = 63u - (unsigned)__builtin_clzll(v);
	shift = m - RB_HIST_SUB_BITS;
	return RB_HIST_EXACT + (m - (RB_HIST_SUB_BITS + 1)) * RB_HIST_SUB +
	       (unsigned)((v >> shift) - RB_HIST_SUB);
}

uint64_t rb_hist_width(unsigned i)
{
	if (i < RB_HIST_EXACT)
		return 1;
	return (uint64_t)1 << ((i - RB_HIST_EXACT) / RB_HIST_SUB + 1);
}

uint64_t rb_hist_lower(unsigned i)
{
	unsigned range, sub;

	if (i < RB_HIST_EXACT)
		return i;
	range = (i - RB_HIST_EXACT) / RB_HIST_SUB;
	sub = (i - RB_HIST_EXACT) % RB_HIST_SUB;
	return (uint64_t)(RB_HIST_SUB + sub) << (range + 1);
}

void rb_hist_reset(struct rb_hist *h)
{
	memset(h, 0, sizeof *h);
	h->min = UINT64_MAX;
}

void rb_hist_record(struct rb_hist *h, uint64_t v)
{
	h->buckets[rb_hist_index(v)]++;
	h->count++;
	h->sum = (h->sum > UINT64_MAX - v) ? UINT64_MAX : h->sum + v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void rb_hist_merge(struct rb_hist *dst, const struct rb_hist *src)
{
	if (src->count == 0)
		return;
	for (unsigned i = 0; i < RB_HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum = (dst->sum > UINT64_MAX - src->sum) ? UINT64_MAX
						      : dst->sum + src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t rb_hist_quantile(const struct rb_hist *h, double q)
{
	uint64_t rank, seen = 0, mid;

	if (h->count == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* the rank-th smallest value, counting from 1 */
	rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	if (rank == 0)
		rank = 1;
	for (unsigned i = 0; i < RB_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen < rank)
			continue;
		mid = rb_hist_lower(i) + rb_hist_width(i) / 2;
		if (mid < h->min)
			return h->min;
		return mid > h->max ? h->max : mid;
	}
	return h->max;
}

double rb_hist_mean(const struct rb_hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}
